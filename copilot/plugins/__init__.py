"""The plugin contract (hookspecs), loading (manager) and isolated fan-out (dispatch)."""

import pluggy

hookimpl = pluggy.HookimplMarker("copilot")

__all__ = ["hookimpl"]
