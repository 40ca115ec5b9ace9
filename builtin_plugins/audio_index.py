"""Builtin plugin: `rtstream.index_audio()` — final transcript in batches → `index` events.

`index_audio(prompt, batch_config={"type": "word"|"sentence"|"time", "value": n},
model_name=None)` on a mic or system-audio stream returns a run (with `id`, and the alert
methods `create_alert`/`list_alerts`/`enable_alert`/`disable_alert`). The run ignores media
frames: this module's `copilot_transcript` hook routes each final transcript to the run of its
stream. Each full batch is answered on the run's own thread by the `answer` llm task — offline
an extractive answer (the most relevant sentences, condensed), with a model its reply — and
emitted as {"type": "index", "index_type": "audio", …}. `flush()` answers the last batch.

Every session also gets a running meeting summary (copilot.intelligence.summary): every
`summary_every` final utterances (default 10, 0 turns it off) an `index` event with
`index_id` "meeting-summary" and a text of "Summary: …", "Decisions: …", "Open questions: …".
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import OrderedDict
from typing import Any

from copilot import hookimpl
from copilot.ids import new_id
from copilot.intelligence.alerts import IndexAlerts
from copilot.intelligence.batching import Batch, BatchConfig, Batcher
from copilot.intelligence.summary import RunningSummary

log = logging.getLogger("copilot.audio_index")
QUEUE_SIZE = 64
MAX_SUMMARIES = 256
SUMMARY_INDEX = "meeting-summary"  # index_id of the running summary's index events
DRAIN_WAIT_S = 10.0  # at flush: wait this long for transcripts still queued for our hook
_STOP = object()


class _Summaries:
    """A RunningSummary per session (bounded); emits one every N new utterances."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_session: OrderedDict[str, tuple[RunningSummary, list]] = OrderedDict()

    def add(self, session_id: str, event, every: int) -> dict[str, Any] | None:
        with self._lock:
            entry = self._by_session.get(session_id)
            if entry is None:
                entry = self._by_session[session_id] = (RunningSummary(), [None, None])
                while len(self._by_session) > MAX_SUMMARIES:
                    self._by_session.popitem(last=False)
            summary, span = entry
            before = len(summary)
            key = event.utterance_id or event.id
            if not summary.add(key, event.text, event.start, event.revision):
                return None
            span[0] = event.start if span[0] is None else min(span[0], event.start or span[0])
            span[1] = event.end if span[1] is None else max(span[1], event.end or span[1])
            if len(summary) == before or len(summary) % every:
                return None  # a revision, or not yet N new utterances
            return {
                "type": "index",
                "index_type": "audio",
                "index_id": SUMMARY_INDEX,
                "prompt": "meeting summary",
                "engine": "extractive",
                "text": summary.snapshot().text(),
                "start": span[0],
                "end": span[1],
            }

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._by_session.pop(session_id, None)


_summaries = _Summaries()


class AudioIndexFeature:
    name = "audio_index"
    categories = frozenset({"mic", "system_audio"})

    def __init__(self, settings) -> None:
        self.settings = settings
        self.runs: dict[str, AudioIndexRun] = {}
        self._lock = threading.Lock()

    def start(
        self,
        stream,
        prompt: str | None = None,
        batch_config: dict | None = None,
        model_name: str | None = None,
        **options: Any,
    ) -> AudioIndexRun:
        from copilot.llm import LlmConfig

        if options:
            raise TypeError(f"index_audio() got unexpected options: {', '.join(options)}")
        config = BatchConfig.parse(batch_config)  # a bad batch_config fails here, in the caller
        llm = LlmConfig.from_settings(self.settings, model=model_name)
        run = AudioIndexRun(self, stream, prompt, Batcher(config), llm)
        with self._lock:
            self.runs[stream.rtstream_id] = run
        return run

    def forget(self, run: AudioIndexRun) -> None:
        with self._lock:
            if self.runs.get(run.stream.rtstream_id) is run:
                del self.runs[run.stream.rtstream_id]


class AudioIndexRun(IndexAlerts):
    """One `index_audio()` on one stream; the handle users get back."""

    def __init__(self, feature: AudioIndexFeature, stream, prompt, batcher: Batcher, llm) -> None:
        self.id = new_id("idx")
        self.feature = feature
        self.stream = stream
        self.prompt = prompt
        self.batcher = batcher
        self.llm = llm
        self.stats = {"finals": 0, "batches": 0, "fallbacks": 0, "dropped": 0}
        self._lock = threading.Lock()
        self._closed = False
        self._q: queue.Queue = queue.Queue(QUEUE_SIZE)
        self._thread = threading.Thread(
            target=self._work, name=f"copilot-audio-index-{stream.rtstream_id}", daemon=True
        )
        self._thread.start()

    # -- input (plugin worker thread) --
    def add_final(self, text: str, start: float | None, end: float | None) -> None:
        with self._lock:
            self.stats["finals"] += 1
            batch = self.batcher.add(text, start, end)
            if batch is None and self._closed:
                batch = self.batcher.flush()  # a late final after flush: its own batch
        if batch is not None:
            self._submit(batch)

    def _submit(self, batch: Batch) -> None:
        try:
            self._q.put_nowait(batch)
        except queue.Full:
            self.stats["dropped"] += 1
            log.warning("index_audio %s is behind: a batch was dropped", self.id)

    # -- answering (own thread) --
    def _work(self) -> None:
        while True:
            batch = self._q.get()
            try:
                if batch is _STOP:
                    return
                self._answer(batch)
            except Exception as exc:
                self.stream.emit(
                    {
                        "type": "plugin_error",
                        "plugin": "audio_index",
                        "hook": "index_audio",
                        "error": f"{type(exc).__name__}: {exc}",
                    }
                )
            finally:
                self._q.task_done()

    def _answer(self, batch: Batch) -> None:
        from copilot.intelligence.sensitive import redact
        from copilot.intelligence.tasks import Answer
        from copilot.llm import complete_json

        result = complete_json(
            self.prompt, Answer, task="answer", payload={"text": batch.text}, config=self.llm
        )
        self.stats["batches"] += 1
        self.stats["fallbacks"] += int(result.fallback)
        engine = "extractive" if result.model == "copilot/offline" else result.engine
        if result.fallback:
            engine = "extractive (fallback)"
        self.stream.emit(
            {
                "type": "index",
                "index_type": "audio",
                # a summary is shown and sent around: it never repeats a secret
                "text": redact(result.value.answer.strip() or batch.text[:200]),
                "start": batch.start,
                "end": batch.end,
                "prompt": self.prompt,
                "index_id": self.id,
                "engine": engine,
                "source_text": batch.text,
            }
        )

    # -- feature contract (runtime loop) --
    def on_frame(self, frame) -> None:
        """Frames are ignored: this feature works on the stream's final transcript."""

    async def flush(self) -> None:
        await self._answer_pending(closing=True)

    async def pause(self) -> None:
        """The channel paused: answer the batch so far; later finals start a new one."""
        await self._answer_pending(closing=False)

    async def _answer_pending(self, closing: bool) -> None:
        for _ in range(3):
            await asyncio.sleep(0)  # let finals emitted by the transcript flush get published
        dispatcher = getattr(self.stream.runtime, "dispatcher", None)
        if dispatcher is not None:  # …and reach our copilot_transcript hook
            await dispatcher.drain(DRAIN_WAIT_S)
        with self._lock:
            self._closed = self._closed or closing
            batch = self.batcher.flush()
        if batch is not None:
            self._submit(batch)
        await asyncio.to_thread(self._q.join)

    def stop(self) -> None:
        with self._lock:
            self._closed = True
        self.feature.forget(self)
        try:
            self._q.put_nowait(_STOP)
        except queue.Full:
            threading.Thread(target=self._q.put, args=(_STOP,), daemon=True).start()


@hookimpl
def copilot_register_features(register, settings):
    register("audio_index", AudioIndexFeature(settings))


@hookimpl
def copilot_transcript(event, session):
    """Route a final transcript to the index_audio run on its stream, if there is one, and
    to the session's running summary (an `index` event every `summary_every` utterances)."""
    if not event.is_final:
        return None
    features = getattr(session.runtime, "features", {}) or {}
    feature = features.get("audio_index")
    if isinstance(feature, AudioIndexFeature) and event.rtstream_id:
        run = feature.runs.get(event.rtstream_id)
        if run is not None:
            run.add_final(event.text, event.start, event.end)
    every = getattr(getattr(session.runtime, "settings", None), "summary_every", 10)
    return _summaries.add(session.id, event, every) if every else None


@hookimpl
def copilot_session_status(event, session):
    if event.status in ("stopped", "failed", "exported"):
        _summaries.forget(session.id)
