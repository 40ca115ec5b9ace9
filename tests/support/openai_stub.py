"""A real OpenAI-compatible chat-completions server on 127.0.0.1 for model-path tests.

Records every request (path and JSON body) and answers with `ANSWER`: a string, or a
function of the request body returning one (answers that depend on the utterance asked).
"""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

ANSWER = "User is reviewing the Q3 budget spreadsheet with the team."


class Stub(BaseHTTPRequestHandler):
    requests: ClassVar[list] = []
    delay = 0.0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        time.sleep(type(self).delay)
        content = ANSWER(body) if callable(ANSWER) else ANSWER
        reply = {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client timed out
            self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve():
    """Run the stub on a free 127.0.0.1 port; yields its OpenAI-style base URL (…/v1)."""
    Stub.requests, Stub.delay = [], 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
