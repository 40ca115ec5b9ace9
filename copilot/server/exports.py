"""Where an export asked for over the API may be written: under the home or the configured
`export_root`, never anywhere else on the server (an API key is no licence to write any path
the server's user can). Paths are resolved (`..`, symlinks) before they are checked; a name
or relative path lands under the export root (by default `$COPILOT_HOME/exports`)."""

from __future__ import annotations

import errno
from pathlib import Path

from copilot.server.auth import ApiError


def export_roots(settings) -> tuple[Path, list[Path]]:
    """(where relative paths and the default go, every folder exports may go under)."""
    home = Path(settings.home).expanduser().resolve()
    root = Path(settings.export_root).expanduser().resolve() if settings.export_root else None
    return (root or home / "exports"), [p for p in (root, home) if p is not None]


def export_path(settings, session_id: str, out_dir: str | None) -> Path:
    base, allowed = export_roots(settings)
    if not out_dir:
        return base / session_id
    wanted = Path(out_dir).expanduser()
    resolved = (wanted if wanted.is_absolute() else base / wanted).resolve()
    if not any(resolved == root or resolved.is_relative_to(root) for root in allowed):
        places = " or ".join(str(p) for p in allowed)
        raise ApiError(
            403,
            f"out_dir {out_dir!r} is outside {places}: exports over the API go under the home"
            " or the export root (setting export_root, COPILOT_EXPORT_ROOT)",
        )
    return resolved


def export_failed(out: Path, exc: OSError) -> ApiError:
    """An export that could not be written, as the client's error (not the server's 500)."""
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
    reason = exc.strerror or type(exc).__name__
    return ApiError(
        507 if full else 400,
        f"cannot write the export to {out}: {reason}"
        + (f" ({exc.filename})" if exc.filename else ""),
        "ValueError",
    )
