"""Settings from env vars and copilot.toml; bad values are one-line errors naming the key."""

from __future__ import annotations

import pytest

from copilot.config import load_settings
from copilot.errors import ConfigError


def test_env_and_toml(home, monkeypatch, tmp_path):
    cfg = tmp_path / "copilot.toml"
    cfg.write_text('plugin_timeout = 3.5\nplugins = "-noisy"\n')
    monkeypatch.setenv("COPILOT_CONFIG", str(cfg))
    s = load_settings()
    assert s.plugin_timeout == 3.5 and s.home == home
    assert not s.plugin_allowed("noisy") and s.plugin_allowed("other")
    monkeypatch.setenv("COPILOT_PLUGIN_TIMEOUT", "7")
    assert load_settings().plugin_timeout == 7  # env wins over the file


def test_bad_value_names_the_key(home, monkeypatch):
    monkeypatch.setenv("COPILOT_FRAME_QUEUE_SIZE", "-3")
    with pytest.raises(ConfigError) as err:
        load_settings()
    msg = str(err.value)
    assert "frame_queue_size" in msg and "\n" not in msg


def test_unknown_key_in_file_is_an_error(home, monkeypatch, tmp_path):
    cfg = tmp_path / "copilot.toml"
    cfg.write_text("plugin_timout = 3\n")
    monkeypatch.setenv("COPILOT_CONFIG", str(cfg))
    with pytest.raises(ConfigError, match="plugin_timout"):
        load_settings()


def test_malformed_toml(home, monkeypatch, tmp_path):
    cfg = tmp_path / "copilot.toml"
    cfg.write_text("plugin_timeout = = 3\n")
    monkeypatch.setenv("COPILOT_CONFIG", str(cfg))
    with pytest.raises(ConfigError, match="cannot read config"):
        load_settings()
