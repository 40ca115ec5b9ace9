"""Load plugins from the `copilot` entry-point group (builtins included), each on its own.

A plugin that fails to import or register is recorded and skipped; it never stops the
runtime. `Settings.plugins` (or `COPILOT_PLUGINS`) allows or blocks plugins by name.
"""

from __future__ import annotations

import importlib.metadata
import logging
from dataclasses import dataclass, field
from typing import Any

import pluggy

from copilot.config import Settings
from copilot.plugins import hookspecs

log = logging.getLogger("copilot.plugins")
ENTRY_POINT_GROUP = "copilot"


@dataclass
class PluginInfo:
    """What `copilot plugins` shows for one plugin."""

    name: str
    status: str  # loaded | failed | blocked
    hooks: list[str] = field(default_factory=list)
    error: str | None = None
    source: str = ""  # entry point value or "runtime"


def instantiate(obj: Any) -> Any:
    """A class becomes one instance (its own state per runtime); a module or object is kept."""
    return obj() if isinstance(obj, type) else obj


def import_plugin(spec: str) -> Any:
    """`module`, `module:object` or `module:Class` (the entry-point syntax) → a plugin object,
    e.g. for `copilot serve --plugin my_package.plugin` without packaging it."""
    ep = importlib.metadata.EntryPoint(name=spec, value=spec, group=ENTRY_POINT_GROUP)
    try:
        return instantiate(ep.load())
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load plugin {spec!r}: {type(exc).__name__}: {exc}") from None


class PluginManager:
    """Owns one pluggy manager; every runtime builds its own (no module-global state)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pm = pluggy.PluginManager("copilot")
        self.pm.add_hookspecs(hookspecs)
        self._info: dict[str, PluginInfo] = {}

    def load_entrypoints(self) -> None:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self._info:
                continue
            if not self.settings.plugin_allowed(ep.name):
                self._info[ep.name] = PluginInfo(ep.name, "blocked", source=ep.value)
                continue
            try:
                obj = instantiate(ep.load())
            except Exception as exc:  # any import-time failure of someone else's code
                self._fail(ep.name, ep.value, f"import failed: {type(exc).__name__}: {exc}")
                continue
            self.register(obj, ep.name, source=ep.value)

    def register(self, obj: Any, name: str | None = None, *, source: str = "runtime") -> str:
        """Register a plugin object or module; returns its name. Failures are recorded."""
        name = name or getattr(obj, "__name__", None) or type(obj).__name__
        if name in self._info and self._info[name].status == "loaded":
            raise ValueError(f"a plugin named {name!r} is already registered")
        try:
            self.pm.register(obj, name=name)
        except Exception as exc:  # pluggy validation errors, duplicate objects
            self._fail(name, source, f"register failed: {type(exc).__name__}: {exc}")
            return name
        hooks = sorted(h.name for h in self.pm.get_hookcallers(obj) or [])
        self._info[name] = PluginInfo(name, "loaded", hooks=hooks, source=source)
        return name

    def unregister(self, name: str) -> None:
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)
        self._info.pop(name, None)

    def _fail(self, name: str, source: str, error: str) -> None:
        log.warning("plugin %s skipped: %s", name, error)
        self._info[name] = PluginInfo(name, "failed", error=error, source=source)

    def mark_failed(self, name: str, error: str) -> None:
        """Record a failure found after loading (e.g. a raising registration hook)."""
        info = self._info.get(name)
        if info is not None and info.error is None:
            info.error = error

    def plugins(self) -> list[PluginInfo]:
        return sorted(self._info.values(), key=lambda p: p.name)

    def impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        """Hookimpls of one hook, in pluggy's call order, for isolated calling."""
        caller = getattr(self.pm.hook, hook_name)
        return list(reversed(caller.get_hookimpls()))

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Exception]]:
        """Call every impl of a (registration/lifecycle) hook on its own; collect failures."""
        failures = []
        for impl in self.impls(hook_name):
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except (Exception, SystemExit) as exc:  # SystemExit would end the runtime loop
                log.warning("plugin %s failed in %s: %s", impl.plugin_name, hook_name, exc)
                self.mark_failed(impl.plugin_name, f"{hook_name}: {type(exc).__name__}: {exc}")
                failures.append((impl.plugin_name, exc))
        return failures
