"""A frame's `info` across the ingest wire: JSON out, the same objects back in.

A capture source may put any object in `VideoFrame.info`; the screen source puts the
sampler's `FrameInfo` (active window, change box, redactions) there, which the visual index
reads on the server. `to_wire` makes JSON of dataclasses (tagged with their class name),
numpy scalars and arrays, and falls back to `str` for anything else, so no frame is lost to
an unserialisable value; `from_wire` rebuilds the known vision dataclasses (and only those: a
client names no code to run on the server).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import numpy as np

TAG = "__dataclass__"
KNOWN = {
    "FrameInfo": "copilot.vision.sampler",
    "Change": "copilot.vision.change",
    "WindowSnapshot": "copilot.vision.windows",
    "WindowInfo": "copilot.vision.windows",
}


def to_wire(value: Any) -> Any:
    """A JSON-ready copy of `value`."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {TAG: type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = to_wire(getattr(value, f.name))
        return out
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_wire(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def from_wire(value: Any) -> Any:
    """The objects `to_wire` was given, for the known classes; other tagged objects stay
    plain dicts. Sequences inside a rebuilt dataclass become tuples (as they were sent)."""
    if isinstance(value, dict):
        name = value.get(TAG)
        data = {k: from_wire(v) for k, v in value.items() if k != TAG}
        cls = _known(name) if isinstance(name, str) else None
        if cls is None:
            return data
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: _tupled(v) for k, v in data.items() if k in names}
        try:
            return cls(**kwargs)
        except TypeError:  # another version's fields: keep what was sent
            return data
    if isinstance(value, list):
        return [from_wire(v) for v in value]
    return value


def _tupled(value: Any) -> Any:
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def _known(name: str) -> type | None:
    module = KNOWN.get(name)
    if module is None:
        return None
    cls = getattr(importlib.import_module(module), name, None)
    return cls if dataclasses.is_dataclass(cls) else None
