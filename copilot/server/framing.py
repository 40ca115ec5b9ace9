"""Ingest wire format v1: binary media frames and JSON control messages on one WebSocket.

Binary frames (little-endian), documented in docs/ingest-protocol.md:

    0  2  magic b"CP"            2  1  version (1)        3  1  kind (1 audio, 2 video, 3 tick)
    4  2  channel index (u16)    6  4  frame seq (u32)    10 8  pts (f64, channel seconds)
    audio: 18 4 sample_rate (u32), 22 1 channels (u8), 23 1 format (1 f32, 2 s16), 24.. samples
    video: 18 2 width, 20 2 height, 22 1 flags (bit0 changed), 23 1 format (1 RGB, 2 PNG/JPEG),
           24 2 info length, 26.. info JSON, then pixels

Text frames are JSON control messages with an `op` (see `copilot.server.ingest`). A frame
that fails to parse raises `FrameError` with a message the server sends back.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from copilot.capture import wire
from copilot.capture.frames import AudioFrame, Tick, VideoFrame

MAGIC = b"CP"
VERSION = 1
AUDIO, VIDEO, TICK = 1, 2, 3
F32, S16 = 1, 2
RGB, ENCODED = 1, 2
MAX_FRAME_BYTES = 8 * 1024 * 1024
MAX_CONTROL_BYTES = 64 * 1024
MAX_SIDE = 8192
MAX_PIXELS = 36_000_000  # an 8K screen (7680x4320) and a little; decoded, ~100 MB of RGB

_HEAD = struct.Struct("<2sBBHId")  # 18 bytes
_AUDIO = struct.Struct("<IBB")  # 6 bytes
_VIDEO = struct.Struct("<HHBBH")  # 8 bytes


class FrameError(ValueError):
    """A binary frame that does not follow the format (the session keeps working)."""


@dataclass(slots=True)
class Packet:
    channel: int
    seq: int
    frame: AudioFrame | VideoFrame | Tick


def encode(channel: int, seq: int, frame: AudioFrame | VideoFrame | Tick) -> bytes:
    if isinstance(frame, AudioFrame):
        samples = np.asarray(frame.samples, dtype="<f4")
        nch = 1 if samples.ndim == 1 else samples.shape[1]
        head = _HEAD.pack(MAGIC, VERSION, AUDIO, channel, seq, frame.pts)
        return head + _AUDIO.pack(frame.sample_rate, nch, F32) + samples.tobytes()
    if isinstance(frame, VideoFrame):
        img = np.ascontiguousarray(frame.image, dtype=np.uint8)
        h, w = img.shape[:2]
        # the screen source's FrameInfo (windows, change box) and anything else: JSON
        info = json.dumps(wire.to_wire(frame.info or {}), separators=(",", ":")).encode()
        head = _HEAD.pack(MAGIC, VERSION, VIDEO, channel, seq, frame.pts)
        flags = 1 if frame.changed else 0
        fmt, pixels = RGB, img.tobytes()
        if len(pixels) + len(info) + 64 > MAX_FRAME_BYTES:  # e.g. a 4K screen: compressed
            fmt, pixels = ENCODED, _compressed(img, MAX_FRAME_BYTES - len(info) - 64)
        return head + _VIDEO.pack(w, h, flags, fmt, len(info)) + info + pixels
    if isinstance(frame, Tick):
        return _HEAD.pack(MAGIC, VERSION, TICK, channel, seq, frame.pts)
    raise TypeError(f"cannot encode {type(frame).__name__}")


def decode(data: bytes, max_bytes: int = MAX_FRAME_BYTES) -> Packet:
    """Parse one binary frame, or raise `FrameError` saying what is wrong with it."""
    if len(data) > max_bytes:
        raise FrameError(f"frame of {len(data)} bytes is over the {max_bytes}-byte limit")
    if len(data) < _HEAD.size:
        raise FrameError(f"frame of {len(data)} bytes is shorter than the 18-byte header")
    magic, version, kind, channel, seq, pts = _HEAD.unpack_from(data)
    if magic != MAGIC:
        raise FrameError("bad magic: binary frames start with b'CP'")
    if version != VERSION:
        raise FrameError(f"unsupported framing version {version}; this server speaks {VERSION}")
    if not np.isfinite(pts) or pts < 0:
        raise FrameError(f"pts must be a finite number of seconds >= 0, got {pts}")
    body = memoryview(data)[_HEAD.size :]
    if kind == AUDIO:
        return Packet(channel, seq, _audio(body, pts))
    if kind == VIDEO:
        return Packet(channel, seq, _video(body, pts))
    if kind == TICK:
        if len(body):
            raise FrameError("a tick frame has no payload")
        return Packet(channel, seq, Tick(pts))
    raise FrameError(f"unknown frame kind {kind}; 1 audio, 2 video, 3 tick")


def _audio(body: memoryview, pts: float) -> AudioFrame:
    if len(body) < _AUDIO.size:
        raise FrameError("audio frame is missing its 6-byte audio header")
    rate, nch, fmt = _AUDIO.unpack_from(body)
    if not 1000 <= rate <= 384000:
        raise FrameError(f"sample_rate {rate} is outside 1000..384000")
    if not 1 <= nch <= 8:
        raise FrameError(f"channels {nch} is outside 1..8")
    if fmt not in (F32, S16):
        raise FrameError(f"unknown sample format {fmt}; 1 f32, 2 s16")
    width = 4 if fmt == F32 else 2
    raw = body[_AUDIO.size :]
    if len(raw) % (width * nch):
        raise FrameError(f"audio payload of {len(raw)} bytes is not whole {nch}-channel samples")
    dtype = "<f4" if fmt == F32 else "<i2"
    samples = np.frombuffer(raw, dtype=dtype).astype(np.float32)
    if fmt == S16:
        samples /= 32768.0
    elif not np.isfinite(samples).all():
        raise FrameError("audio samples must be finite")
    samples = np.clip(samples, -1.0, 1.0)
    if nch > 1:
        samples = samples.reshape(-1, nch)
    return AudioFrame(samples, rate, pts)


def _video(body: memoryview, pts: float) -> VideoFrame:
    if len(body) < _VIDEO.size:
        raise FrameError("video frame is missing its 8-byte video header")
    w, h, flags, fmt, info_len = _VIDEO.unpack_from(body)
    rest = body[_VIDEO.size :]
    if info_len > len(rest) or info_len > MAX_CONTROL_BYTES:
        raise FrameError(f"info length {info_len} runs past the frame")
    info = _info(bytes(rest[:info_len]))
    pixels = rest[info_len:]
    if not (1 <= w <= MAX_SIDE and 1 <= h <= MAX_SIDE):
        raise FrameError(f"image size {w}x{h} is outside 1..{MAX_SIDE}")
    if w * h > MAX_PIXELS:
        raise FrameError(f"image of {w}x{h} = {w * h} pixels is over the {MAX_PIXELS}-pixel limit")
    if fmt == RGB:
        if len(pixels) != w * h * 3:
            raise FrameError(f"RGB payload is {len(pixels)} bytes, {w}x{h}x3 needs {w * h * 3}")
        image = np.frombuffer(pixels, dtype=np.uint8).reshape(h, w, 3).copy()
    elif fmt == ENCODED:
        image = _decode_image(bytes(pixels), w, h)
    else:
        raise FrameError(f"unknown image format {fmt}; 1 raw RGB, 2 PNG/JPEG")
    return VideoFrame(image, pts, changed=bool(flags & 1), info=wire.from_wire(info))


def _info(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        info = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise FrameError("video info is not valid JSON (or is nested too deeply)") from None
    if not isinstance(info, dict):
        raise FrameError("video info must be a JSON object")
    return info


def _compressed(img: np.ndarray, limit: int) -> bytes:
    """Lossless PNG when it fits the frame limit (screens are mostly flat), else JPEG."""
    from PIL import Image

    picture = Image.fromarray(img[..., :3])
    for fmt, opts in (("PNG", {"compress_level": 1}), ("JPEG", {"quality": 90})):
        out = io.BytesIO()
        picture.save(out, format=fmt, **opts)
        if out.tell() <= limit:
            break
    return out.getvalue()


def _decode_image(raw: bytes, w: int, h: int) -> np.ndarray:
    """Decode a PNG/JPEG only once its own header says it is the size the frame declared
    (already checked against the pixel budget): a few hundred KB can claim gigabytes."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as img:  # reads the header, decodes nothing yet
            if img.size != (w, h):
                raise FrameError(
                    f"the image is {img.width}x{img.height} but the frame declares {w}x{h}"
                    f" ({img.width * img.height} pixels; at most {MAX_PIXELS})"
                )
            return np.asarray(img.convert("RGB"))
    except FrameError:
        raise
    except Exception as exc:  # PIL raises many types for hostile input (bombs, truncation)
        raise FrameError(f"image payload could not be decoded: {exc}") from None


def control(raw: str | bytes) -> dict[str, Any]:
    """Parse a JSON control message, or raise `FrameError`."""
    if len(raw) > MAX_CONTROL_BYTES:
        raise FrameError(f"control message over the {MAX_CONTROL_BYTES}-byte limit")
    try:
        msg = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise FrameError("control message is not valid JSON (or is nested too deeply)") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("op"), str):
        raise FrameError('control messages are JSON objects with a string "op"')
    return msg
