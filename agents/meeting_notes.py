"""Live meeting notes: decisions, action items and open questions in one markdown file.

Shows how an agent is scripted against the public API alone: it creates a session, streams
audio with a `CaptureClient`, follows `cap.events(types=[...])` (the log first, then live) and
rewrites the notes file on every event that changes it; at stop the file is marked final.
The same script drives an embedded runtime or, with --base-url/--api-key, a `copilot serve`.

    python agents/meeting_notes.py --speed max --out notes.md     # the bundled sample meeting
    python agents/meeting_notes.py --mic default --out notes.md   # a live call (Ctrl-C stops)
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

import copilot
from copilot.capture import CaptureClient

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting"
DECIDED = re.compile(r"\b(decided|agreed|approved|we will go with|settled on)\b", re.I)
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def clock(seconds: float | None) -> str:
    s = int(seconds or 0)
    return f"{s // 60:02d}:{s % 60:02d}"


class Notes:
    """What the file shows; `apply` says whether an event changed it."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        # per utterance, its newest revision's decisions and questions: a refined transcript
        # (same utterance_id, higher revision) replaces what the earlier text gave
        self.heard: dict[str, tuple[int, list[tuple[float | None, str]], list]] = {}
        self.items: dict[str, object] = {}  # item_id -> latest action_item event
        self.status = "live"

    def apply(self, ev) -> bool:
        if ev.type == "action_item":
            self.items[ev.item_id] = ev  # an amended item replaces its earlier version
            return True
        if ev.type == "transcript" and ev.is_final:
            key = ev.utterance_id or f"seq-{ev.seq}"
            revision = ev.revision or 0
            old = self.heard.get(key)
            if old is not None and old[0] > revision:
                return False  # an older revision arriving late changes nothing
            who = f"{ev.speaker}: " if ev.speaker else ""
            decisions, questions = [], []
            for sentence in SENTENCE.split(ev.text.strip()):
                if sentence.endswith("?"):
                    questions.append((ev.start, who + sentence))
                elif DECIDED.search(sentence):
                    decisions.append((ev.start, sentence))
            self.heard[key] = (revision, decisions, questions)
            return bool(decisions or questions or (old and (old[1] or old[2])))
        if ev.type == "capture_session" and ev.status in ("stopped", "failed"):
            self.status = "final" if ev.status == "stopped" else f"final (failed: {ev.reason})"
            return True
        return False

    @property
    def decisions(self) -> list[tuple[float | None, str]]:
        return [d for _, found, _ in self.heard.values() for d in found]

    @property
    def questions(self) -> list[tuple[float | None, str]]:
        return [q for _, _, found in self.heard.values() for q in found]

    def markdown(self) -> str:
        out = [f"# Meeting notes — {self.session_id}", "", f"_status: {self.status}_", ""]
        out += ["## Decisions", ""]
        out += [f"- [{clock(t)}] {s}" for t, s in self.decisions] or ["_none yet_"]
        out += ["", "## Action items", ""]
        for ev in self.items.values():
            due = f", due {ev.due}" if ev.due else ""
            out.append(f"- [ ] {ev.text} — **{ev.owner or 'unassigned'}**{due} [{clock(ev.start)}]")
        out += [] if self.items else ["_none yet_"]
        out += ["", "## Open questions", ""]
        out += [f"- [{clock(t)}] {s}" for t, s in self.questions] or ["_none yet_"]
        return "\n".join(out) + "\n"

    def write(self, path: Path) -> None:
        tmp = path.with_name(f".{path.name}.tmp")  # readers never see a half-written file
        tmp.write_text(self.markdown(), encoding="utf-8")
        tmp.replace(path)


def channel(kind: str, src: str, speed: str) -> dict | str:
    """A file path becomes a replayed channel; anything else is a device id ('default')."""
    if Path(src).expanduser().exists():
        return {"channel_id": f"{kind}:file", "path": str(Path(src).expanduser()), "speed": speed}
    return f"{kind}:{src}"


async def take_notes(conn, channels: list, out: Path, metadata: dict, base_url=None) -> Notes:
    cap = conn.create_capture_session(end_user_id="meeting-notes", metadata=metadata)
    token = conn.generate_client_token(capture_session_id=cap.id)
    client = CaptureClient(client_token=token, base_url=base_url)
    files_only = all(isinstance(c, dict) for c in channels)
    await client.start_session(
        capture_session_id=cap.id, channels=channels, stop_when_sources_end=files_only
    )
    for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
        rts.start_transcript()
    notes = Notes(cap.id)
    notes.write(out)
    print(f"session {cap.id}: writing {out}", flush=True)
    try:
        async for ev in cap.events(types=["transcript", "action_item", "capture_session"]):
            if notes.apply(ev):
                notes.write(out)
    finally:
        await client.shutdown()  # stops the session if we were interrupted
    notes.status = notes.status if notes.status != "live" else "final"
    notes.write(out)
    return notes


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mic", default=str(SAMPLE / "mic.ogg"), help="a file or a device id")
    p.add_argument("--system-audio", default=str(SAMPLE / "system_audio.ogg"))
    p.add_argument("--out", default="notes.md")
    p.add_argument("--speed", default="1", help="file replay pace: 1 (real time) or max")
    p.add_argument("--participant", action="append", help="a name in the call (repeatable)")
    p.add_argument("--user-name", help="who is on the microphone")
    p.add_argument("--base-url", help="a `copilot serve` backend (default: embedded runtime)")
    p.add_argument("--api-key", help="its API key (`copilot keys create`)")
    args = p.parse_args(argv)
    channels = [channel("mic", args.mic, args.speed)]
    if args.system_audio:
        channels.append(channel("system_audio", args.system_audio, args.speed))
    sample = args.mic == str(SAMPLE / "mic.ogg")  # the sample's cast, for action-item owners
    metadata = {
        "app": "meeting-notes",
        "participants": args.participant or (["Alex", "Priya", "Marcus"] if sample else []),
        "user_name": args.user_name or ("Alex" if sample else None),
    }
    conn = copilot.connect(base_url=args.base_url, api_key=args.api_key)
    try:
        asyncio.run(take_notes(conn, channels, Path(args.out), metadata, args.base_url))
    except KeyboardInterrupt:
        pass
    finally:
        conn.close()
    print(Path(args.out).read_text(), end="")


if __name__ == "__main__":
    main()
