"""A `copilot serve`-like process for the restart test: `python -m tests.server.server_main
HOME PORT` (no entry-point plugins, fast webhook retries)."""

from __future__ import annotations

import sys

import uvicorn

from copilot.config import load_settings
from copilot.server.serve import build
from tests.server.conftest import FAST


def main() -> None:
    home, port = sys.argv[1], int(sys.argv[2])
    rt, app = build(load_settings(home=home), entrypoints=False, policy=FAST)
    try:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    finally:
        app.state.webhooks.close()
        rt.close()


if __name__ == "__main__":
    main()
