"""Data shipped in the wheel (models, the sample meeting); this module only says where."""

from __future__ import annotations

from pathlib import Path


def sample_dir() -> Path:
    """The bundled sample meeting: mic.ogg, system_audio.ogg, screens/, reference.json."""
    return Path(__file__).parent / "sample_meeting"
