"""Index segments on a thread of their own, in order, and let readers wait for them.

Hook calls must return within the plugin timeout, but the first add on a new machine waits
for the embedding model to be built (~6 s, more while ASR and OCR share the cores), and a
fast replay hands over finals in bursts. So hooks only queue segments here; one thread adds
them in batches; `flush()` (called before a search, a delete or a close) waits until what
was queued is indexed, so a search right after a session stops still sees its last words.
A failed batch is retried one segment at a time and what still fails goes to ``on_error``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from copilot.search.models import Segment

log = logging.getLogger(__name__)
BATCH = 256


class BackgroundIndexer:
    def __init__(
        self,
        add: Callable[[Sequence[Segment]], Any],
        on_error: Callable[[Segment, BaseException], None] | None = None,
    ) -> None:
        self._add = add
        self._on_error = on_error
        self._queue: deque[Segment] = deque()
        self._busy = 0  # segments taken off the queue and not yet indexed
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.indexed = 0
        self.failed = 0

    def put(self, segment: Segment) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("the search indexer is closed")
            self._queue.append(segment)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="copilot-search-indexer", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._busy

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until everything queued so far is indexed; False if that took too long."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    log.warning("search: %d segments still being indexed", self.pending())
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout: float = 60.0) -> None:
        self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
                self._busy = len(batch)
            try:
                self._index(batch)
            finally:
                with self._cond:
                    self._busy = 0
                    self._cond.notify_all()

    def _index(self, batch: list[Segment]) -> None:
        try:
            self._add(batch)
            self.indexed += len(batch)
            return
        except Exception as exc:
            if len(batch) == 1:
                self._fail(batch[0], exc)
                return
        for segment in batch:  # find the one that fails; index the others
            try:
                self._add([segment])
                self.indexed += 1
            except Exception as exc:
                self._fail(segment, exc)

    def _fail(self, segment: Segment, exc: BaseException) -> None:
        self.failed += 1
        log.warning("search: could not index %s: %s", segment.id, exc)
        if self._on_error is not None:
            try:
                self._on_error(segment, exc)
            except Exception:
                log.exception("search: reporting an indexing failure failed")
