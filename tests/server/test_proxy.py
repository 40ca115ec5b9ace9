"""The deployment's topology without Docker: Debian's nginx (deploy/nginx.conf) in front of two
`copilot serve` replicas on one Postgres. Clients know one URL; the replica running the
session is SIGKILLed; everything goes on through the same URL."""

from __future__ import annotations

import asyncio
import os

import pytest

from copilot.remote import RemoteConnection
from copilot.remote.capture import RemoteCaptureClient
from copilot.remote.events import iter_remote_events
from tests.support import replicas
from tests.support.postgres import database
from tests.support.proxy import Nginx, NginxUnavailable


@pytest.fixture
def proxied(tmp_path, pg_server):
    with database(pg_server) as url:
        key = replicas.api_key(url)
        reps = replicas.start(tmp_path, url, 2, plugins="none", lease_ttl="2")
        try:
            try:
                proxy = Nginx([f"127.0.0.1:{r.port}" for r in reps])
            except NginxUnavailable as exc:
                if os.environ.get("CI"):
                    pytest.fail(str(exc))
                pytest.skip(str(exc))
            try:
                yield proxy, reps, key, url
            finally:
                proxy.stop()
        finally:
            for r in reps:
                r.stop()


def _owner(url: str, session_id: str, reps):
    from copilot.config import load_settings
    from copilot.store import open_store

    store = open_store(load_settings(database_url=url), readonly=True)
    try:
        node, _ = store.leases.holder(session_id)
    finally:
        store.close()
    pid = int(node.split(":")[1])
    return next(r for r in reps if r.proc.pid == pid)


async def test_one_url_through_nginx_survives_the_owner_dying(proxied, client_sources):
    proxy, reps, key, url = proxied
    remote = RemoteConnection(proxy.url, key)
    cap = remote.create_capture_session(end_user_id="u")
    seen: list = []

    async def follow() -> None:
        async for ev in iter_remote_events(proxy.url, key, cap.id):
            seen.append(ev)

    watcher = asyncio.create_task(follow())
    client = RemoteCaptureClient(
        remote.generate_client_token(capture_session_id=cap.id), proxy.url, sources=client_sources
    )
    await client.start_session(cap.id, ["mic:tone"])
    before = [cap.emit({"type": "alert", "label": f"b{i}", "confidence": 0.5}) for i in range(5)]
    owner = _owner(url, cap.id, reps)
    survivor = next(r for r in reps if r is not owner)
    owner.kill()
    await replicas.until(lambda: client.stats["reconnects"] >= 1, 60, "the client to re-attach")
    assert cap.status == "active"  # continued, not failed
    after = [cap.emit({"type": "alert", "label": f"a{i}", "confidence": 0.5}) for i in range(5)]
    await client.stop_session()
    await client.shutdown()
    await asyncio.wait_for(watcher, 60)
    events, data = cap.poll(limit=5000)
    assert data["status"] == "stopped"
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.seq for e in seen] == [e.seq for e in events]  # through the proxy, once each
    labels = [e.label for e in events if e.type == "alert"]
    assert labels == [e.label for e in before + after]
    statuses = [e.status for e in events if e.type == "capture_session"]
    assert statuses == ["created", "starting", "active", "stopping", "stopped"]
    assert _stats(survivor, key)["takeovers"] == 1
    remote.close()


def _stats(replica, key) -> dict:
    conn = RemoteConnection(replica.url, key)
    try:
        return conn.stats()["replicas"]
    finally:
        conn.close()
