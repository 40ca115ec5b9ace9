"""Third parties extend the builtins through registration hooks, like any plugin."""

from __future__ import annotations

import asyncio
import re

import copilot
from copilot import hookimpl
from copilot.capture import CaptureClient
from copilot.intelligence import sensitive
from copilot.intelligence.action_items import EXTRACTORS
from copilot.intelligence.sensitive import Finding


class CodenameDetector:
    """Flags an internal project codename as sensitive (a company-specific rule)."""

    @hookimpl
    def copilot_register_sensitive_detectors(self, register, settings):
        def detect(text: str) -> list[Finding]:
            return [
                Finding("codename", m.start(), m.end(), 0.95, "codename", m.group())
                for m in re.finditer(r"project nightjar", text, flags=re.I)
            ]

        register("codename", detect)


async def test_a_detector_registered_by_hook_raises_alerts(home, sources):
    conn = copilot.connect(home=str(home))
    try:
        conn.register_plugin(sources, "test-sources")
        conn.register_plugin(CodenameDetector(), "codename")
        cap = conn.create_capture_session()
        client = CaptureClient(client_token=conn.generate_client_token())
        await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
        mic = cap.get_rtstream("mic")[0]
        cap.emit(
            {
                "type": "transcript",
                "text": "Project Nightjar ships in May.",
                "is_final": True,
                "rtstream_id": mic.id,
                "channel": "mic:tone",
                "start": 1.0,
                "end": 2.0,
            }
        )
        cap.emit(
            {
                "type": "transcript",
                "text": "The weather is nice today.",
                "is_final": True,
                "rtstream_id": mic.id,
                "channel": "mic:tone",
                "start": 3.0,
                "end": 4.0,
            }
        )
        await asyncio.sleep(0.5)
        await client.stop_session()
        alerts = [e async for e in cap.events(types=["alert"])]
        assert [(a.label, a.kind) for a in alerts] == [("sensitive_content", "codename")]
        assert alerts[0].start == 1.0
    finally:
        conn.close()
        sensitive._DETECTORS.pop("codename", None)
        EXTRACTORS.clear()
