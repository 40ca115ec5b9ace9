"""One public API, two ways to reach it: the `api` fixture yields an `Api` over an embedded
runtime or over a real `copilot serve` subprocess, and a test written against it runs on both.

A module picks what the runtime has installed with `API_PROFILE` ("bare": only the test
sources; "recorder": plus a test feature; "sensitive": plus the secret alerts; "full": every
installed plugin) and may add
settings with `API_SETTINGS`. One runtime (or server) serves a whole module, so tests create
their own sessions and never assume they are alone on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copilot
from copilot.capture import CaptureClient
from copilot.plugins.manager import import_plugin
from tests.support.served import ServedBackend
from tests.support.sources import TestSourcesPlugin

MODES = ("embedded", "served")


@dataclass(frozen=True)
class Profile:
    entrypoints: bool
    server_plugins: tuple[str, ...] = ()  # import specs, loaded in the runtime (or server)
    settings: dict[str, Any] = field(default_factory=dict)


PROFILES = {
    "bare": Profile(False, settings={"plugin_timeout": 2.0, "drain_timeout": 5.0}),
    "recorder": Profile(
        False,
        ("tests.support.features:RecorderPlugin",),
        {"plugin_timeout": 2.0, "drain_timeout": 5.0},
    ),
    "sensitive": Profile(
        False,
        ("builtin_plugins.sensitive_content",),
        {"plugin_timeout": 2.0, "drain_timeout": 5.0},
    ),
    "full": Profile(True, settings={"plugin_timeout": 10.0, "drain_timeout": 120.0}),
}


@dataclass
class Api:
    """What a test holds: a connection, a way to make capture clients, the capture side's
    test sources, and where the runtime keeps its data (the server's home when served)."""

    mode: str
    conn: Any
    sources: TestSourcesPlugin
    home: Path
    base_url: str | None = None
    registry: Any = None  # the capture machine's sources (served mode)
    backend: ServedBackend | None = None

    @property
    def served(self) -> bool:
        return self.mode == "served"

    def client(self, token: str, **kw: Any):
        """A capture client holding only `token`, as an app on the capture machine has."""
        if self.served:
            return CaptureClient(
                client_token=token, base_url=self.base_url, sources=self.registry, **kw
            )
        return CaptureClient(client_token=token, **kw)

    def connect(self):
        """Another backend connection to the same runtime (close it when done)."""
        if self.served:
            return copilot.connect(base_url=self.base_url, api_key=self.backend.api_key)
        from copilot.connection import Connection

        return Connection(self.conn.runtime, owns_runtime=False)


def _capture_plugins(profile: Profile, sources: TestSourcesPlugin) -> list[Any]:
    """The capture machine's source plugins (what an embedded runtime loads for itself)."""
    if not profile.entrypoints:
        return [sources]
    import builtin_plugins.audio_sources as audio_sources
    import builtin_plugins.screen_capture as screen_capture

    return [sources, audio_sources, screen_capture]


@contextlib.contextmanager
def open_api(mode: str, profile: Profile, root: Path, **extra: Any) -> Iterator[Api]:
    settings = {**profile.settings, **extra}
    sources = TestSourcesPlugin()
    home = root / "home"
    if mode == "embedded":
        conn = copilot.connect(home=str(home), entrypoints=profile.entrypoints, **settings)
        try:
            conn.register_plugin(sources, "test-sources")
            for spec in profile.server_plugins:
                conn.register_plugin(import_plugin(spec), spec)
            yield Api(mode, conn, sources, home)
        finally:
            conn.close()
        return
    from copilot.remote.capture import load_sources

    backend = ServedBackend(
        home,
        plugins=profile.server_plugins,
        entrypoints=profile.entrypoints,
        settings=settings,
    ).start()
    conn = None
    try:
        conn = copilot.connect(base_url=backend.url, api_key=backend.api_key)
        registry = load_sources(
            _capture_plugins(profile, sources),
            entrypoints=False,
            **{**settings, "home": str(root / "capture")},
        )
        yield Api(mode, conn, sources, home, backend.url, registry, backend)
    except BaseException:
        print("copilot serve log:\n" + backend.tail())
        raise
    finally:
        if conn is not None:
            conn.close()
        backend.stop()
