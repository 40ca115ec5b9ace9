"""A real PostgreSQL server for tests and benchmarks.

`COPILOT_TEST_DATABASE_URL` (set by `.ci/run`, which starts the Debian cluster) names a
server whose role may create databases. Without it, `Cluster` starts a throwaway cluster
(`initdb` + `pg_ctl` from the Debian `postgresql` package, as the `postgres` user when run as
root) on a free port in a temporary folder, the way the screen tests start their own Xvfb.
In CI a server that cannot be reached or started is an error, never a skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ENV = "COPILOT_TEST_DATABASE_URL"


class PostgresUnavailable(RuntimeError):
    pass


def _bindir() -> Path | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(d) / "initdb").exists():
            return Path(d)
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway cluster; `url` reaches its `postgres` database. `durable=False` turns off
    fsync (tests: faster CREATE DATABASE); benchmarks keep PostgreSQL's defaults."""

    def __init__(self, *, durable: bool = False) -> None:
        bindir = _bindir()
        if bindir is None:
            raise PostgresUnavailable(
                "PostgreSQL is not installed (apt-get install postgresql), and"
                f" {ENV} names no server"
            )
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="copilot-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:  # the server refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        opts = f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.dir}"
        opts += " -c max_connections=200"
        if not durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self._as, str(self.bindir / tool), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            log = (self.dir / "log").read_text()[-2000:] if (self.dir / "log").exists() else ""
            raise PostgresUnavailable(f"{tool} failed: {proc.stderr.strip()}\n{log}")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def check(url: str) -> None:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as exc:
        raise PostgresUnavailable(f"cannot reach the PostgreSQL server at {ENV}: {exc}") from None


def server() -> tuple[str, Cluster | None]:
    """(admin URL, the cluster started here or None): the env's server, else a new one."""
    url = os.environ.get(ENV)
    if url:
        check(url)
        return url, None
    cluster = Cluster()
    return cluster.url, cluster


def _with_db(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@contextlib.contextmanager
def database(admin_url: str):
    """A fresh, empty database on the server (dropped afterwards); yields its URL."""
    import psycopg

    name = "copilot_t_" + secrets.token_hex(5)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(admin_url, name)
    finally:
        deadline = time.monotonic() + 10
        while True:
            try:
                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except psycopg.Error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
