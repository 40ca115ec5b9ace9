"""The hook contract is documented: in hookspecs.py and in docs/plugins.md."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from copilot.plugins import hookspecs

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _hookspecs():
    return [
        (name, fn)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "copilot_spec")
    ]


def test_every_hookspec_has_a_docstring_and_prefix():
    specs = _hookspecs()
    assert len(specs) >= 9
    for name, fn in specs:
        assert name.startswith("copilot_"), name
        assert (fn.__doc__ or "").strip(), f"{name} has no docstring"


def test_every_hookspec_is_in_the_plugin_guide():
    text = DOC.read_text()
    headings = set(re.findall(r"^###\s+`?(copilot_\w+)", text, flags=re.M))
    missing = [name for name, _ in _hookspecs() if name not in headings]
    assert not missing, f"docs/plugins.md lacks a section for: {missing}"
    extra = headings - {name for name, _ in _hookspecs()}
    assert not extra, f"docs/plugins.md documents hooks that do not exist: {extra}"
