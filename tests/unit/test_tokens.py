"""Client tokens: signed, expiring, scoped; refused with a reason."""

from __future__ import annotations

import stat
import time

import pytest

from copilot.errors import PermissionDenied
from copilot.tokens import TokenSigner, load_secret


def test_roundtrip_and_scope(tmp_path):
    signer = TokenSigner(load_secret(tmp_path))
    token = signer.issue(60, session_id="cap-1")
    claims = signer.verify(token)
    assert claims.scope == "capture" and claims.session_id == "cap-1"
    assert claims.exp == pytest.approx(time.time() + 60, abs=2)
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600


def test_refusals_say_why(tmp_path):
    signer = TokenSigner(load_secret(tmp_path))
    other = TokenSigner(b"another secret")
    with pytest.raises(PermissionDenied, match="signature"):
        signer.verify(other.issue(60))
    with pytest.raises(PermissionDenied, match="malformed"):
        signer.verify("cct_garbage")
    token = signer.issue(60)
    with pytest.raises(PermissionDenied, match="revoked"):
        signer.verify(token, revoked={signer.verify(token).jti})
    with pytest.raises(ValueError, match="positive"):
        signer.issue(0)
