"""`copilot serve`: one runtime, its webhooks and the FastAPI app under uvicorn.

Binds 127.0.0.1 unless told otherwise. Uvicorn's access log is off: URLs never carry
secrets here, but request lines are noise; errors still log (without credentials).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from typing import Any

log = logging.getLogger("copilot.server")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def build(settings: Any = None, *, entrypoints: bool = True, policy=None, plugins=()):
    """A started runtime (it delivers its sessions' webhooks, as an embedded one does), and
    the app over it; `plugins` (objects or `(name, object)` pairs) are registered besides the
    installed ones; `policy` is the webhooks' RetryPolicy."""
    from copilot.config import load_settings
    from copilot.runtime.runtime import Runtime
    from copilot.server.app import create_app

    rt = Runtime(settings or load_settings(), entrypoints=entrypoints, webhook_policy=policy)
    rt.start()
    for plugin in plugins:  # objects, or (name, object)
        name, obj = plugin if isinstance(plugin, tuple) else (None, plugin)
        rt.register_plugin(obj, name)
    return rt, create_app(rt, webhooks=rt.webhooks)


def serve(host: str = "127.0.0.1", port: int = 8700, settings: Any = None, **kwargs: Any) -> None:
    import uvicorn

    rt, app = build(settings, **kwargs)
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("binding %s: the API is reachable from other machines", host)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        ws_max_size=16 * 1024 * 1024,
    )
    try:
        _server_class()(config).run()
    finally:
        rt.close()  # stops sessions, delivers their last webhooks, then stops sending


def _server_class():
    """Built on first use: uvicorn is imported lazily."""
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's graceful stop on SIGINT/SIGTERM, without re-raising the signal once the
        server is down (uvicorn does, which ended the process before the runtime closed:
        live sessions were left `active`, to be marked failed at the next start). A second
        signal during the close gets the default action."""

        @contextlib.contextmanager
        def capture_signals(self):
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            originals = {s: signal.signal(s, self.handle_exit) for s in STOP_SIGNALS}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    return Server
