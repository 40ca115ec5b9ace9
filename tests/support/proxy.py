"""Debian's nginx in front of replicas, with the deployment's own config (deploy/nginx.conf):
the docker-compose topology without Docker."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.replicas import ROOT, free_port

CONF = ROOT / "deploy" / "nginx.conf"


class NginxUnavailable(RuntimeError):
    pass


class Nginx:
    def __init__(self, upstreams: list[str]) -> None:
        binary = shutil.which("nginx") or (
            "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
        )
        if binary is None:
            raise NginxUnavailable("nginx is not installed (apt-get install nginx)")
        self.dir = Path(tempfile.mkdtemp(prefix="copilot-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = CONF.read_text()
        servers = ["copilot-a:8700", "copilot-b:8700"]
        assert len(upstreams) == len(servers)
        for name, target in zip(servers, upstreams, strict=True):
            conf = conf.replace(f"server {name} ", f"server {target} ")
        conf = conf.replace("listen 8700;", f"listen 127.0.0.1:{self.port};")
        conf = conf.replace("http {", "http {\n    access_log off;", 1)
        (self.dir / "nginx.conf").write_text(conf)
        (self.dir / "logs").mkdir()
        self.proc = subprocess.Popen(
            [
                binary,
                "-p",
                str(self.dir),
                "-c",
                str(self.dir / "nginx.conf"),
                "-g",
                f"daemon off; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None:
                raise NginxUnavailable(f"nginx exited: {self.errors()}")
            try:
                httpx.get(f"{self.url}/healthz", timeout=0.5)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise NginxUnavailable(f"nginx did not answer: {self.errors()}") from None
                time.sleep(0.05)

    def errors(self) -> str:
        log = self.dir / "error.log"
        return log.read_text()[-2000:] if log.exists() else ""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
