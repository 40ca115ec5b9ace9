"""A script that raises while the embedded runtime captures exits with its own traceback.

The interpreter-exit close must stop the session (last words transcribed, recording closed)
and join the model threads before Python tears its threads down: no "cannot schedule new
futures after shutdown" from the stop steps, no native abort ("terminate called without an
active exception") from faster-whisper/onnxruntime threads still inside a call.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import copilot
from copilot.config import load_settings
from copilot.store import open_store

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"

# the hosted SDK's client loop, with a bug in the user's own code while a session captures
# two channels with live transcripts and the search index loaded
SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    import copilot
    from copilot.capture import CaptureClient

    async def main():
        conn = copilot.connect()
        cap = conn.create_capture_session(end_user_id="u", metadata={"app": "exit-test"})
        client = CaptureClient(client_token=conn.generate_client_token(capture_session_id=cap.id))
        await client.start_session(capture_session_id=cap.id, channels=[
            {"channel_id": "mic:file", "path": sys.argv[1] + "/mic.ogg"},
            {"channel_id": "system_audio:file", "path": sys.argv[1] + "/system_audio.ogg"},
        ])
        for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
            rts.start_transcript()
        print("session", cap.id, flush=True)
        async for ev in client.events():
            if ev.type == "transcript" and ev.is_final:
                cap.search("budget")
                print(f"{ev.evnt}: {ev.payload}")  # the user's typo

    asyncio.run(main())
    """
)


def test_a_raising_script_exits_with_its_traceback_and_status_1(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env["COPILOT_HOME"] = str(home)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(SAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert out.returncode == 1, out.stderr
    assert "AttributeError" in out.stderr and "evnt" in out.stderr, out.stderr
    assert "cannot schedule new futures" not in out.stderr, out.stderr
    assert "terminate called" not in out.stderr, out.stderr
    assert "Traceback" in out.stderr.split("AttributeError")[0]
    assert out.stderr.count("Traceback") == 1, out.stderr  # only the user's own

    session_id = out.stdout.split()[1]
    store = open_store(load_settings(home=str(home)), readonly=True)
    rec = store.sessions.get(session_id)
    store.close()
    assert rec.status == "stopped", rec  # stopped in order, not left live or failed
