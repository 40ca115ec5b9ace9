"""The client side of server mode: `RemoteConnection` and the remote capture transport."""

from copilot.remote.connection import RemoteConnection

__all__ = ["RemoteConnection"]
