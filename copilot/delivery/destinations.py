"""Where a webhook may be sent: `callback_url` is someone's input, and the server POSTs to it.

By default any http(s) host is allowed except addresses no webhook receiver has a reason to
be at and an attacker has every reason to aim at: link-local addresses (169.254.0.0/16,
fe80::/10 — where cloud metadata services answer), the known metadata addresses and names,
and the unspecified address (0.0.0.0, ::, which reaches this host under another name).
`webhook_allow_hosts` (host names, `*.example.org` wildcards, IPs or CIDR ranges) turns that
into an allow-list: only what it lists, and what it lists explicitly is allowed even if the
default would refuse it. The URL is checked when a session is created, and what the host
resolves to is checked again before every delivery (so a name that points at a metadata
address, or a policy tightened after a restart, is refused then).
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

METADATA_IPS = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
HINT = "set webhook_allow_hosts (COPILOT_WEBHOOK_ALLOW_HOSTS) to allow it explicitly"


class RefusedDestination(ValueError):
    """A callback URL the webhook policy does not allow."""


def host_of(url: str) -> str:
    """The URL's host, lower-cased, without IPv6 brackets; `RefusedDestination` if it is no
    http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise RefusedDestination(f"callback_url {url!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise RefusedDestination(f"callback_url must be an http:// or https:// URL, not {url!r}")
    return host.lower().rstrip(".")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _listed(host: str, allow: Iterable[str]) -> bool:
    ip = _ip(host)
    for entry in allow:
        entry = entry.strip().lower().strip("[]")
        if not entry:
            continue
        if "/" in entry and ip is not None:
            try:
                if ip in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        elif fnmatch.fnmatchcase(host, entry):
            return True
    return False


def _refused_ip(ip) -> str | None:
    if ip in METADATA_IPS:
        return "a cloud metadata address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified:
        return "the unspecified address (this host under another name)"
    return None


def check_callback_url(url: str, allow: Iterable[str]) -> None:
    """Raise `RefusedDestination` (a ValueError: 400 over the API) unless webhooks may go
    to `url` under the policy (see the module docstring)."""
    host = host_of(url)
    allow = list(allow)
    if allow:
        if not _listed(host, allow):
            raise RefusedDestination(
                f"callback_url host {host!r} is not in webhook_allow_hosts ({', '.join(allow)})"
            )
        return
    ip = _ip(host)
    reason = _refused_ip(ip) if ip is not None else None
    if reason is None and host in METADATA_NAMES:
        reason = "a cloud metadata host name"
    if reason is not None:
        raise RefusedDestination(f"callback_url host {host!r} is {reason}; {HINT}")


async def refusal(url: str, allow: Iterable[str]) -> str | None:
    """Before a delivery: why `url` may not be sent to now (None if it may) — the URL
    checked again, and every address its host resolves to."""
    allow = list(allow)
    try:
        check_callback_url(url, allow)
    except RefusedDestination as exc:
        return str(exc)
    host = host_of(url)
    if _ip(host) is not None or _listed(host, allow):
        return None  # an address already checked, or a host the user listed
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return None  # the attempt itself fails and is retried, as any unreachable host
    for info in infos:
        ip = _ip(str(info[4][0]).split("%")[0])
        reason = _refused_ip(ip) if ip is not None else None
        if reason is not None:
            return f"callback_url host {host!r} resolves to {ip}, {reason}; {HINT}"
    return None
