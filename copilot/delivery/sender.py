"""Sends the outbox: per session strictly in order, sessions in parallel, with retries.

One asyncio task on the runtime loop. It sends the oldest pending row of each session (the
next one only after that is delivered or given up), signs every attempt afresh with the same
`webhook-id`, and retries failures with capped exponential backoff and full jitter. Before an
attempt it claims the row in the store, so replicas sharing an outbox never send a row at the
same time (a claim left by a dead sender expires after `claim_ttl`). It waits on an event (new
rows, here or — through the store's notifications — on another replica, a finished attempt)
or the next due time — it never polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass

import httpx

from copilot.delivery import signing
from copilot.delivery.destinations import refusal

log = logging.getLogger("copilot.webhooks")


@dataclass
class RetryPolicy:
    base_delay: float = 1.0
    max_delay: float = 300.0
    max_attempts: int = 20
    timeout: float = 10.0
    concurrency: int = 16
    claim_ttl: float = 0.0  # 0: twice the timeout, plus a margin

    def delay(self, attempts: int) -> float:
        """Seconds before attempt `attempts + 1`: base·2^(n-1), capped, half of it jittered."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(0, attempts - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class Sender:
    def __init__(
        self,
        outbox,
        secret: str,
        policy: RetryPolicy,
        owner: str = "",
        allow_hosts: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.outbox = outbox  # the store's OutboxStore
        self.allow_hosts = list(allow_hosts)  # webhook_allow_hosts (see destinations.py)
        self.secret = secret
        self.policy = policy
        self.owner = owner
        self.claim_ttl = policy.claim_ttl or 2 * policy.timeout + 5
        self.wake = asyncio.Event()
        self.inflight: set[int] = set()
        self.delivered = 0
        self.latencies: list[float] = []  # seconds from enqueue to 2xx (for the bench)
        self._task: asyncio.Task | None = None
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.policy.timeout, follow_redirects=False)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="copilot-webhooks")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        while True:
            self.wake.clear()
            now = time.time()
            next_due = None
            due = []
            for oid, at, claimed_until in self.outbox.heads():
                if oid in self.inflight:
                    continue
                if claimed_until is not None and claimed_until > now:
                    at = max(at, claimed_until)  # another sender has it; look again then
                if at > now:
                    next_due = at if next_due is None else min(next_due, at)
                else:
                    due.append(oid)
            room = self.policy.concurrency - len(self.inflight)
            for row in self.outbox.claim(due[: max(0, room)], self.owner, self.claim_ttl):
                self.inflight.add(row[0])
                asyncio.get_running_loop().create_task(self._attempt(row))
            # rows due beyond `room` go when an attempt ends: it sets `wake`
            timeout = None if next_due is None else max(0.0, next_due - time.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout)

    async def _post(self, url: str, webhook_id: str, data: bytes) -> tuple[int | None, str | None]:
        """One signed POST: (status code, error or None)."""
        try:
            resp = await self._client.post(
                url, content=data, headers=signing.headers(self.secret, webhook_id, data)
            )
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:300]
        except Exception as exc:  # a bad URL must not stop the sender
            return None, f"{type(exc).__name__}: {exc}"[:300]
        code = resp.status_code
        return code, (None if 200 <= code < 300 else f"HTTP {code}")

    async def _attempt(self, row: tuple) -> None:
        oid, webhook_id, url, body, attempts, _, created_at = row
        data = body.encode()
        t0 = time.time()
        code, error = None, None
        refused = await refusal(url, self.allow_hosts)
        if refused is not None:  # the policy says no: not sent, and no point retrying
            error = f"refused: {refused}"[:300]
        else:
            code, error = await self._post(url, webhook_id, data)
        now = time.time()
        attempt = attempts + 1
        try:
            if error is None:
                self.outbox.record(
                    oid, attempt, t0, code, None, status="delivered", next_attempt_at=now
                )
                self.delivered += 1
                self.latencies.append(now - created_at)
                del self.latencies[:-100000]
            else:
                dead = attempt >= self.policy.max_attempts or refused is not None
                if dead:
                    log.warning(
                        "webhook %s given up after %d attempts: %s", webhook_id, attempt, error
                    )
                self.outbox.record(
                    oid,
                    attempt,
                    t0,
                    code,
                    error,
                    status="dead" if dead else "pending",
                    next_attempt_at=now + self.policy.delay(attempt),
                )
        finally:
            self.inflight.discard(oid)
            self.wake.set()
