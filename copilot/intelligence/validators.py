"""Checksums and validity rules that separate real identifiers from ordinary numbers."""

from __future__ import annotations

import math
import re
from collections import Counter

IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GI": 23,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SA": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "TR": 26,
}
NINO_BAD_PREFIX = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def luhn_ok(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 12:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The card network an issuer prefix belongs to (None: not a payment-card prefix)."""
    n = len(digits)
    if digits.startswith("4") and n in (13, 16, 19):
        return "visa"
    if n == 16 and (51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720):
        return "mastercard"
    if n == 15 and digits[:2] in ("34", "37"):
        return "amex"
    if n in (16, 19) and (digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649):
        return "discover"
    if 16 <= n <= 19 and 3528 <= int(digits[:4]) <= 3589:
        return "jcb"
    if n == 14 and digits[:2] in ("36", "38", "30"):
        return "diners"
    if 16 <= n <= 19 and digits.startswith("62"):
        return "unionpay"
    return None


def is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and card_brand(digits) is not None and luhn_ok(digits)


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """US SSN validity: area not 000/666/9xx, group not 00, serial not 0000."""
    if area in ("000", "666") or area.startswith("9"):
        return False
    return group != "00" and serial != "0000" and len(set(area + group + serial)) > 1


def nino_ok(nino: str) -> bool:
    s = re.sub(r"\s", "", nino.upper())
    if not re.fullmatch(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]", s):
        return False
    return s[:2] not in NINO_BAD_PREFIX


def iban_ok(iban: str) -> bool:
    s = re.sub(r"\s", "", iban.upper())
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    if IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    moved = s[4:] + s[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def entropy(s: str) -> float:
    """Shannon entropy in bits per character."""
    if not s:
        return 0.0
    counts = Counter(s)
    return -sum(c / len(s) * math.log2(c / len(s)) for c in counts.values())


def looks_random(s: str, min_len: int = 16, min_entropy: float = 3.2) -> bool:
    """A token that looks machine-made: long, high entropy, letters and digits mixed."""
    classes = sum(bool(re.search(p, s)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
    return len(s) >= min_len and entropy(s) >= min_entropy and classes >= 2
