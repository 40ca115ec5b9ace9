"""The model upgrade for action items: a litellm model re-reads flagged utterances in the
background, and its answer replaces the offline reading when it is valid and in time.

The offline answer is emitted at once; the hook never waits for a model. Utterances the
intent model flags (any sentence with p(action or confirmation) ≥ FLAG_MIN, about a third of
a meeting) are queued for one worker thread that calls `copilot.llm.complete_json` with the
`action_items` task: the transcript (secrets redacted first — they never go to a model),
who speaks, the roster, the session date and the open items (so the model can say which one
a reply confirms). The reply must match the task's JSON schema (sent as `response_format`).
A timeout, an HTTP error or invalid JSON leaves the offline answer standing (counted in
`STATS`, logged). A full queue drops the request (counted) rather than fall behind.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from copilot.intelligence.action_items import Candidate
from copilot.intelligence.sensitive import redact

log = logging.getLogger("copilot.action_items")
QUEUE_SIZE = 128
FLAG_MIN = 0.2
STATS = {"asked": 0, "answered": 0, "fallbacks": 0, "dropped": 0, "stale": 0}


@dataclass
class Job:
    meeting: Any  # MeetingItems
    key: str
    revision: int
    payload: dict
    config: Any  # LlmConfig
    session: Any
    source: dict  # rtstream_id, channel, start, end of the utterance


_q: queue.Queue[Job] = queue.Queue(QUEUE_SIZE)
_thread: threading.Thread | None = None
_start_lock = threading.Lock()


def maybe_ask(meeting, event, session, key: str) -> bool:
    """Queue `event` for the configured model if there is one and the utterance is flagged."""
    from copilot.intelligence import understand
    from copilot.llm import LlmConfig

    config = LlmConfig.from_settings(getattr(session.runtime, "settings", None))
    if config.offline or not understand.flagged(event.text, FLAG_MIN):
        return False
    turn = meeting.context(key)
    payload = {
        "text": redact(event.text),
        "speaker": turn.speaker if turn else None,
        "previous_speaker": turn.previous if turn else None,
        "participants": list(meeting.info.participants),
        "user_name": meeting.info.user_name,
        "date": meeting.info.day.isoformat(),
        "open_items": [
            {"item_id": i.item_id, "text": i.text, "owner": i.owner, "due": i.due and str(i.due)}
            for i in meeting.open_items()
        ],
    }
    source = {k: getattr(event, k) for k in ("rtstream_id", "channel", "start", "end")}
    job = Job(meeting, key, event.revision, payload, config, session, source)
    _ensure_worker()
    try:
        _q.put_nowait(job)
    except queue.Full:
        STATS["dropped"] += 1
        log.warning("the model is behind: utterance %s keeps its offline action items", key)
        return False
    STATS["asked"] += 1
    return True


def _ensure_worker() -> None:
    global _thread
    with _start_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="copilot-llm-action-items", daemon=True)
            _thread.start()


def _work() -> None:
    while True:
        job = _q.get()
        try:
            answer(job)
        except Exception as exc:  # never lose the worker to one bad answer
            log.warning("model answer for %s failed: %s", job.key, exc)
        finally:
            _q.task_done()


def candidates_of(value, meeting) -> list[Candidate]:
    """The model's items as tracker candidates (owners matched to the roster)."""
    from copilot.intelligence.extract import Turn, name_of

    turn = Turn(None, tuple(meeting.info.participants), meeting.info.user_name)
    out = []
    for it in value.items:
        owner = it.owner
        if owner and owner.lower() in ("me", "i") and meeting.info.user_name:
            owner = meeting.info.user_name
        elif owner and owner != "me":
            owner = name_of(owner, turn)
        kind = (
            it.kind if it.kind in ("commitment", "request", "marked", "confirm") else "commitment"
        )
        c = Candidate(redact(it.text), owner, it.due, None, it.confidence, "", kind)
        if it.update_of:
            c.extras["update_of"] = it.update_of
        out.append(c)
    return out


def answer(job: Job) -> list:
    """Ask the model for one job; emit what its reading changes. Returns the items emitted."""
    from copilot.intelligence.live import item_event
    from copilot.intelligence.tasks import ActionItems
    from copilot.llm import complete_json

    result = complete_json(
        None, ActionItems, task="action_items", payload=job.payload, config=job.config
    )
    if result.fallback:
        STATS["fallbacks"] += 1
        return []  # the offline answer already stands
    STATS["answered"] += 1
    items = job.meeting.reread(
        job.key,
        job.revision,
        candidates_of(result.value, job.meeting),
        start=job.source["start"],
        end=job.source["end"],
    )
    heard = job.meeting.heard.get(job.key)
    if heard is not None and heard.revision != job.revision:
        STATS["stale"] += 1  # the transcript was revised meanwhile: this reading is dropped
    for item in items:
        job.session.emit(item_event(item, SimpleNamespace(**job.source)))
    return items


def wait_idle(timeout: float = 10.0) -> bool:
    """Block until every queued request is answered (tests, shutdown); False on timeout."""
    done = threading.Event()

    def join() -> None:
        _q.join()
        done.set()

    threading.Thread(target=join, daemon=True).start()
    return done.wait(timeout)
