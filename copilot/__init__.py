"""copilot: a local-first meeting copilot runtime.

import copilot
conn = copilot.connect()          # embedded runtime, data in $COPILOT_HOME
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from copilot.plugins import hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "connect", "hookimpl"]

if TYPE_CHECKING:
    from copilot.connection import Connection


def connect(
    base_url: str | None = None,
    api_key: str | None = None,
    *,
    home: str | None = None,
    entrypoints: bool = True,
    **settings: Any,
) -> Connection:
    """Start an embedded runtime (or, with `base_url`, reach a `copilot serve` backend)."""
    from copilot.config import load_settings
    from copilot.connection import Connection
    from copilot.runtime.runtime import Runtime

    if base_url is not None or api_key is not None:
        from copilot.remote import RemoteConnection

        # the same API over HTTP; env fills gaps; settings apply to plugins registered on it
        return RemoteConnection(base_url, api_key, **settings)
    if home is not None:
        settings["home"] = home
    runtime = Runtime(load_settings(**settings), entrypoints=entrypoints).start()
    return Connection(runtime)
