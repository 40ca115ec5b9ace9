"""Fixtures: the sample meeting's scripted transcript and a fixed meeting date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import copilot

SAMPLE = Path(copilot.__file__).parent / "data" / "sample_meeting" / "reference.json"
PARTICIPANTS = ["Alex", "Priya", "Marcus"]
MEETING_DAY = date(2026, 11, 25)  # a Wednesday


@pytest.fixture(scope="session")
def reference():
    return json.loads(SAMPLE.read_text())


@pytest.fixture
def loopback_only(monkeypatch):
    """Records every outbound connection that is not to 127.0.0.1 (and refuses it)."""
    import socket

    attempts = []
    real = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "localhost", "::1"):
            attempts.append(address)
            raise OSError("test: outbound network is not allowed")
        return real(self, address)

    real_gai = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1"):
            attempts.append(host)
            raise OSError("test: outbound network is not allowed")
        return real_gai(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return attempts
