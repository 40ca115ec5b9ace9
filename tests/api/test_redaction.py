"""Secrets at rest through the public API, embedded and served (issue 18, defect 7): by default
a secret said in a meeting is redacted wherever it is stored — the logged transcript, what
polling and exports give — while its alert says which kind, which one (a masked tail) and
where; two different keys are two alerts (defect 8), decided on the text before redaction."""

from __future__ import annotations

import pytest

API_PROFILE = "sensitive"
KEY_A = "sk-proj-4f9XkQ2mZ7rT1vB8nL3sW6yH0cJ5dA2e"
KEY_B = "sk-live-Zq81Lm4Hc7Yt2Wp9Rb5Nd3Kf6Gs0Jx3f"
SAID = [
    f"The staging key is {KEY_A} and the production one is {KEY_B}, keep them safe.",
    f"Again, staging is {KEY_A}.",
]


async def _meeting(api):
    conn = api.conn
    cap = conn.create_capture_session()
    client = api.client(conn.generate_client_token(capture_session_id=cap.id))
    await client.start_session(capture_session_id=cap.id, channels=["mic:tone"])
    for i, text in enumerate(SAID):
        cap.emit(
            {
                "type": "transcript",
                "text": text,
                "is_final": True,
                "start": 10.0 * i,
                "end": 10.0 * i + 4,
                "utterance_id": f"utt-{i}",
                "channel": "mic:tone",
            }
        )
    await client.stop_session()
    await client.shutdown()
    return cap


async def test_secrets_are_redacted_at_rest_and_each_key_alerts_once_by_its_tail(api, tmp_path):
    cap = await _meeting(api)
    events, _ = cap.poll(limit=1000)
    finals = [e for e in events if e.type == "transcript"]
    assert len(finals) == 2
    for e in finals:
        assert KEY_A not in e.text and KEY_B not in e.text
    assert finals[0].text.count("[REDACTED:api_key]") == 2
    alerts = [e for e in events if e.type == "alert" and e.label == "sensitive_content"]
    # one alert per key (the repeat of KEY_A does not alert again), each saying which
    assert sorted(a.hint for a in alerts) == ["sk-live-…Jx3f", "sk-proj-…dA2e"], alerts
    assert all(a.kind == "api_key" and a.channel == "mic:tone" for a in alerts)
    assert all("API key" in a.text and "mic:tone at 00:00" in a.text for a in alerts), [
        a.text for a in alerts
    ]
    for a in alerts:
        assert KEY_A not in a.text and KEY_B not in a.text
    # the export holds no secret either
    out = cap.export(tmp_path / "export")
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".srt", ".vtt", ".md"):
            body = path.read_text()
            assert KEY_A not in body and KEY_B not in body, path.name


@pytest.fixture
def clear_conn(home, sources):
    """An embedded runtime with redaction turned off, as a user who wants clear text has."""
    import copilot
    from builtin_plugins import sensitive_content

    c = copilot.connect(home=str(home), entrypoints=False, redact_sensitive=False)
    c.register_plugin(sources, "test-sources")
    c.register_plugin(sensitive_content, "sensitive-content")
    yield c
    c.close()


async def test_redaction_can_be_turned_off(clear_conn):
    from types import SimpleNamespace

    api = SimpleNamespace(conn=clear_conn, client=_embedded_client)
    cap = await _meeting(api)
    events, _ = cap.poll(limit=1000)
    texts = [e.text for e in events if e.type == "transcript"]
    assert KEY_A in texts[0] and KEY_B in texts[0]
    hints = sorted(e.hint for e in events if e.type == "alert")
    assert hints == ["sk-live-…Jx3f", "sk-proj-…dA2e"]


def _embedded_client(token):
    from copilot.capture import CaptureClient

    return CaptureClient(client_token=token)
