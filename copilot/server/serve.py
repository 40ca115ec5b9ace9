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
    """A started runtime with webhooks installed, and the app over it; `plugins` (objects or
    `(name, object)` pairs) are registered besides the installed ones."""
    from copilot.config import load_settings
    from copilot.delivery.webhooks import Webhooks
    from copilot.runtime.runtime import Runtime
    from copilot.server.app import create_app

    rt = Runtime(settings or load_settings(), entrypoints=entrypoints).start()
    for plugin in plugins:  # objects, or (name, object)
        name, obj = plugin if isinstance(plugin, tuple) else (None, plugin)
        rt.register_plugin(obj, name)
    webhooks = Webhooks(rt, policy).install()
    return rt, create_app(rt, webhooks=webhooks)


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
        app.state.webhooks.close()
        rt.close()


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
