"""The backend half of the two-runtime flow (DESIGN.md), using only the public API.

It holds the API key, creates a capture session and a short-lived client token for the
desktop, and runs a webhook receiver: on `capture_session.active` it starts the transcript
(and audio indexing, and visual indexing of the screens, when enabled) on the session's
RTStreams, then prints AI events arriving over the WebSocket. Webhooks are at-least-once: a
replayed `active` starts nothing twice (starting a running feature returns it).
Run `copilot serve` and `copilot keys create` first:

    COPILOT_BASE_URL=http://127.0.0.1:8700 COPILOT_API_KEY=cpk_... \
        python agents/two_runtimes/backend.py --out /tmp/two_runtimes.json
    python agents/two_runtimes/client.py --config /tmp/two_runtimes.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from copilot.delivery.signing import WebhookVerificationError, verify
from copilot.errors import CopilotError


class WebhookBackend:
    """A webhook receiver that reacts to lifecycle events of the sessions it created."""

    def __init__(
        self, conn, *, index_audio: bool = False, index_visuals: bool = False, port: int = 0
    ) -> None:
        self.conn = conn
        self.secret = conn.webhook_secret()
        self.index_audio = index_audio
        self.index_visuals = index_visuals
        self.received: list[dict] = []
        self.started: list[str] = []  # rtstream ids whose features we started
        self.errors: list[str] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/hook"

    def _handler(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                try:
                    verify(outer.secret, body, dict(self.headers.items()))
                except WebhookVerificationError:
                    self.send_response(401)
                    self.end_headers()
                    return
                self.send_response(204)
                self.end_headers()
                outer.on_webhook(json.loads(body))

            def log_message(self, *args):
                pass

        return Handler

    def on_webhook(self, msg: dict) -> None:
        self.received.append(msg)
        print(f"webhook {msg['event']} {msg['capture_session_id']}", flush=True)
        if msg["event"] != "capture_session.active":
            return
        cap = self.conn.get_capture_session(msg["capture_session_id"])
        for rts in cap.get_rtstream("mic") + cap.get_rtstream("system_audio"):
            try:
                rts.start_transcript()
                self.started.append(rts.id)
                if self.index_audio:
                    rts.index_audio(prompt="Extract key decisions and action items")
            except CopilotError as exc:  # e.g. a feature that is not installed
                self._failed(rts, exc)
        for rts in cap.get_rtstream("display") if self.index_visuals else []:
            try:
                rts.index_visuals(
                    prompt="Describe what the user is looking at",
                    batch_config={"type": "time", "value": 1, "frame_count": 1},
                )
                self.started.append(rts.id)
            except CopilotError as exc:
                self._failed(rts, exc)

    def _failed(self, rts, exc: CopilotError) -> None:
        self.errors.append(str(exc))
        print(f"  {rts.channel_id}: {exc}", flush=True)

    def create_session(self, end_user_id: str = "user_abc"):
        cap = self.conn.create_capture_session(
            end_user_id=end_user_id, callback_url=self.url, metadata={"app": "two-runtimes"}
        )
        token = self.conn.generate_client_token(expires_in=600, capture_session_id=cap.id)
        return cap, token

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


async def follow(cap) -> None:
    async for ev in cap.events(types=["transcript", "index", "alert", "capture_session"]):
        if ev.type == "transcript" and ev.is_final:
            print(f"[{ev.start:6.1f}] {ev.speaker or ev.channel}: {ev.text}", flush=True)
        elif ev.type != "transcript":
            print(f"{ev.type}: {getattr(ev, 'text', None) or getattr(ev, 'status', '')}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base-url", default=None, help="default $COPILOT_BASE_URL")
    p.add_argument("--api-key", default=None, help="default $COPILOT_API_KEY")
    p.add_argument("--out", default="two_runtimes.json", help="where the client finds its token")
    p.add_argument("--index-audio", action="store_true")
    p.add_argument("--index-visuals", action="store_true", help="index the client's screens")
    args = p.parse_args()
    from copilot.remote import RemoteConnection  # == copilot.connect(base_url=, api_key=)

    conn = RemoteConnection(args.base_url, args.api_key)
    backend = WebhookBackend(conn, index_audio=args.index_audio, index_visuals=args.index_visuals)
    cap, token = backend.create_session()
    with open(args.out, "w") as f:
        json.dump({"base_url": conn.base_url, "capture_session_id": cap.id, "token": token}, f)
    print(f"session {cap.id}; client config in {args.out}; waiting for the client…", flush=True)
    try:
        asyncio.run(follow(cap))
    finally:
        backend.close()
        conn.close()


if __name__ == "__main__":
    main()
