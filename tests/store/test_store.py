"""The store interface, on SQLite and on PostgreSQL: what the runtime and replicas rely on."""

from __future__ import annotations

import threading
import time

import pytest

from copilot.events import AlertEvent, CaptureSessionEvent
from copilot.server.auth import ApiKeys
from copilot.store import SessionRecord
from copilot.store.schema import LATEST, MIGRATIONS, applied, migrate


def _alert(sid: str, i: int = 0) -> AlertEvent:
    return AlertEvent(capture_session_id=sid, label=f"a{i}", confidence=0.5)


def _session(store, sid: str = "cap-1", **kw) -> SessionRecord:
    rec = SessionRecord(id=sid, **kw)
    store.log.append(
        CaptureSessionEvent(capture_session_id=sid, status="created"),
        also=lambda tx: tx.upsert(rec),
    )
    return rec


def test_migrations_are_recorded_and_applied_once(store, open_one):
    assert applied(store.db) == {m.version for m in MIGRATIONS}
    assert migrate(store.db) == []  # nothing left to do
    open_one("n2")  # a second process opening the same database changes nothing
    assert applied(store.db) == set(range(1, LATEST + 1))


def test_two_replicas_starting_together_migrate_once(database_url, open_one, home):
    errors, stores = [], []

    def start(i):
        try:
            stores.append(open_one(f"n{i}"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = stores[0].db.execute("SELECT version FROM schema_migrations").fetchall()
    assert sorted(r[0] for r in rows) == list(range(1, LATEST + 1))


def test_append_is_gap_free_across_two_writers_on_one_session(store, open_one):
    other = open_one("n2")
    _session(store)

    def write(s, base):
        for i in range(200):
            s.log.append(_alert("cap-1", base + i))

    threads = [threading.Thread(target=write, args=(s, b)) for s, b in ((store, 0), (other, 1000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = store.log.read("cap-1", limit=5000)
    assert [e.seq for e in rows] == list(range(1, 402))
    assert len({e.id for e in rows}) == 401
    assert store.log.last_seq("cap-1") == other.log.last_seq("cap-1") == 401


def test_a_failed_step_rolls_back_and_uses_no_seq(store):
    rec = _session(store)

    def boom(tx):
        tx.upsert(rec.model_copy(update={"status": "failed"}))
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        store.log.append(_alert("cap-1"), also=boom)
    assert store.sessions.get("cap-1").status == "created"
    assert store.log.append(_alert("cap-1")).seq == 2


def test_read_filters_and_bounds(store):
    _session(store)
    store.log.append_many([_alert("cap-1", i) for i in range(10)])
    assert [e.seq for e in store.log.read("cap-1", after=3, until=6)] == [4, 5, 6]
    assert [e.seq for e in store.log.read("cap-1", types=["capture_session"])] == [1]
    assert store.log.count("cap-1") == 11
    assert store.log.last_seqs() == {"cap-1": 11}


def test_sessions_rtstreams_and_delete(store):
    from copilot.store import RTStreamRecord

    rec = _session(store, end_user_id="u", metadata={"k": [1]})
    rts = RTStreamRecord(
        id="rts-1", capture_session_id="cap-1", channel_id="mic:x", category="mic", name="Mic"
    )
    store.log.append(_alert("cap-1"), also=lambda tx: tx.add_rtstreams([rts]))
    got = store.sessions.get("cap-1")
    assert got.metadata == {"k": [1]} and got.end_user_id == "u"
    assert store.sessions.rtstream("rts-1") == rts
    assert [s.id for s in store.sessions.list()] == [rec.id]
    store.sessions.delete("cap-1")
    assert store.sessions.get("cap-1") is None and store.log.read("cap-1") == []


def test_api_keys_hash_only_and_revoke(store, open_one):
    keys = ApiKeys(store)
    kid, key = keys.create("backend")
    assert ApiKeys(open_one("n2")).check(key) == kid  # another replica accepts it
    assert key not in str(store.db.execute("SELECT * FROM server_api_keys").fetchall())
    assert keys.revoke(kid) and not keys.revoke(kid)
    with pytest.raises(Exception, match="revoked"):
        keys.check(key)


def test_token_revocations_and_shared_secrets(store, open_one, home, database_url):
    other = open_one("n2")
    store.tokens.revoke("jti-1")
    store.tokens.revoke("jti-1")
    assert other.tokens.revoked() == {"jti-1"}
    assert store.config_value("secret", lambda: "a") == other.config_value("secret", lambda: "b")
    if database_url:  # replicas must sign client tokens alike
        assert store.token_secret(home) == other.token_secret(home / "elsewhere")


def test_outbox_claims_are_exclusive_and_expire(store, open_one):
    other = open_one("n2")
    _session(store)
    store.outbox.enqueue("cap-1", "http://127.0.0.1:1/h", [(1, "e", "{}"), (2, "e", "{}")], 2)
    store.outbox.enqueue("cap-1", "http://127.0.0.1:1/h", [(1, "e", "{}")], 1)  # twice: no-op
    heads = store.outbox.heads()
    assert len(heads) == 1  # one head per session: order is kept
    ids = [h[0] for h in heads]
    got = store.outbox.claim(ids, "n1", 0.3)
    assert [r[1] for r in got] == ["msg_cap-1_1"]
    assert other.outbox.claim(ids, "n2", 10) == []  # never both at once
    time.sleep(0.4)
    assert [r[1] for r in other.outbox.claim(ids, "n2", 10)] == ["msg_cap-1_1"]  # expired
    other.outbox.record(
        ids[0], 1, time.time(), 204, None, status="delivered", next_attempt_at=time.time()
    )
    assert [r[1] for r in store.outbox.claim([h[0] for h in store.outbox.heads()], "n1", 5)] == [
        "msg_cap-1_2"
    ]
    assert store.outbox.attempts()[0]["status_code"] == 204
    assert [r["status"] for r in store.outbox.rows("cap-1")] == ["delivered", "pending"]


def test_concurrent_claims_never_send_one_row_twice(store, open_one):
    others = [open_one(f"n{i}") for i in range(2, 5)]
    _session(store)
    for sid in range(30):
        store.outbox.enqueue(f"cap-{sid}", "http://h", [(1, "e", "{}")], 1)
    ids = [h[0] for h in store.outbox.heads()]
    won: list[int] = []
    lock = threading.Lock()

    def claim(s):
        rows = s.outbox.claim(ids, s.node, 30)
        with lock:
            won.extend(r[0] for r in rows)

    threads = [threading.Thread(target=claim, args=(s,)) for s in [store, *others]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == sorted(ids)


def test_leases_one_owner_renewal_and_takeover(store, open_one):
    other = open_one("n2")
    assert store.leases.acquire("cap-1", "n1", 0.5) is None
    assert store.leases.acquire("cap-1", "n1", 0.5) is None  # the owner may re-take it
    assert other.leases.acquire("cap-1", "n2", 5) == "n1"
    assert store.leases.renew(["cap-1", "cap-2"], "n1", 0.5) == {"cap-1"}
    owner, left = other.leases.holder("cap-1")
    assert owner == "n1" and 0 < left <= 0.5
    time.sleep(0.6)
    assert other.leases.acquire("cap-1", "n2", 5) is None  # expired: another replica takes it
    assert store.leases.renew(["cap-1"], "n1", 5) == set()  # the old owner learns it lost it
    assert store.leases.expired(older_than=0) == []
    other.leases.release("cap-1", "n2")
    assert store.leases.holder("cap-1") is None


def test_features_are_recorded_once(store):
    assert store.features.started("cap-1", "rts-1", "transcript", "start_transcript", {"a": 1})
    assert not store.features.started("cap-1", "rts-1", "transcript", "start_transcript", {})
    assert store.features.of_session("cap-1") == [
        ("rts-1", "transcript", "start_transcript", {"a": 1})
    ]
    assert store.features.stopped("cap-1", "rts-1", "transcript")
    assert store.features.of_session("cap-1") == []


def test_postgres_notifies_commits_to_other_replicas(store, open_one, database_url):
    if not database_url:
        assert store.listen(["copilot_events"], lambda c, p: None, lambda: None) is None
        return
    got: list[str] = []
    seen = threading.Event()
    listener = open_one("n2").listen(
        ["copilot_events"], lambda c, p: (got.append(p), seen.set()), lambda: None
    )
    try:
        _session(store)
        store.log.append_many([_alert("cap-1", i) for i in range(3)])
        deadline = time.monotonic() + 10
        while len(got) < 2 and time.monotonic() < deadline:
            seen.wait(0.5)
            seen.clear()
        assert got == ["n1 cap-1 1 1", "n1 cap-1 2 4"]  # who, session, first..last seq
    finally:
        listener.close()
