"""Loading plugins through the `copilot` entry-point group, with allow/block and failures."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import copilot
from copilot.config import load_settings
from copilot.plugins.manager import PluginManager


@pytest.fixture
def installed_plugins(tmp_path, monkeypatch):
    """Three plugins installed as a distribution: one good, one that fails to import."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "good_plugin.py").write_text(
        textwrap.dedent(
            """
            from copilot import hookimpl
            seen = []

            @hookimpl
            def copilot_transcript(event):
                seen.append(event.text)
            """
        )
    )
    (site / "broken_plugin.py").write_text("import does_not_exist_anywhere\n")
    (site / "other_plugin.py").write_text(
        "from copilot import hookimpl\n\n@hookimpl\ndef copilot_startup(runtime):\n    pass\n"
    )
    dist = site / "fake_copilot_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-copilot-plugins\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[copilot]\ngood = good_plugin\nbroken = broken_plugin\nother = other_plugin\n"
    )
    monkeypatch.syspath_prepend(str(site))
    return site


def test_broken_plugin_is_reported_and_skipped(installed_plugins, home):
    pm = PluginManager(load_settings())
    pm.load_entrypoints()
    info = {p.name: p for p in pm.plugins()}
    assert info["good"].status == "loaded" and info["good"].hooks == ["copilot_transcript"]
    assert info["broken"].status == "failed"
    assert "No module named 'does_not_exist_anywhere'" in info["broken"].error
    assert info["other"].status == "loaded"


async def test_entry_point_plugin_receives_events(installed_plugins, home, sources):
    import asyncio

    conn = copilot.connect(home=str(home))
    try:
        conn.register_plugin(sources, "test-sources")
        from copilot.capture import CaptureClient

        cap = conn.create_capture_session()
        client = CaptureClient(client_token=conn.generate_client_token())
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
        cap.emit({"type": "transcript", "text": "via entry point", "is_final": True})
        await asyncio.sleep(0.2)
        await client.stop_session()
        import good_plugin

        assert good_plugin.seen == ["via entry point"]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("", {"good": "loaded", "broken": "failed", "other": "loaded"}),
        ("good", {"good": "loaded", "broken": "blocked", "other": "blocked"}),
        ("-broken", {"good": "loaded", "broken": "blocked", "other": "loaded"}),
        ("good,-good", {"good": "blocked", "broken": "blocked", "other": "blocked"}),
    ],
)
def test_allow_and_block_by_name(installed_plugins, home, monkeypatch, setting, expected):
    monkeypatch.setenv("COPILOT_PLUGINS", setting)
    pm = PluginManager(load_settings())
    pm.load_entrypoints()
    got = {p.name: p.status for p in pm.plugins() if p.name in expected}
    assert got == expected


def test_cli_plugins_lists_failures(installed_plugins, home):
    env_path = f"{installed_plugins}"
    out = subprocess.run(
        [sys.executable, "-m", "copilot", "plugins"],
        capture_output=True,
        text=True,
        env={"COPILOT_HOME": str(home), "PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    assert "good" in out and "copilot_transcript" in out
    assert "broken" in out and "failed" in out and "does_not_exist_anywhere" in out


def test_registration_hook_that_raises_does_not_stop_the_runtime(home):
    class BadRegistration:
        @copilot.hookimpl
        def copilot_register_sources(self, register):
            raise RuntimeError("cannot enumerate devices")

    conn = copilot.connect(home=str(home), entrypoints=False)
    try:
        conn.register_plugin(BadRegistration(), "bad-reg")
        info = {p.name: p for p in conn.runtime.plugins.plugins()}["bad-reg"]
        assert "cannot enumerate devices" in info.error
        assert conn.create_capture_session().status == "created"
    finally:
        conn.close()


def test_invalid_hookimpl_is_reported(home):
    class Misnamed:
        @copilot.hookimpl
        def copilot_transcript(self, event, bogus_argument):
            pass

    conn = copilot.connect(home=str(home), entrypoints=False)
    try:
        with pytest.raises(copilot.errors.CopilotError, match="bogus_argument"):
            conn.register_plugin(Misnamed(), "misnamed")
    finally:
        conn.close()
