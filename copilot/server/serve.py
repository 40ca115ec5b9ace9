"""`copilot serve`: one runtime, its webhooks and the FastAPI app under uvicorn.

uvicorn serves on the runtime's own loop (DESIGN: one asyncio loop owns all state): an async
route or socket calls the runtime directly instead of hopping between two loop threads per
request and per event, which cost three orders of magnitude in emit throughput. The main
thread only waits and turns SIGINT/SIGTERM into uvicorn's graceful stop.

Binds 127.0.0.1 unless told otherwise. Uvicorn's access log is off: URLs never carry
secrets here, but request lines are noise; errors still log (without credentials).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import signal
import threading
from typing import Any

log = logging.getLogger("copilot.server")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def build(
    settings: Any = None, *, entrypoints: bool = True, policy=None, plugins=(), loop_factory=None
):
    """A started runtime (it delivers its sessions' webhooks, as an embedded one does), and
    the app over it; `plugins` (objects or `(name, object)` pairs) are registered besides the
    installed ones; `policy` is the webhooks' RetryPolicy; `loop_factory` makes its loop."""
    from copilot.config import load_settings
    from copilot.runtime.runtime import Runtime
    from copilot.server.app import create_app

    loop = {"loop_factory": loop_factory} if loop_factory is not None else {}
    rt = Runtime(
        settings or load_settings(), entrypoints=entrypoints, webhook_policy=policy, **loop
    )
    rt.start()
    for plugin in plugins:  # objects, or (name, object)
        name, obj = plugin if isinstance(plugin, tuple) else (None, plugin)
        rt.register_plugin(obj, name)
    return rt, create_app(rt, webhooks=rt.webhooks)


def serve(host: str = "127.0.0.1", port: int = 8700, settings: Any = None, **kwargs: Any) -> None:
    import uvicorn

    rt, app = build(settings, loop_factory=server_loop_factory(), **kwargs)
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("binding %s: the API is reachable from other machines", host)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        ws="websockets-sansio",  # wsout writes shared frames through its connections
        ws_max_size=16 * 1024 * 1024,
        ws_per_message_deflate=rt.settings.ws_compression,
    )
    try:
        run_on_loop(_server_class()(config), rt.loop)
    finally:
        rt.close()  # stops sessions, delivers their last webhooks, then stops sending


def server_loop_factory():
    """uvloop when it is installed (what uvicorn would pick for its own loop: the server's
    sockets are the loop's busiest work), else asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run_on_loop(server, loop: asyncio.AbstractEventLoop) -> None:
    """Serve on `loop` (another thread's) until the server stops. In the main thread,
    SIGINT/SIGTERM start uvicorn's graceful stop (no re-raise once the server is down, so
    the runtime closes and live sessions stop in order); a second signal during the close
    gets the default action."""
    done = asyncio.run_coroutine_threadsafe(server.serve(), loop)
    with _stop_signals(server):
        while True:
            try:
                done.result(timeout=0.2)
                return
            except concurrent.futures.TimeoutError:
                continue


@contextlib.contextmanager
def _stop_signals(server):
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    originals = {s: signal.signal(s, server.handle_exit) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in originals.items():
            signal.signal(sig, handler)


def _server_class():
    """Built on first use: uvicorn is imported lazily."""
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn leaves signals to `run_on_loop` (it serves off the main thread)."""

        @contextlib.contextmanager
        def capture_signals(self):
            yield

    return Server
