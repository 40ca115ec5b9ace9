"""Teardown calls that cannot hang a stop: blocking work on a daemon thread, waited for with
a deadline.

A source's `stop()` or a recorder's `close()` is someone's blocking code; run in the default
executor, one that never returns would hold `stop` — and the process's exit, which joins
executor threads — forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

log = logging.getLogger("copilot.sessions")


def _settle(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


async def bounded_call(
    loop: asyncio.AbstractEventLoop, fn: Callable[[], object], what: str, timeout: float
) -> bool:
    """Run `fn` on a daemon thread; wait at most `timeout` seconds. False if it did not finish
    (it is left running and logged); a raising `fn` is logged."""
    done = loop.create_future()

    def run() -> None:
        try:
            fn()
        except Exception as exc:
            log.warning("%s failed: %s", what, exc)
        finally:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(_settle, done)

    threading.Thread(target=run, name="copilot-teardown", daemon=True).start()
    try:
        await asyncio.wait_for(asyncio.shield(done), timeout)
    except TimeoutError:
        log.warning("%s did not finish within %g s; going on without it", what, timeout)
        return False
    return True
