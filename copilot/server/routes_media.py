"""Backend routes that hand out a session's files, so the remote API does what the embedded
one does on its own disk: a hit's clip (`ReplayHit.export_clip`), the keyframe shown at a
time, and a finished export as one tar (`cap.export()` downloads it)."""

from __future__ import annotations

import mimetypes
import tarfile
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from copilot.errors import IllegalTransition, NotFound
from copilot.recordings import clip_range, cut, keyframe_at, wav_bytes
from copilot.server.auth import require_backend

router = APIRouter(
    prefix="/v1/capture_sessions", tags=["recordings"], dependencies=[Depends(require_backend)]
)
MAX_CLIP_S = 3600.0


def _home(request: Request, session_id: str) -> Path:
    request.app.state.conn.get_capture_session(session_id)  # NotFound for an unknown id
    return Path(request.app.state.conn.runtime.home)


@router.get("/{session_id}/clip")
def clip(
    session_id: str,
    request: Request,
    start: float,
    end: float,
    pad: float = 0.0,
    channel: str | None = None,
) -> Response:
    """[start - pad, end + pad] of the recording as 16 kHz mono WAV (all channels mixed, or
    one); `x-clip-start`/`x-clip-end` say the session times it covers."""
    if pad < 0 or end - start > MAX_CLIP_S:
        raise ValueError(f"pad must be >= 0 and a clip at most {MAX_CLIP_S:g} s")
    lo, hi = clip_range(start, end, pad)
    samples = cut(_home(request, session_id), session_id, lo, hi, channel)
    headers = {"x-clip-start": str(lo), "x-clip-end": str(lo + len(samples) / 16000)}
    return Response(wav_bytes(samples), media_type="audio/wav", headers=headers)


@router.get("/{session_id}/keyframe")
def keyframe(session_id: str, request: Request, t: float) -> Response:
    """The image that was on screen at session time `t`."""
    path = keyframe_at(_home(request, session_id), session_id, t)
    if path is None:
        raise NotFound(f"session {session_id} has no keyframe at or before {t:g} s")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), media_type=media, headers={"x-suffix": path.suffix})


@router.get("/{session_id}/export.tar")
def export_tar(session_id: str, request: Request) -> StreamingResponse:
    """The session's export (POST …/export first) as an uncompressed tar of its files."""
    home = _home(request, session_id)
    folder = home / "exports" / session_id
    if not (folder / "session.json").exists():
        raise IllegalTransition(f"capture session {session_id} has no export: export it first")
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (chunks closes it)
    with tarfile.open(fileobj=spool, mode="w") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(folder)))
    spool.seek(0)

    def chunks():
        with spool:
            while block := spool.read(1024 * 1024):
                yield block

    return StreamingResponse(chunks(), media_type="application/x-tar")
