"""Offline screen "understanding": the screen's text in reading order + its title -> a sentence.

No model is involved, so no prompt is followed: the sentence says what the screen is (the
kind of app, the document or window title, the app) and quotes its important text in reading
order — table rows as rows ("Paid ads | 15,000 | 12,100"), a stack trace's head, last frame and
error, a slide's title and bullets. A long screen is summarised within a length budget (rows
sharing words with the prompt, errors and headings first; "…" marks what was left out); the
full text is kept separately (`ScreenText.text`, the event's `ocr_text`) for search.

"User is viewing a spreadsheet 'Q3 Budget.xlsx' in LibreOffice Calc: Channel | Planned;
Paid ads | $56,800; …; Total | $211,400"
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.vision.kinds import (
    CLOCK,
    ERROR_TEXT,
    classify,
    has_error,
    is_panel,
    pretty_app,
    split_title,
    title_row,
)
from copilot.vision.layout import ScreenText, layout
from copilot.vision.layout import cells as row_cells
from copilot.vision.ocr import OcrLine

BUDGET = 600  # characters of quoted screen text
MAX_ROW = 160  # characters of one quoted row
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%$€£-]*")
_STOP = frozenset(
    "a an the of to in on for and or what is are was user doing describe screen show shows".split()  # noqa: SIM905
)
_MENU_WORDS = (
    "file edit view insert format tools data window help selection go run terminal sheet "
    "history bookmarks profiles tab slide table"
)
_MENU = frozenset(_MENU_WORDS.split())
_ROW_NUMBER = re.compile(r"^\d{1,5}$")
_COLUMN_LETTER = re.compile(r"^[A-Z]{1,2}$")
_TRACE_HEAD = re.compile(r"Traceback \(most recent call last\)|^Exception in thread|^panic:")
_FRAME = re.compile(r'^\s*(File ".*", line \d+|at \S.*\(.*\)|at \S+:\d+)')
_EXCEPTION = re.compile(r"\b\w*(Error|Exception)\b:?|^Error:|panicked at", re.IGNORECASE)
_NUMBERED_KINDS = ("spreadsheet", "code editor")


@dataclass(frozen=True)
class Description:
    """The sentence, the recognised kind, and the app/document/title names it used."""

    text: str
    kind: str
    app: str = ""
    document: str = ""
    title: str = ""


def describe_screen(
    lines: list[OcrLine] | ScreenText,
    title: str = "",
    app: str = "",
    prompt: str = "",
    size: tuple[int, int] | None = None,
) -> Description:
    """One sentence saying what is on screen; `title`/`app` come from the window system when
    it knows them, else the title is read off the screen's title bar."""
    screen = lines if isinstance(lines, ScreenText) else layout(list(lines), size)
    rows = [tuple(r) for r in screen.rows]
    skip: set[int] = set()
    top = rows[: screen.header_rows]
    for i, row in enumerate(top):
        if is_panel(row):
            skip.add(i)
    if not title:
        found = title_row(top)
        if found is not None:
            title = " ".join(ln.text for ln in top[found])
            skip.add(found)
    text = screen.text
    document, title_app = split_title(title)
    pretty = pretty_app(app, title_app)
    if document and pretty and document.lower() == pretty.lower():
        document = ""
    kind = classify(title, app, text)
    where = f" in {pretty}" if pretty else ""
    name = f" '{document}'" if document else ""
    error = has_error(title, text)
    quoted = _quote(rows, skip, kind, prompt, {document.lower(), title.lower(), pretty.lower()})
    if kind == "error":
        err = _error_line([ln for r in rows for ln in r]) or title or "an error"
        base = f"User is looking at an error{where}"
        quoted = quoted or err
    elif kind == "screen" and not name:
        base = "Screen shows" if rows else "Screen shows no readable text"
    else:
        noun = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
        verb = "is looking at an error in" if error else "is viewing"
        base = f"User {verb} {noun}{name}{where}"
    sentence = f"{base}: {quoted}" if quoted else base
    return Description(text=sentence, kind=kind, app=pretty, document=document, title=title)


def _cells(row: tuple[OcrLine, ...], kind: str) -> list[str]:
    cells = [" ".join(c.split()) for c in row_cells(row)]
    if kind in _NUMBERED_KINDS and len(cells) > 1 and _ROW_NUMBER.match(cells[0]):
        cells = cells[1:]  # a row number or a line number
    return [c for c in cells if c]


def _chrome(cells: list[str]) -> bool:
    """A menu bar, a column-letter header, or a lone clock: says nothing about the screen."""
    words = {w.lower() for c in cells for w in _WORD.findall(c)}
    if len(words) >= 3 and len(words & _MENU) >= len(words) - 1:
        return True
    if len(cells) >= 3 and all(_COLUMN_LETTER.match(c) for c in cells):
        return True
    return all(CLOCK.match(c) for c in cells)


def _quote(rows, skip: set[int], kind: str, prompt: str, names: set[str]) -> str:
    """The rows worth quoting, in reading order, within BUDGET characters."""
    terms = {w.lower() for w in _WORD.findall(prompt or "")} - _STOP
    heights = sorted(ln.height for r in rows for ln in r) or [0]
    tall = heights[len(heights) // 2] * 1.3
    candidates = []  # (priority, order, text)
    trace = _trace_rows(rows)
    for order, row in enumerate(rows):
        if order in skip:
            continue
        cells = _cells(row, kind)
        text = " | ".join(cells)
        if len(text) < 2 or _chrome(cells) or text.lower() in names:
            continue
        if len(text) > MAX_ROW:
            text = text[: MAX_ROW - 1] + "…"
        words = {w.lower() for w in _WORD.findall(text)}
        priority = 0.0
        if words & terms:
            priority += 3 + len(words & terms)
        if order in trace:
            priority += trace[order]
        if max(ln.height for ln in row) >= tall:
            priority += 1
        candidates.append((priority, order, text))
    chosen, total = [], 0
    for _priority, order, text in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if total + len(text) > BUDGET and chosen:
            continue
        chosen.append((order, text))
        total += len(text) + 2
    chosen.sort()
    out, last = [], None
    kept = {order for _, order, _ in candidates}
    for order, text in chosen:
        if last is not None and any(last < o < order for o in kept):
            out.append("…")
        out.append(text)
        last = order
    if chosen and any(o > last for o in kept):
        out.append("…")
    return _join(out)


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out:
            out += " " if out.endswith(":") or part == "…" or out.endswith("…") else "; "
        out += part
    return out


def _trace_rows(rows) -> dict[int, float]:
    """Priorities for a stack trace's rows: its head, its last frame and the error line."""
    texts = [" ".join(ln.text for ln in row) for row in rows]
    out: dict[int, float] = {}
    for i, text in enumerate(texts):
        if _TRACE_HEAD.search(text):
            out[i] = 4
    frames = [i for i, t in enumerate(texts) if _FRAME.match(t)]
    if frames:
        out[frames[-1]] = max(out.get(frames[-1], 0), 3)
        if frames[-1] + 1 < len(texts) and not _FRAME.match(texts[frames[-1] + 1]):
            out.setdefault(frames[-1] + 1, 2)  # the code line of the last frame
    for i, text in enumerate(texts):
        if _EXCEPTION.search(text) and not _TRACE_HEAD.search(text) and not _FRAME.match(text):
            out[i] = max(out.get(i, 0), 5)
    if out:  # the command that failed, just above the trace
        first = min(out)
        for i in range(first - 1, max(-1, first - 6), -1):
            if re.search(r"[$#>] \S", texts[i]):
                out.setdefault(i, 3)
                break
    return out


def _error_line(lines: list[OcrLine]) -> str:
    for line in reversed(lines):  # the last error line of a traceback names the exception
        if re.search(r"\b\w*(Error|Exception)\b:?", line.text) and not line.text.startswith(
            "Traceback"
        ):
            return line.text.strip()
    return next((ln.text for ln in lines if ERROR_TEXT.search(ln.text)), "")
