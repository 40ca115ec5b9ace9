"""Resolve spoken due dates ("by Friday", "tomorrow", "next week", "end of month", "by the 3rd")
to calendar dates relative to the session date.

Conventions (documented because speech is ambiguous): a bare weekday is its next occurrence
after today (a week ahead if today is that day); "next <weekday>" is that day in the following
calendar week; "next week" and "end of the week" mean that week's Friday; "end of (next)
month" its last day; "by the 3rd" the next 3rd of a month on or after today.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [m.lower() for m in calendar.month_name[1:]]
_WD = "|".join(WEEKDAYS)
_MON = "|".join([*MONTHS, *(m[:3] for m in MONTHS)])
_ORDINALS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth", "twentieth",
]  # fmt: skip
_ORDINAL_DAY = {w: i + 1 for i, w in enumerate(_ORDINALS)}
_ORDINAL_DAY |= {f"twenty[- ]{w}": 20 + i + 1 for i, w in enumerate(_ORDINALS[:9])}
_ORDINAL_DAY |= {"thirtieth": 30, "thirty[- ]first": 31}
_ORDINAL = "|".join(sorted(_ORDINAL_DAY, key=len, reverse=True))
# "by the second draft", "on the third floor": an ordinal that is not a day of the month
_NOT_A_DAY = (
    r"floor|draft|round|time|one|half|quarter|page|option|item|week|day|shift|version|"
    r"attempt|try|point|step|phase|batch|slide|line|row|chapter|review|pass|meeting|call"
)
_PART = r"(?: (?:morning|afternoon|evening|night|lunchtime|first thing))?"  # "Friday morning"
_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "a": 1, "an": 1}

PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bday after tomorrow\b", re.I), "day_after"),
    (re.compile(rf"\b(?:first thing )?tomorrow{_PART}\b", re.I), "tomorrow"),
    (
        re.compile(
            r"\b(?:today|tonight|end of (?:the )?day|eod|later today|this afternoon|this evening|"
            r"(?:close|end) of business|cob|within the hour|in an hour|in the next hour|"
            r"in (?:a|one|two|three|a few|a couple of) hours|by noon|by lunch(?:time)?|"
            r"asap|right now|right away|straight away|immediately|now(?=\s*(?:[,.!?;]|$))|"
            # "after this call", "as soon as we hang up": later the same day
            r"(?:right |straight |just |directly )?after (?:this|the|our) (?:call|meeting)|"
            r"(?:as soon as|once|when) we (?:hang up|finish|wrap up|get off)|"
            r"by the end of (?:this|the) (?:call|meeting))\b",
            re.I,
        ),
        "today",
    ),
    (re.compile(r"\b(?:in|within) (?:a|the next) couple (?:of )?days\b", re.I), "in_2_days"),
    (re.compile(r"\b(?:in|within) (?:a|the next) few days\b", re.I), "in_3_days"),
    (re.compile(rf"\bnext ({_WD}){_PART}\b", re.I), "next_weekday"),
    (re.compile(rf"\b(?:this )?({_WD}){_PART}\b", re.I), "weekday"),
    (re.compile(r"\bend of (?:the )?next month\b", re.I), "end_next_month"),
    (re.compile(r"\b(?:end of (?:the |this )?month|eom|month[- ]end)\b", re.I), "end_month"),
    (re.compile(r"\bnext month\b", re.I), "end_next_month"),
    (re.compile(r"\b(?:end of (?:the |this )?week|eow|this week)\b", re.I), "end_week"),
    (re.compile(r"\b(?:end of )?next week\b", re.I), "next_week"),
    (re.compile(rf"\b({_MON})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b", re.I), "month_day"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MON})\b", re.I), "day_month"),
    (re.compile(r"\b(?:by|on|before|until|due) the (\d{1,2})(?:st|nd|rd|th)\b", re.I), "nth"),
    (
        re.compile(
            rf"\b(?:by|on|before|until|due) the ({_ORDINAL})\b(?![ -](?:{_NOT_A_DAY})\b)", re.I
        ),
        "nth_word",
    ),
    (
        re.compile(
            r"\b(?:in|within)(?: the next)? (\d+|one|two|three|four|five|six|seven|a|an) "
            r"(day|week)s?\b",
            re.I,
        ),
        "in_n",
    ),
]


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _add_month(d: date) -> date:
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return date(y, m, 1)


def _safe(y: int, m: int, day: int) -> date | None:
    try:
        return date(y, m, day)
    except ValueError:
        return None


def _month_index(name: str) -> int:
    name = name.lower()[:3]
    return [m[:3] for m in MONTHS].index(name) + 1


def _nth(today: date, day: int) -> date | None:
    """The next `day` of a month on or after today."""
    d = _safe(today.year, today.month, day)
    if d is None or d < today:
        nxt = _add_month(today)
        d = _safe(nxt.year, nxt.month, day)
    return d


def _resolve(kind: str, m: re.Match, today: date) -> date | None:
    if kind == "today":
        return today
    if kind == "tomorrow":
        return today + timedelta(days=1)
    if kind == "day_after":
        return today + timedelta(days=2)
    if kind == "weekday":
        ahead = (WEEKDAYS.index(m.group(1).lower()) - today.weekday()) % 7
        return today + timedelta(days=ahead or 7)
    if kind == "next_weekday":
        monday_next = today + timedelta(days=7 - today.weekday())
        return monday_next + timedelta(days=WEEKDAYS.index(m.group(1).lower()))
    if kind == "end_week":
        ahead = (4 - today.weekday()) % 7
        return today + timedelta(days=ahead)
    if kind == "next_week":
        return today + timedelta(days=7 - today.weekday() + 4)
    if kind == "end_month":
        return _month_end(today)
    if kind == "end_next_month":
        return _month_end(_add_month(today))
    if kind in ("month_day", "day_month"):
        mon, day = (m.group(1), m.group(2)) if kind == "month_day" else (m.group(2), m.group(1))
        d = _safe(today.year, _month_index(mon), int(day))
        if d is not None and d < today:
            d = _safe(today.year + 1, d.month, d.day)
        return d
    if kind == "nth":
        return _nth(today, int(m.group(1)))
    if kind == "nth_word":
        word = re.sub(r"[- ]", "[- ]", m.group(1).lower())
        return _nth(today, _ORDINAL_DAY[word])
    if kind in ("in_2_days", "in_3_days"):
        return today + timedelta(days=int(kind[3]))
    if kind == "in_n":
        raw = m.group(1).lower()
        n = int(raw) if raw.isdigit() else _NUM[raw]
        return today + timedelta(days=n * (7 if m.group(2).lower() == "week" else 1))
    return None


def resolve_due(text: str, today: date) -> tuple[date | None, str | None]:
    """The first due-date phrase in `text` (earliest in the text), resolved; else (None, None)."""
    best: tuple[int, date, str] | None = None
    for pattern, kind in PATTERNS:
        for m in pattern.finditer(text):
            d = _resolve(kind, m, today)
            if d is not None and (best is None or m.start() < best[0]):
                best = (m.start(), d, m.group(0))
            break
    return (best[1], best[2]) if best else (None, None)
