"""Clips of a session recorded by a `copilot serve` backend, downloaded for `ReplayHit`:
the audio of a moment (`GET …/clip`) and the keyframe shown then (`GET …/keyframe`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from copilot.errors import NotFound
from copilot.recordings import Clip, clip_path, clip_range, wav_samples
from copilot.remote.http import Api


class RemoteClips:
    def __init__(self, api: Api) -> None:
        self._api = api

    def _wav(self, session_id: str, start: float, end: float, pad: float, channel: str | None):
        params = {"start": start, "end": end, "pad": pad, "channel": channel}
        return self._api.raw("GET", f"/v1/capture_sessions/{session_id}/clip", params=params)

    def export_clip(self, session_id, start, end, path, *, pad=2.0, channel=None) -> Clip:
        clip_range(start, end, pad)  # a bad range fails here, as embedded
        resp = self._wav(session_id, start, end, pad, channel)
        path = clip_path(path)
        path.write_bytes(resp.content)
        image = None
        try:
            frame = self._api.raw(
                "GET",
                f"/v1/capture_sessions/{session_id}/keyframe",
                params={"t": (start + end) / 2},
            )
        except NotFound:  # nothing was on screen (an audio-only session)
            frame = None
        if frame is not None:
            image = path.with_suffix(frame.headers.get("x-suffix") or ".jpg")
            image.write_bytes(frame.content)
        lo, hi = float(resp.headers["x-clip-start"]), float(resp.headers["x-clip-end"])
        return Clip(Path(path), image, lo, hi)

    def cut(self, session_id, start, end, channel=None) -> np.ndarray:
        return wav_samples(self._wav(session_id, max(0.0, start), end, 0.0, channel).content)
