"""CLI for server mode: `copilot serve`, `copilot keys create|list|revoke`, `copilot webhooks list`.

`keys` and `webhooks` open the store directly (no runtime), so they work while a server runs.
"""

from __future__ import annotations

import argparse
import json
import time


def _store(readonly: bool = False):
    from copilot.config import load_settings
    from copilot.store import open_store

    return open_store(load_settings(), readonly=readonly)


def _keys():
    from copilot.server.auth import ApiKeys

    return ApiKeys(_store())


def cmd_serve(args: argparse.Namespace) -> int:
    from copilot.errors import ConfigError
    from copilot.plugins.manager import import_plugin
    from copilot.server.serve import serve

    try:
        plugins = [(spec, import_plugin(spec)) for spec in getattr(args, "plugin", None) or ()]
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    serve(args.host, args.port, plugins=plugins)
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    keys = _keys()
    if args.action == "create":
        kid, key = keys.create(args.name)
        print(f"created {kid}; the key is shown only once:\n{key}")
    elif args.action == "list":
        rows = keys.list()
        if args.json:
            for r in rows:
                print(json.dumps(r))
        elif not rows:
            print("no API keys yet: copilot keys create")
        for r in rows if not args.json else ():
            made = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["created_at"]))
            state = "revoked" if r["revoked_at"] else "active"
            print(f"{r['id']:<18} {state:<8} {made}  {r['hint']:<12} {r['name'] or ''}")
    else:
        if not args.key_id:
            print("copilot keys revoke needs a key id (see copilot keys list)")
            return 2
        if not keys.revoke(args.key_id):
            print(f"no active key {args.key_id}")
            return 1
        print(f"revoked {args.key_id}")
    return 0


def _clock(at: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at)) if at else "--:--:--"


def message_state(m: dict) -> str:
    """A message's state in words: delivered (after retries), pending with the last failure
    and the next try, or given up — never a failed attempt's code next to "delivered"."""
    n, code, error = m["attempts"], m["last_status_code"], m["last_error"]
    tries = f"after {n} attempts" if n > 1 else "first attempt"
    if m["status"] == "delivered":
        return f"delivered ({code}, {tries})"
    if m["status"] == "dead":
        return f"failed: given up {tries}, last {error or code}"
    if n == 0:
        return "pending: not tried yet"
    return f"pending: attempt {n} failed ({error or code}), next try {_clock(m['next_attempt_at'])}"


def cmd_webhooks(args: argparse.Namespace) -> int:
    attempts = getattr(args, "attempts", False)
    try:
        store = _store(readonly=True)
    except FileNotFoundError:  # no database yet: nothing was ever sent
        rows = []
    else:
        try:
            rows = (store.outbox.attempts if attempts else store.outbox.messages)(args.limit)
        finally:
            store.close()
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return 0
    if not rows:
        print("no webhooks yet")
    for r in rows:
        if attempts:  # one line per attempt, with that attempt's own outcome
            result = f"{r['result']} {r['status_code'] or r['error']}"
            print(
                f"{_clock(r['at'])} {r['webhook_id']:<36} {r['event']:<28} #{r['attempt']:<3}"
                f" {result}"
            )
        else:
            print(
                f"{_clock(r['created_at'])} {r['webhook_id']:<36} {r['event']:<28}"
                f" {message_state(r)}"
            )
    return 0


def add_parsers(sub) -> None:
    s = sub.add_parser("serve", help="run the backend API (FastAPI + uvicorn)")
    s.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    s.add_argument("--port", type=int, default=8700, help="0 picks a free port (it is logged)")
    s.add_argument(
        "--plugin",
        action="append",
        metavar="MODULE[:OBJECT]",
        help="also load this plugin (entry-point syntax; repeatable), e.g. a local one",
    )
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("keys", help="API keys for the backend API")
    s.add_argument("action", choices=["create", "list", "revoke"])
    s.add_argument("key_id", nargs="?", help="for revoke: the key id")
    s.add_argument("--name", help="for create: a label")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_keys)

    s = sub.add_parser("webhooks", help="webhook messages and their delivery state")
    s.add_argument("action", choices=["list"])
    s.add_argument("--limit", type=int, default=50)
    s.add_argument(
        "--attempts", action="store_true", help="one line per attempt, with its own outcome"
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_webhooks)
