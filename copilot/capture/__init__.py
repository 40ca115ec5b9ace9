"""The capture side: `CaptureClient`, channels and the capture-source contract."""

from copilot.capture.channels import ChannelGroup, Channels
from copilot.capture.sources import (
    CaptureSource,
    ChannelInfo,
    ChannelRequest,
    FrameSink,
    Permission,
    SourceHandle,
)

__all__ = [
    "CaptureClient",
    "CaptureSource",
    "ChannelGroup",
    "ChannelInfo",
    "ChannelRequest",
    "Channels",
    "FrameSink",
    "Permission",
    "SourceHandle",
]


def __getattr__(name: str):
    # CaptureClient pulls in the runtime; import it on first use to avoid an import cycle
    if name == "CaptureClient":
        from copilot.capture.client import CaptureClient

        return CaptureClient
    raise AttributeError(name)
