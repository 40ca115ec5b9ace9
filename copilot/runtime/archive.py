"""Sessions after the call: export to a folder, or delete everything kept about them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from copilot.errors import IllegalTransition
from copilot.export import write_export
from copilot.runtime.states import LIVE

if TYPE_CHECKING:
    from copilot.runtime.sessions import SessionManager


async def export_session(sm: SessionManager, session_id: str, out_dir: str | Path | None) -> Path:
    """Write the session to `out_dir` (default `$COPILOT_HOME/exports/<id>`); → exported."""
    rt = sm.rt
    rec = sm.require(session_id)
    if rec.status not in ("stopped", "exported"):
        raise IllegalTransition(
            f"capture session {session_id} is {rec.status}: stop it before exporting"
        )
    out = Path(out_dir) if out_dir else rt.home / "exports" / session_id
    events = []
    after = 0
    while rows := rt.log.read(session_id, after=after, limit=5000):
        events.extend(rows)
        after = rows[-1].seq
    streams = sm.rtstreams(session_id)
    files = rt.home / "sessions" / session_id
    await rt.loop.run_in_executor(None, write_export, out, rec, streams, events, files)
    sm.transition(session_id, "exported", data={"path": str(out)})
    return out


def delete_session(sm: SessionManager, session_id: str) -> None:
    """Remove a session that is not live: rows, log entries and files (plugins are told by
    the caller, off the loop: dropping vectors may take a while)."""
    rt = sm.rt
    rec = sm.require(session_id)
    if rec.status in LIVE or session_id in sm.live:
        raise IllegalTransition(
            f"capture session {session_id} is {rec.status}: stop it before deleting"
        )
    rt.store.sessions.delete(session_id)
    for folder in (rt.home / "sessions" / session_id, rt.home / "exports" / session_id):
        shutil.rmtree(folder, ignore_errors=True)
