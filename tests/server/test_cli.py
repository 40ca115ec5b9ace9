"""`copilot keys …` and `copilot serve` (a real process on 127.0.0.1)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import httpx

from copilot.cli.server import add_parsers
from copilot.remote import RemoteConnection
from tests.server.test_restart import _free_port


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_keys_create_list_revoke_then_serve(home, capsys):
    assert _run(["keys", "create", "--name", "ci"]) == 0
    out = capsys.readouterr().out
    key = out.strip().splitlines()[-1]
    kid = out.split()[1].rstrip(";")
    assert key.startswith("cpk_") and kid.startswith("key-")
    assert _run(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert kid in listed and "active" in listed and key not in listed
    port = _free_port()
    env = {**os.environ, "COPILOT_HOME": str(home)}
    code = (
        "import argparse; from copilot.cli.server import cmd_serve;"
        f" cmd_serve(argparse.Namespace(host='127.0.0.1', port={port}))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert "/v1/capture_sessions" in httpx.get(url + "/openapi.json").json()["paths"]
        with RemoteConnection(url, key) as conn:
            assert conn.create_capture_session().status == "created"
        assert _run(["keys", "revoke", kid]) == 0
        resp = httpx.get(url + "/v1/capture_sessions", headers={"authorization": f"Bearer {key}"})
        assert resp.status_code == 401 and "revoked" in resp.json()["error"]["message"]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert key.encode() not in err  # no secrets in the server's log
