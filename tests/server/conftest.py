"""Server fixtures: a runtime behind uvicorn on 127.0.0.1, an API key, remote clients."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import pytest

import builtin_plugins.audio_sources as audio_sources
from copilot.delivery.sender import RetryPolicy
from copilot.remote import RemoteConnection
from copilot.remote.capture import RemoteCaptureClient, load_sources
from copilot.server.auth import ApiKeys
from tests.server.support import Receiver, UvicornThread
from tests.support.sources import TestSourcesPlugin

FAST = RetryPolicy(base_delay=0.05, max_delay=0.4, max_attempts=200, timeout=2.0)


@dataclass
class Backend:
    url: str
    api_key: str = field(repr=False)
    rt: object
    webhooks: object
    app: object = None

    def remote(self) -> RemoteConnection:
        return RemoteConnection(self.url, self.api_key)


@contextlib.contextmanager
def run_backend(home, plugins=(), policy=FAST, **settings):
    """A runtime (no entry points; `plugins` registered) with webhooks, served on 127.0.0.1."""
    from copilot.config import load_settings
    from copilot.server.serve import build

    opts = {"plugin_timeout": 5.0, "drain_timeout": 5.0, **settings}
    rt, app = build(
        load_settings(home=str(home), **opts), entrypoints=False, policy=policy, plugins=plugins
    )
    _, key = rt.call(lambda: ApiKeys(rt.store).create("tests"))
    try:
        with UvicornThread(app) as srv:
            yield Backend(srv.url, key, rt, app.state.webhooks, app)
    finally:
        app.state.webhooks.close()
        rt.close()


@pytest.fixture
def backend(home, sources):
    with run_backend(home, [sources]) as b:
        yield b


@pytest.fixture
def remote(backend):
    conn = backend.remote()
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def client_sources():
    """The capture machine's sources: test tone/display plus the builtin audio-file source."""
    return load_sources([TestSourcesPlugin(), audio_sources], entrypoints=False)


@pytest.fixture
def make_client(backend, client_sources):
    clients = []

    def make(token: str, **kw) -> RemoteCaptureClient:
        c = RemoteCaptureClient(token, backend.url, sources=client_sources, **kw)
        clients.append(c)
        return c

    yield make


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()
