"""`copilot run`: a headless capture session from devices or files, events printed live."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

from copilot.data import sample_dir
from copilot.errors import CopilotError, IllegalTransition

KIND_FLAGS = (("mic", "mic"), ("system_audio", "system_audio"), ("display", "display"))


def channel_request(kind: str, src: str, speed: str) -> dict[str, Any]:
    """A device id/name ("default", "1") or a file path → a channel request for start_session."""
    if Path(src).expanduser().exists() or "/" in src or Path(src).suffix:
        return {"channel_id": f"{kind}:file", "path": str(Path(src).expanduser()), "speed": speed}
    return {"channel_id": f"{kind}:{src}"}


def _add_output_args(p) -> None:
    p.add_argument("--speed", default="1", help="file replay pace: 1 (real time) or max")
    p.add_argument("--json", action="store_true", help="every event as one JSON line")
    p.add_argument("--partials", action="store_true", help="also print partial transcripts")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "run",
        help="run a headless capture session and print its events",
        description="Capture devices or replay files through the whole pipeline.",
    )
    p.add_argument("--mic", metavar="SRC", help="microphone: 'default', a device id, or a file")
    p.add_argument("--system-audio", metavar="SRC", help="loopback: 'default', id, or a file")
    p.add_argument("--display", metavar="SRC", help="display: '1', 'default', or a replay source")
    _add_output_args(p)
    p.add_argument("--no-transcript", action="store_true", help="capture without transcribing")
    p.add_argument("--no-visual", action="store_true", help="capture screens without indexing")
    p.add_argument(
        "--participant", action="append", default=[], help="a name in the call (repeatable)"
    )
    p.add_argument("--user-name", help="who is on the microphone")
    p.set_defaults(func=cmd_run)


def add_demo_parser(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="replay the bundled sample meeting through the whole pipeline",
        description="An 83 s sample call (mic: one voice; system audio: two voices).",
    )
    _add_output_args(p)
    p.add_argument("--no-tui", action="store_true", help="print events as text, no TUI")
    p.set_defaults(
        func=cmd_demo,
        no_transcript=False,
        no_visual=False,
        participant=["Alex", "Priya", "Marcus"],
        user_name="Alex",
    )


def cmd_demo(args: argparse.Namespace) -> int:
    if not (args.no_tui or args.json) and sys.stdout.isatty():
        from copilot.tui.run import run_tui

        return run_tui(mode="demo", speed=args.speed)
    args.mic = str(sample_dir() / "mic.ogg")
    args.system_audio = str(sample_dir() / "system_audio.ogg")
    args.display = str(sample_dir() / "screens")
    return cmd_run(args)


def cmd_run(args: argparse.Namespace) -> int:
    requests = [
        channel_request(kind, getattr(args, attr), args.speed)
        for attr, kind in KIND_FLAGS
        if getattr(args, attr, None)
    ]
    if not requests:
        raise CopilotError("nothing to capture: give --mic, --system-audio and/or --display")
    try:
        return asyncio.run(_run(args, requests))
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, requests: list[dict[str, Any]]) -> int:
    import copilot
    from copilot.capture import CaptureClient
    from copilot.eventfmt import line

    all_files = all("path" in r for r in requests)
    conn = await asyncio.to_thread(copilot.connect)
    failures: list[str] = []
    try:
        meta = {"app": "copilot run", "participants": args.participant}
        if args.user_name:
            meta["user_name"] = args.user_name
        cap = conn.create_capture_session(metadata=meta)
        client = CaptureClient(client_token=conn.generate_client_token(capture_session_id=cap.id))
        print(f"capture session {cap.id}", file=sys.stderr, flush=True)
        await client.start_session(
            capture_session_id=cap.id, channels=requests, stop_when_sources_end=all_files
        )
        # a session that already ended (e.g. an unreadable file) gets no features: events say why
        with contextlib.suppress(IllegalTransition):
            if not args.no_transcript and not args.json:
                print("loading the speech model…", file=sys.stderr, flush=True)
            if not args.no_transcript:
                for rts in [*cap.get_rtstream("mic"), *cap.get_rtstream("system_audio")]:
                    rts.start_transcript()
            if not args.no_visual:
                for rts in cap.get_rtstream("display"):
                    rts.index_visuals(prompt="Describe what the user is doing")
        try:
            async for ev in client.events():
                if ev.type == "channel" and ev.status == "failed":
                    failures.append(f"{ev.channel}: {ev.reason}")
                if args.json:
                    print(ev.model_dump_json(), flush=True)
                elif ev.type != "transcript" or ev.is_final or args.partials:
                    print(line(ev), flush=True)
        finally:
            if cap.status == "active":
                await client.stop_session()
    finally:
        await asyncio.to_thread(conn.close)
    for failure in failures:
        print(f"copilot: channel {failure}", file=sys.stderr)
    return 1 if failures else 0
