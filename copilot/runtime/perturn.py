"""One lookup per loop turn for a question many callers ask at once.

A server answering many requests at once asked the store the same things once per request
("is this API key valid?", "does this session exist?") — each a read of its own, and on the
busiest route most of the cost. `PerTurn.get` queues the key; the first one queued in a
turn schedules one `lookup` of every distinct key queued in that turn, at its end. Every
answer is read after its request arrived, so a revoked key or a deleted session is seen as
soon as it would be without batching. Loop thread only, like `GroupCommit`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class PerTurn(Generic[K, V]):
    def __init__(
        self,
        loop: Callable[[], asyncio.AbstractEventLoop],
        lookup: Callable[[Iterable[K]], Mapping[K, V]],
    ) -> None:
        """`lookup(keys)` answers for every key it knows; a key it leaves out gets None."""
        self._loop = loop
        self._lookup = lookup
        self._queued: dict[K, list[asyncio.Future]] = {}
        self.lookups = 0
        self.asked = 0

    async def get(self, key: K) -> V | None:
        fut = self._loop().create_future()
        if not self._queued:
            self._loop().call_soon(self._run)
        self._queued.setdefault(key, []).append(fut)
        return await fut

    def _run(self) -> None:
        queued, self._queued = self._queued, {}
        self.lookups += 1
        self.asked += sum(len(f) for f in queued.values())
        try:
            answers = self._lookup(list(queued))
        except Exception as exc:  # each caller gets the store's error, as it would alone
            for futs in queued.values():
                for fut in futs:
                    if not fut.done():
                        fut.set_exception(exc)
            return
        for key, futs in queued.items():
            for fut in futs:
                if not fut.done():  # a caller that went away
                    fut.set_result(answers.get(key))
