"""The hooks a copilot plugin may implement, grouped by phase. This file is the contract.

Every event hook receives `event` (a frozen `copilot.events.Event`, already persisted with its
`seq`) and `session` (a `copilot.runtime.context.SessionContext`). It may return nothing, or an
event (model or dict) or a list of them: those are validated, persisted and delivered on the
same session. Sync hooks run on the plugin's own worker thread, async hooks on the runtime
loop; both are bounded by `plugin_timeout`, and a failure becomes a `plugin_error` event
without stopping other plugins. docs/plugins.md documents each hook; a test keeps them in sync.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("copilot")

# --- registration: called once while the runtime starts, before any session runs ----------
# Each receives `register` and the runtime's validated `settings` (`copilot.config.Settings`).


@hookspec
def copilot_register_event_types(register, settings):
    """Register event models (`copilot.events.Event` subclasses with a Literal `type`).

    Call `register(Model)` once per model. Events of registered types can be emitted by
    plugins, agents (`cap.emit`) and are parsed back from the log with their model.
    """


@hookspec
def copilot_register_sources(register, settings):
    """Register capture sources (`copilot.capture.sources.CaptureSource` instances).

    Call `register(source)`. A source lists channels (`mic:…`, `system_audio:…`, `display:…`),
    answers permission probes and opens a channel into frames for the runtime.
    """


@hookspec
def copilot_register_features(register, settings):
    """Register RTStream features by name: `register(name, feature)`.

    Names are the RTStream capabilities: "transcript", "audio_index", "visual_index" and
    "search". `feature` implements `copilot.runtime.features.StreamFeature`. Without one, the
    matching RTStream method raises `NotEnabled` instead of doing nothing.
    """


@hookspec
def copilot_register_sensitive_detectors(register, settings):
    """Register sensitive-content detectors: `register(name, fn)`.

    `fn(text)` returns a list of `copilot.intelligence.sensitive.Finding` (kind, start, end,
    confidence, detector, value). Detectors see text as said or shown, and again with spoken
    digits normalised ("four one one one" → "4111"); a raising detector is logged and skipped.
    """


@hookspec
def copilot_register_action_item_extractors(register, settings):
    """Register action-item extractors: `register(name, fn)`.

    `fn(text, speaker=, participants=, today=)` returns
    `copilot.intelligence.action_items.Candidate`s, merged with the builtin ones (same item ids,
    duplicates dropped, amendments re-emitted).
    """


@hookspec
def copilot_register_llm_tasks(register, settings):
    """Register model tasks: `register(copilot.llm.Task(name, instructions, schema, offline))`.

    `copilot.llm.complete_json(..., task=name)` then works with any model, offline included.
    """


# --- lifecycle -------------------------------------------------------------------------------


@hookspec
def copilot_startup(runtime):
    """The runtime has loaded plugins and opened its store; sessions may start after this."""


@hookspec
def copilot_shutdown(runtime):
    """The runtime is closing; release files, threads and connections."""


# --- session -----------------------------------------------------------------------------------


@hookspec
def copilot_session_status(event, session):
    """A capture session changed state (`event.type == "capture_session"`, `event.status`)."""


@hookspec
def copilot_session_deleted(session_id):
    """A capture session was deleted (`copilot sessions delete`): drop everything you keep
    about it (vectors, files, caches). Called once, in the process that deleted it."""


# --- events ------------------------------------------------------------------------------------


@hookspec
def copilot_event(event, session):
    """Every persisted event of every type, in `seq` order per session."""


@hookspec
def copilot_transcript(event, session):
    """A `transcript` event: a partial (`is_final=False`) or a final utterance."""


@hookspec
def copilot_index(event, session):
    """An `index` event (`index_type` "audio" or "visual") from index_audio/index_visuals.

    A visual scene comes as revision 0 and again, with its final `end`, as revision 1 (same
    `scene_id`): react to revision 0; `event.full_text` includes the screen's `ocr_text`."""


@hookspec
def copilot_alert(event, session):
    """An `alert` event (`label`, `triggered`, `confidence`), e.g. sensitive content."""
