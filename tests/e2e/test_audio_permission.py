"""Without an audio server, permission is denied with what to install/start — no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    import copilot
    from copilot.capture import CaptureClient

    conn = copilot.connect(home=sys.argv[1])
    client = CaptureClient(client_token=conn.generate_client_token())

    async def main():
        mic = await client.request_permission("microphone")
        loop = await client.request_permission("system_audio")
        chans = await client.list_channels()
        print(json.dumps({"mic": [mic.granted, mic.reason], "sys": [loop.granted, loop.reason],
                          "mics": [c.id for c in chans.mics], "problems": chans.problems}))

    asyncio.run(main())
    conn.close()
    """
)


def test_no_audio_server_is_a_clear_denial(tmp_path):
    env = {
        **os.environ,
        "PULSE_SERVER": f"unix:{tmp_path}/no-such-socket",
        "PULSE_RUNTIME_PATH": str(tmp_path / "pulse"),
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "home")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    result = json.loads(out.stdout)
    for key in ("mic", "sys"):
        granted, reason = result[key]
        assert not granted
        assert "pulseaudio --start" in reason and "apt-get install" in reason
    assert result["mics"] == []
    assert any("audio server" in p.lower() for p in result["problems"])
