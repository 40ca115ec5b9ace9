"""Third-party plugins as installed packages: examples/copilot-plugin-example pip-installed
(into a --target dir on PYTHONPATH, never the shared venv), and broken plugins beside it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import copilot
from tests.agents.conftest import child_env, run_python

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"


def plugins_cli(env: dict[str, str]) -> dict[str, dict]:
    out = subprocess.run(
        [sys.executable, "-m", "copilot", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return {p["name"]: p for p in map(json.loads, out.stdout.splitlines())}


@pytest.fixture
def broken_site(tmp_path) -> Path:
    """Three broken plugins installed as a distribution: an import error, a raising
    registration hook, and an event hook that raises on every transcript."""
    site = tmp_path / "broken-site"
    site.mkdir()
    (site / "cp_import_error.py").write_text("import no_such_module_for_copilot\n")
    (site / "cp_bad_register.py").write_text(
        "from copilot import hookimpl\n\n@hookimpl\ndef copilot_register_event_types(register):\n"
        "    raise RuntimeError('cannot register today')\n"
    )
    (site / "cp_raising_hook.py").write_text(
        "from copilot import hookimpl\n\n@hookimpl\ndef copilot_transcript(event):\n"
        "    raise ValueError('hook exploded on ' + event.text)\n"
    )
    dist = site / "cp_broken-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: cp-broken\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[copilot]\nimport_error = cp_import_error\nbad_register = cp_bad_register\n"
        "raising_hook = cp_raising_hook\n"
    )
    return site


def test_copilot_plugins_lists_the_installed_example(example_site, tmp_path):
    info = plugins_cli(child_env(tmp_path / "home", example_site))
    example = info["example"]
    assert example["status"] == "loaded" and example["error"] is None
    assert example["source"] == "copilot_plugin_example"
    assert {"copilot_register_event_types", "copilot_transcript"} <= set(example["hooks"])
    assert info["transcript"]["status"] == "loaded"  # the builtins load beside it


SESSION = textwrap.dedent(
    """
    import asyncio, json, sys
    import copilot
    from copilot.capture import CaptureClient

    async def main(conn):
        cap = conn.create_capture_session()
        client = CaptureClient(client_token=conn.generate_client_token())
        channel = {"channel_id": "mic:file", "path": sys.argv[1], "speed": "max"}
        await client.start_session(cap.id, [channel], stop_when_sources_end=True)
        cap.get_rtstream("mic")[0].start_transcript()
        return [ev.model_dump(mode="json") async for ev in client.events()]

    with copilot.connect(drain_timeout=120) as conn:
        for ev in asyncio.run(main(conn)):
            print(json.dumps(ev))
    """
)


@pytest.mark.slow
def test_example_hook_receives_a_sessions_transcripts(example_site, tmp_path):
    env = child_env(
        tmp_path / "home", example_site, COPILOT_PLUGINS="example,audio_sources,transcript"
    )
    out = subprocess.run(
        [sys.executable, "-c", SESSION, str(SAMPLE / "mic.ogg")],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines()]
    finals = [e for e in events if e["type"] == "transcript" and e["is_final"]]
    counts = [e for e in events if e["type"] == "word_count"]
    assert len(finals) >= 3 and len(counts) == len(finals) // 3
    assert [c["finals"] for c in counts] == [3 * (i + 1) for i in range(len(counts))]
    first_three = sum(len(e["text"].split()) for e in finals[:3])
    assert counts[0]["words"] == first_three and counts[0]["by_speaker"] == {"me": first_three}
    assert counts[-1]["seq"] < events[-1]["seq"] and events[-1]["status"] == "stopped"
    assert not [e for e in events if e["type"] == "plugin_error"]


def test_broken_plugins_are_reported_and_the_runtime_keeps_going(
    example_site, broken_site, tmp_path
):
    env = child_env(tmp_path / "home", example_site, broken_site)
    info = plugins_cli(env)
    assert info["import_error"]["status"] == "failed"
    assert "no_such_module_for_copilot" in info["import_error"]["error"]
    assert "cannot register today" in info["bad_register"]["error"]
    assert info["raising_hook"]["status"] == "loaded"
    assert info["example"]["status"] == "loaded"

    # a session with all of them installed: the raising hook becomes plugin_error events,
    # the example plugin still counts every final
    code = textwrap.dedent(
        """
        import asyncio, json, copilot
        with copilot.connect() as conn:
            cap = conn.create_capture_session()
            for i in range(3):
                cap.emit({"type": "transcript", "text": f"final {i}", "is_final": True})

            async def collect():
                out = []
                async for ev in cap.events(types=["plugin_error", "word_count"], until_end=False):
                    out.append(ev.model_dump(mode="json"))
                    if {e["type"] for e in out} == {"plugin_error", "word_count"} and len(out) >= 4:
                        return out

            print(json.dumps(asyncio.run(asyncio.wait_for(collect(), 60))))
        """
    )
    events = json.loads(run_python(code, {**env, "COPILOT_PLUGINS": "-replay_search"}))
    errors = [e for e in events if e["type"] == "plugin_error"]
    assert {e["plugin"] for e in errors} == {"raising_hook"}
    assert all(e["kind"] == "exception" and "hook exploded" in e["error"] for e in errors)
    assert [e["finals"] for e in events if e["type"] == "word_count"] == [3]
