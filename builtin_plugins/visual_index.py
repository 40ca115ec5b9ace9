"""Builtin plugin: `rtstream.index_visuals()` — changed screen frames → one `index` event per
scene, and its end.

Offline by default: OCR of the changed region plus the active window's title/app (or the title
bar read off the screen), turned into a description; the offline describer cannot follow the
prompt (its events say `prompt: null`; a warning is logged). With `model_name` (or
`vision_model` in config) the sampled frames and the prompt go to that model through litellm
instead. Each scene is emitted when read (revision 0) and again when the screen changes or the
stream stops (revision 1, the final `end`). Keyframes are stored under
`$COPILOT_HOME/sessions/<session>/keyframes/<rtstream>/`; with `redact_sensitive` a secret
read on screen is blacked out there and in the screen recording, and replaced in the text.
"""

from __future__ import annotations

import asyncio
from typing import Any

from copilot import hookimpl
from copilot.capture.frames import Tick, VideoFrame
from copilot.ids import new_id
from copilot.intelligence.alerts import IndexAlerts


class VisualIndexFeature:
    name = "visual_index"
    categories = frozenset({"display"})

    def __init__(self, settings) -> None:
        self.settings = settings

    def start(
        self,
        stream,
        prompt: str | None = None,
        batch_config: dict | None = None,
        model_name: str | None = None,
        **options: Any,
    ) -> VisualIndexRun:
        from copilot.vision.indexer import BatchConfig, VisualIndexer
        from copilot.vision.keyframes import KeyframeStore
        from copilot.vision.vlm import VlmConfig

        if options:
            raise TypeError(f"index_visuals() got unexpected options: {', '.join(options)}")
        BatchConfig.parse(batch_config)  # a bad batch_config fails here, in the caller
        model = model_name or self.settings.vision_model
        vlm = VlmConfig(model, api_base=self.settings.vision_api_base) if model else None
        folder = self.settings.home / "sessions" / stream.id / "keyframes" / stream.rtstream_id
        run = VisualIndexRun(stream, prompt)
        redact = bool(getattr(self.settings, "redact_sensitive", False))
        run.indexer = VisualIndexer(
            run.on_result,
            prompt=prompt,
            batch_config=batch_config,
            model=vlm,
            keyframes=KeyframeStore(folder),
            realtime=getattr(stream, "realtime", True),
            redact=redact,
            min_confidence=getattr(self.settings, "sensitive_min_confidence", 0.7),
            on_secrets=run.on_secrets if redact else None,
            on_error=run.on_error,
            name=f"copilot-vision-{stream.rtstream_id}",
        ).start()
        return run


class VisualIndexRun(IndexAlerts):
    """One `index_visuals()` on one display stream; the handle users get back
    (`create_alert(event_id)`, `list_alerts()`, `enable_alert`/`disable_alert` come with it)."""

    def __init__(self, stream, prompt: str | None) -> None:
        self.id = new_id("idx")
        self.stream = stream
        self.prompt = prompt
        self.indexer = None

    def on_result(self, result) -> None:  # indexer worker thread
        if result.clear_ocr_text is not None:  # the sensitive-content plugin alerts on it
            from copilot.runtime.redaction import remember

            remember(self.stream.id, result.ocr_text, result.clear_ocr_text)
        self.stream.emit({**result.to_event(), "index_id": self.id})

    def on_secrets(self, pts: float, regions, size) -> None:  # indexer worker thread
        redact = getattr(self.stream, "redact_recording", None)
        if redact is not None:
            redact(pts, [r.box for r in regions], size)

    def on_error(self, exc: BaseException) -> None:
        self.stream.emit(
            {
                "type": "plugin_error",
                "plugin": "visual_index",
                "hook": "index_visuals",
                "error": f"{type(exc).__name__}: {exc}",
            }
        )

    def on_frame(self, frame) -> None:  # runtime loop: hand over, never wait
        if isinstance(frame, VideoFrame):
            self.indexer.on_frame(
                frame.image, frame.pts, frame.changed, frame.info.get("frame_info")
            )
        elif isinstance(frame, Tick):
            self.indexer.on_tick(frame.pts)

    async def flush(self) -> None:
        # no limit of its own: the session bounds a live stream's flush (drain_timeout), and a
        # replay's backlog is read to the end
        await asyncio.to_thread(self.indexer.stop, None)

    async def pause(self) -> None:
        """The channel paused: describe the scene so far; frames after resume go on."""
        await asyncio.to_thread(self.indexer.flush, 60.0)

    def stop(self) -> None:
        self.indexer.stop(0)

    @property
    def stats(self) -> dict[str, Any]:
        return dict(vars(self.indexer.stats))


@hookimpl
def copilot_register_features(register, settings):
    register("visual_index", VisualIndexFeature(settings))
