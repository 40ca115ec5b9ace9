"""The `copilot` command. Read-only commands open the store directly, without a runtime."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from copilot import __version__
from copilot.errors import CopilotError


def _settings():
    from copilot.config import load_settings

    return load_settings()


def _open_readonly():
    """The store for reading, or None when there is no database yet."""
    from copilot.store import open_store

    try:
        return open_store(_settings(), readonly=True)
    except FileNotFoundError:
        return None


def cmd_sessions(args: argparse.Namespace) -> int:
    if args.action == "delete":
        if not args.id:
            raise CopilotError("usage: copilot sessions delete SESSION_ID")
        import copilot

        print(f"deleting {args.id} (log, recordings, search vectors)…", file=sys.stderr)
        with copilot.connect() as conn:
            conn.delete_capture_session(args.id)
        print(f"deleted {args.id}")
        return 0
    store = _open_readonly()
    records = store.sessions.list(args.status, args.limit) if store else []
    if store:
        store.close()
    if args.json:
        for rec in records:
            print(rec.model_dump_json())
        return 0
    if not records:
        print("no capture sessions yet")
        return 0
    print(f"{'ID':<22} {'STATUS':<9} {'CREATED':<19} {'USER':<14} CHANNELS")
    for rec in records:
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(rec.created_at))
        chans = ",".join(c["channel_id"] for c in rec.channels)
        print(f"{rec.id:<22} {rec.status:<9} {created:<19} {rec.end_user_id or '-':<14} {chans}")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from copilot.runtime.runtime import Runtime

    rt = Runtime(_settings())
    rt.load_plugins()
    infos = rt.plugins.plugins()
    if args.json:
        for p in infos:
            print(json.dumps(vars(p)))
        return 0
    if not infos:
        print("no plugins installed (entry-point group 'copilot')")
    for p in infos:
        print(f"{p.name:<24} {p.status:<8} {p.source}")
        if p.hooks:
            print(f"    hooks: {', '.join(p.hooks)}")
        if p.error:
            print(f"    error: {p.error}")
    for name, feature in sorted(rt.features.items()):
        print(f"feature {name:<16} {type(feature).__module__}.{type(feature).__name__}")
    for source in rt.sources.sources():
        print(f"source  {source.name:<16} kinds: {', '.join(source.kinds)}")
    return 0


def follow_log(session_id: str, since: int, types: list[str] | None, follow: bool) -> Iterator:
    """Events from another process's log: read, then (with follow) wait for new commits.

    The store's watcher says when to read again: Postgres notifies; across processes SQLite
    cannot, so there it watches the cheap data_version (see `copilot.store.sqlite`).
    """
    from copilot.runtime.states import TERMINAL

    store = _open_readonly()
    if store is None or store.sessions.get(session_id) is None:
        raise CopilotError(f"no capture session {session_id!r}")
    watcher = store.watch() if follow else None
    last = since
    try:
        while True:
            # status first: a terminal status commits with its event, so the read below has it
            ended = store.sessions.get(session_id).status in TERMINAL
            rows = store.log.read(session_id, after=last, limit=1000, types=types)
            for ev in rows:
                last = ev.seq
                yield ev
            if len(rows) == 1000:
                continue
            if watcher is None or ended:
                return
            watcher.wait(5.0)  # and re-check the status at least this often
    finally:
        if watcher is not None:
            watcher.close()
        store.close()


def cmd_events(args: argparse.Namespace) -> int:
    from copilot.eventfmt import line

    types = args.type or None
    for ev in follow_log(args.session, args.since, types, args.follow):
        print(ev.model_dump_json() if args.json else line(ev), flush=True)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import copilot

    print(f"exporting {args.session}…", file=sys.stderr)
    with copilot.connect() as conn:
        out = conn.get_capture_session(args.session).export(args.out)
    for path in sorted(out.iterdir()):
        print(path)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    import copilot
    from copilot.eventfmt import clock

    with copilot.connect() as conn:
        hits = conn.search(args.query, session_id=args.session, limit=args.limit)
    for hit in hits:
        if args.json:
            print(json.dumps(hit.to_dict()))
        else:
            text = hit.text.replace("\n", " / ")
            print(
                f"{hit.search_score:.2f}  {hit.session_id}  {clock(hit.start)}–{clock(hit.end)}"
                f"  {hit.type:<13} {hit.channel:<18} {text}"
            )
            if args.clip:
                clip = hit.export_clip(Path(args.clip) / f"{hit.session_id}-{hit.start:07.1f}")
                print(
                    f"      clip: {clip.audio}" + (f" + {clip.keyframe}" if clip.keyframe else "")
                )
    if not hits and not args.json:
        print("no matches")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="copilot", description="Local-first meeting copilot runtime")
    p.add_argument("--version", action="version", version=f"copilot {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("sessions", help="list capture sessions, or delete one")
    s.add_argument("action", nargs="?", choices=["list", "delete"], default="list")
    s.add_argument("id", nargs="?", help="the session to delete")
    s.add_argument("--status", help="only sessions in this state")
    s.add_argument("--limit", type=int, default=None)
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    s.set_defaults(func=cmd_sessions)

    s = sub.add_parser("plugins", help="loaded plugins, their hooks, and failures")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_plugins)

    s = sub.add_parser("events", help="print a session's events from the log")
    s.add_argument("session", help="capture session id (cap-…)")
    s.add_argument("--since", type=int, default=0, help="start after this seq")
    s.add_argument("--follow", "-f", action="store_true", help="keep printing until it ends")
    s.add_argument("--type", action="append", help="only this event type (repeatable)")
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    s.set_defaults(func=cmd_events)

    s = sub.add_parser("export", help="write a stopped session's transcript, notes and audio")
    s.add_argument("session")
    s.add_argument("--out", help="folder (default: $COPILOT_HOME/exports/SESSION)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("search", help="search what was said and shown, across sessions")
    s.add_argument("query")
    s.add_argument("--session", help="only this capture session")
    s.add_argument("--limit", type=int, default=10)
    s.add_argument("--json", action="store_true", help="one JSON object per hit")
    s.add_argument("--clip", metavar="DIR", help="also write each hit's audio clip here")
    s.set_defaults(func=cmd_search)

    from copilot.cli import agent as cli_agent
    from copilot.cli import mcp as cli_mcp
    from copilot.cli import run as cli_run
    from copilot.cli import server as cli_server

    cli_run.add_parser(sub)
    cli_run.add_demo_parser(sub)
    from copilot.tui import run as tui_run

    tui_run.add_parser(sub)
    cli_server.add_parsers(sub)
    cli_agent.add_parsers(sub)
    cli_mcp.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        return func(args)
    except CopilotError as exc:
        print(f"copilot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
