"""Replicas on a shared store: ingest leases, taking over a live session, features that
follow the session to its new owner.

The replica that starts a session holds its ingest lease (`store.leases`) and renews it
(`copilot.runtime.replicas`). When it dies, the capture client reconnects to another replica
and `attach`es; once the lease has expired that replica `adopt`s the session — same status
(`active`), same RTStreams, the features recorded in the store started again with the same
options, each RTStream's features resuming after the last transcript/index event already in
the log (the client resends what it kept, so the utterance cut by the crash is heard again,
and nothing logged is repeated). On SQLite (one machine) every call here is a no-op but the
feature bookkeeping.
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING

from copilot.capture.sources import ChannelRequest
from copilot.errors import CopilotError, IllegalTransition, NotFound, Unavailable
from copilot.runtime.states import LIVE

if TYPE_CHECKING:
    from copilot.runtime.sessions import LiveSession, LiveStream, SessionManager

log = logging.getLogger("copilot.failover")
RESUME_TYPES = ("transcript", "index")


def claim(sm: SessionManager, session_id: str) -> None:
    """Take the session's ingest lease, or raise `Unavailable` naming who holds it."""
    rt = sm.rt
    if not rt.store.shared:
        return
    holder = rt.store.leases.acquire(session_id, rt.node, rt.settings.lease_ttl)
    if holder is not None:
        left = rt.store.leases.holder(session_id)
        expires = f"; its lease expires in {max(0.0, left[1]):.1f} s" if left else ""
        raise Unavailable(
            f"capture session {session_id} is being captured by replica {holder}{expires}"
        )


def release(sm: SessionManager, session_id: str) -> None:
    """The session stopped here: let go of its lease and of its started features."""
    store = sm.rt.store
    store.features.clear(session_id)
    if store.shared:
        store.leases.release(session_id, sm.rt.node)


def record_feature(sm: SessionManager, stream: LiveStream, name: str, method: str, options):
    sm.rt.store.features.started(
        stream.record.capture_session_id, stream.record.id, name, method, options
    )


def start_elsewhere(sm: SessionManager, rtstream_id: str, name: str, method: str, options):
    """A feature asked of a replica that does not run the stream: record it, and the owner
    (told through the store's notification) starts it. Returns None (it runs elsewhere)."""
    feature = sm.rt.feature(name, method)
    store = sm.rt.store
    rts = store.sessions.rtstream(rtstream_id)
    rec = store.sessions.get(rts.capture_session_id) if rts else None
    if rts is None or rec is None or rec.status != "active":
        raise IllegalTransition(
            f"rtstream {rtstream_id} is not live: features start while its session is active"
        )
    cats = getattr(feature, "categories", None)
    if cats and rts.category not in cats:
        raise ValueError(
            f"{method} works on {'/'.join(sorted(cats))} streams, not {rts.category}"
            f" ({rts.channel_id})"
        )
    if not store.features.started(rec.id, rtstream_id, name, method, options):
        wanted = {k: v for k, v in options.items() if v is not None}
        for r, n, _, opts in store.features.of_session(rec.id):
            if (r, n) == (rtstream_id, name) and {
                k: v for k, v in opts.items() if v is not None
            } != wanted:
                raise CopilotError(
                    f"{method} is already running on {rts.channel_id} with other options"
                )
    return None  # started again with the same options: it runs already (at least once)


def stop_elsewhere(sm: SessionManager, rtstream_id: str, name: str) -> bool:
    store = sm.rt.store
    rts = store.sessions.rtstream(rtstream_id)
    if rts is None:
        raise NotFound(f"no rtstream {rtstream_id!r}")
    return store.features.stopped(rts.capture_session_id, rtstream_id, name)


def sync_features(sm: SessionManager, session_id: str) -> None:
    """On the owner: run exactly the features the store records for the session."""
    live = sm.live.get(session_id)
    if live is None or live.record.status not in ("active", "stopping"):
        return
    wanted = {(r, n): (m, o) for r, n, m, o in sm.rt.store.features.of_session(session_id)}
    for stream in live.streams.values():
        for name in list(stream.features):
            if (stream.record.id, name) not in wanted:
                sm.features.stop(stream, name)
    for (rts, name), (method, options) in wanted.items():
        stream = live.streams.get(rts)
        if stream is not None and name not in stream.features:
            try:
                sm.features.start(stream, name, method, options)
            except Exception as exc:  # a feature that cannot start here must not stop the rest
                sm.features.failed(stream, name, "start", exc)


async def adopt(
    sm: SessionManager, session_id: str, channel_ids: list[str], stop_when_sources_end: bool
) -> LiveSession:
    """Continue an active session whose owner stopped renewing its lease (see module doc)."""
    from copilot.runtime.sessions import LiveSession

    rt = sm.rt
    if session_id in sm.live:
        return sm.live[session_id]
    if not rt.store.shared:
        raise IllegalTransition(f"capture session {session_id} is not captured by this runtime")
    rec = sm.require(session_id)
    if rec.status not in ("active", "stopping"):
        raise IllegalTransition(
            f"capture session {session_id} is {rec.status}: only an active (or stopping)"
            " session moves to another replica"
        )
    streams = {s.channel_id: s for s in rt.store.sessions.rtstreams(session_id)}
    if sorted(channel_ids) != sorted(streams):
        raise ValueError(
            f"capture session {session_id} captures {sorted(streams)}, not {sorted(channel_ids)}"
        )
    claim(sm, session_id)
    started = rec.started_at or time.time()
    live = LiveSession(rec, time.monotonic() - max(0.0, time.time() - started))
    live.stop_when_sources_end = stop_when_sources_end
    live.finish_stop = rec.status == "stopping"  # its features flush, then it stops here
    sm.live[session_id] = live
    try:
        for cfg in rec.channels:
            options = {k: v for k, v in cfg.items() if k not in ("channel_id", "source")}
            req = ChannelRequest(cfg["channel_id"], {**options, "takeover": True})
            src, info = rt.sources.resolve(req)
            record = streams[req.channel_id]
            await sm._open(live, req, src, info, record=record, offset=record.created_at - started)
        for stream in live.streams.values():
            stream.resume_at = rt.log.last_end(session_id, stream.record.id, RESUME_TYPES)
            age = time.time() - stream.record.created_at  # the frame-time bounds go on too
            stream.pipe.age(age)
            guard = getattr(stream.handle, "pts", None)
            if guard is not None:
                guard.age(age)
        sync_features(sm, session_id)
    except BaseException:
        sm.live.pop(session_id, None)
        rt.store.leases.release(session_id, rt.node)
        raise
    for stream in live.streams.values():
        stream.pipe.release()
    log.warning(
        "took over capture session %s (%d streams; features: %s)",
        session_id,
        len(live.streams),
        ", ".join(sorted({n for s in live.streams.values() for n in s.features})) or "none",
    )
    rt.replicas.adopted(session_id)
    return live


async def drop(sm: SessionManager, session_id: str, reason: str) -> None:
    """This replica lost the session's lease (another took over): stop capturing it here,
    without a transition — the session lives on at its new owner."""
    live = sm.live.pop(session_id, None)
    if live is None:
        return
    log.warning("stopped capturing %s here: %s", session_id, reason)
    try:
        await sm._teardown(live, flush=False)
    except Exception as exc:
        log.warning("teardown of %s: %s", session_id, exc)


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale(sm: SessionManager) -> None:
    """At startup: sessions left live by a process that no longer runs are marked failed. On
    one machine that is the owner's pid; replicas on a shared store go by leases (`reap`)."""
    from copilot.runtime.runtime import running_runtimes

    rt = sm.rt
    if rt.store.shared:
        reap(sm, rt.settings.failover_grace)
        return
    mine = {sid for other in running_runtimes() for sid in other.sessions.live}
    for rec in rt.store.sessions.list():
        orphan = rec.owner_pid == os.getpid() and rec.id not in mine
        if rec.status in LIVE and (orphan or not _pid_alive(rec.owner_pid)):
            reason = f"the runtime that ran this session (pid {rec.owner_pid}) exited"
            try:
                sm.transition(rec.id, "failed", reason=reason)
            except CopilotError as exc:
                log.warning("could not recover session %s: %s", rec.id, exc)


def reap(sm: SessionManager, grace: float) -> None:
    """Fail live sessions nobody has owned for `grace` seconds (their replica died and no
    capture client re-attached anywhere) — the shared-store `recover_stale`."""
    rt = sm.rt
    for session_id, owner in rt.store.leases.expired(older_than=grace):
        if session_id in sm.live:
            continue
        if rt.store.leases.acquire(session_id, rt.node, rt.settings.lease_ttl) is not None:
            continue  # someone took it over just now
        try:
            if sm.status_of(session_id) in LIVE:
                sm.transition(
                    session_id,
                    "failed",
                    reason=f"the replica that ran this session ({owner}) stopped and no"
                    f" capture client re-attached within {grace:g} s",
                )
        except CopilotError as exc:
            log.warning("could not recover session %s: %s", session_id, exc)
        finally:
            release(sm, session_id)
