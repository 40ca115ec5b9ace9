"""The custom-alert API users know: `conn.create_event(event_prompt, label)` defines a rule;
`index.create_alert(event_id, callback_url=None)` watches one index (audio or visual) for it;
alerts can be listed, enabled and disabled. Rules and alerts persist in
`$COPILOT_HOME/alert_rules.json` so they outlive the process, like the hosted service's.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from copilot.errors import NotFound
from copilot.ids import new_id


@dataclass(frozen=True)
class EventRule:
    event_id: str
    event_prompt: str
    label: str
    created_at: float


@dataclass(frozen=True)
class Alert:
    alert_id: str
    event_id: str
    index_id: str
    callback_url: str | None = None
    enabled: bool = True
    created_at: float = 0.0


class AlertRuleBook:
    """Rules (events) and alerts, thread-safe, saved atomically after every change."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.events: dict[str, EventRule] = {}
        self.alerts: dict[str, Alert] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text())
            self.events = {e["event_id"]: EventRule(**e) for e in data.get("events", [])}
            self.alerts = {a["alert_id"]: Alert(**a) for a in data.get("alerts", [])}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        data = {
            "events": [asdict(e) for e in self.events.values()],
            "alerts": [asdict(a) for a in self.alerts.values()],
        }
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self.path)

    # -- events (rules) --
    def create_event(self, event_prompt: str, label: str) -> str:
        if not event_prompt or not event_prompt.strip():
            raise ValueError("event_prompt must describe what to detect")
        if not label or not label.strip():
            raise ValueError("label must be a non-empty string")
        rule = EventRule(new_id("evr"), event_prompt.strip(), label.strip(), time.time())
        with self._lock:
            self.events[rule.event_id] = rule
            self._save()
        return rule.event_id

    def get_event(self, event_id: str) -> EventRule:
        try:
            return self.events[event_id]
        except KeyError:
            raise NotFound(f"no alert event {event_id!r}; create one with create_event()") from None

    def list_events(self) -> list[EventRule]:
        return list(self.events.values())

    # -- alerts on an index --
    def create_alert(self, event_id: str, index_id: str, callback_url: str | None = None) -> str:
        self.get_event(event_id)
        alert = Alert(new_id("alr"), event_id, index_id, callback_url, True, time.time())
        with self._lock:
            self.alerts[alert.alert_id] = alert
            self._save()
        return alert.alert_id

    def list_alerts(self, index_id: str | None = None) -> list[Alert]:
        return [a for a in self.alerts.values() if index_id is None or a.index_id == index_id]

    def set_enabled(self, alert_id: str, enabled: bool) -> Alert:
        with self._lock:
            alert = self.alerts.get(alert_id)
            if alert is None:
                raise NotFound(f"no alert {alert_id!r}")
            self.alerts[alert_id] = alert = replace(alert, enabled=enabled)
            self._save()
        return alert

    def active(self, index_id: str | None) -> list[tuple[Alert, EventRule]]:
        """Enabled alerts on `index_id` with their rules (what the matcher must check)."""
        if not index_id:
            return []
        return [
            (a, self.events[a.event_id])
            for a in self.alerts.values()
            if a.index_id == index_id and a.enabled and a.event_id in self.events
        ]


def rulebook(runtime: Any) -> AlertRuleBook:
    """The runtime's rule book (created on first use under its home)."""
    book = getattr(runtime, "alert_rules", None)
    if book is None:
        book = AlertRuleBook(Path(runtime.settings.home) / "alert_rules.json")
        runtime.alert_rules = book
    return book


class IndexAlerts:
    """Mixin for an index run with `id` and `stream` (a StreamContext): the alert methods
    users call on what `index_audio()` / `index_visuals()` return."""

    id: str
    stream: Any

    def _rulebook(self) -> AlertRuleBook:
        return rulebook(self.stream.runtime)

    def create_alert(self, event_id: str, callback_url: str | None = None) -> str:
        return self._rulebook().create_alert(event_id, self.id, callback_url)

    def list_alerts(self) -> list[dict[str, Any]]:
        return [asdict(a) for a in self._rulebook().list_alerts(self.id)]

    def enable_alert(self, alert_id: str) -> dict[str, Any]:
        return asdict(self._rulebook().set_enabled(alert_id, True))

    def disable_alert(self, alert_id: str) -> dict[str, Any]:
        return asdict(self._rulebook().set_enabled(alert_id, False))
