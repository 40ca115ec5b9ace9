"""Offline screen "understanding": OCR lines + window title/app -> one short sentence.

No model is involved: the kind of screen (spreadsheet, code editor, terminal, browser, chat,
slides, document, email, video call, error dialog / stack trace) is recognised from the window
class, the title and tell-tale text, the document name is taken from the title, and the few
lines most relevant to the prompt are quoted. The full OCR text is kept separately (for search),
so the description can stay short: "User is viewing a spreadsheet 'Q3 Budget' in LibreOffice
Calc; visible: Revenue 1.2M, Costs 800K".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.vision.ocr import OcrLine

# kind -> (app pattern: searched in WM_CLASS, or as word starts in the title; title pattern).
# The first kind that matches wins, so the order puts the most telling evidence first.
_APPS = [
    ("spreadsheet", r"calc|excel|sheets|numbers|gnumeric", r"\.(xlsx?|ods|csv)\b"),
    ("slide deck", r"impress|powerpoint|keynote|slides", r"\.(pptx?|odp|key)\b"),
    ("document", r"writer|word|docs|pages|evince|okular|acroread", r"\.(docx?|odt|pdf|md)\b"),
    (
        "code editor",
        r"code|vscodium|vim|emacs|pycharm|jetbrains|idea|sublime|zed|kate|gedit|geany",
        r"\.(py|js|ts|tsx|go|rs|java|c|cpp|h|rb|kt|swift|cs|php|sh|toml|yaml|json)\b",
    ),
    (
        "terminal",
        r"term|konsole|alacritty|kitty|tilix|wezterm|xterm|terminator|foot|iterm",
        r"^\S+@\S+:|bash|zsh|fish",
    ),
    (
        "chat app",
        r"slack|discord|telegram|whatsapp|signal|element|zulip|mattermost|teams",
        r"slack|discord|chat",
    ),
    ("video call", r"zoom|meet|webex|jitsi", r"zoom meeting|google meet|meeting"),
    ("email client", r"thunderbird|outlook|evolution|geary|mail", r"inbox|gmail"),
    (
        "web browser",
        r"firefox|chrom|brave|safari|edge|opera|vivaldi|epiphany",
        r"mozilla|chrome",
    ),
]
_APP_NAMES = {
    "libreoffice-calc": "LibreOffice Calc",
    "libreoffice-impress": "LibreOffice Impress",
    "libreoffice-writer": "LibreOffice Writer",
    "code": "VS Code",
    "gnome-terminal-server": "GNOME Terminal",
    "org.gnome.terminal": "GNOME Terminal",
    "firefox": "Firefox",
    "google-chrome": "Chrome",
    "chromium": "Chromium",
    "slack": "Slack",
}
_ERROR_TEXT = re.compile(
    r"Traceback \(most recent call last\)|^\s*at [\w.$]+\(.*\)|\b\w*(Error|Exception):|"
    r"panicked at|Segmentation fault|FATAL|unhandled exception",
    re.IGNORECASE | re.MULTILINE,
)
_CODE_TEXT = re.compile(
    r"^\s*(def |class |import |from \S+ import|function |const |let |fn |#include|public |func )",
    re.MULTILINE,
)
_SHELL_TEXT = re.compile(r"(^|\n)\s*(\S+@\S+[:~][^\n]*[$#]|\$ \S)")
_URL_TEXT = re.compile(r"https?://|www\.|\.(com|org|net|io)\b")
_GRID_TEXT = re.compile(r"^\s*[A-Z]\s*$|\b[A-Z][0-9]{1,4}\b")
_MENU_WORDS = (
    "file edit view insert format tools data window help selection go run terminal sheet "
    "history bookmarks profiles tab slide table"
)
_MENU = frozenset(_MENU_WORDS.split())
_CLOCK = re.compile(r"^\d{1,2}[:.]\d{2}([:.]\d{2})?(\s?[AaPp][Mm])?$|^\d{1,4}([-/.]\d{1,2}){2}$")
_TITLE_SPLIT = re.compile(r"\s+[-–—|]\s+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%$€£-]*")
_STOP = frozenset(
    "a an the of to in on for and or what is are was user doing describe screen show shows".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Description:
    """The sentence, the recognised kind, and the app/document names it used."""

    text: str
    kind: str
    app: str = ""
    document: str = ""


def _pretty_app(app: str, title_app: str) -> str:
    key = app.lower()
    if key in _APP_NAMES:
        return _APP_NAMES[key]
    if title_app:
        return title_app
    return app.replace("-", " ").title() if app and key not in ("tk", "toplevel") else ""


def split_title(title: str) -> tuple[str, str]:
    """'Q3 Budget.ods - LibreOffice Calc' -> ('Q3 Budget.ods', 'LibreOffice Calc')."""
    parts = [p.strip() for p in _TITLE_SPLIT.split(title.strip()) if p.strip()]
    if len(parts) >= 2:
        return " - ".join(parts[:-1]), parts[-1]
    return (parts[0] if parts else ""), ""


def classify(title: str, app: str, text: str) -> str:
    """The kind of screen, from the strongest evidence available."""
    if _ERROR_TEXT.search(text) or re.search(r"\berror\b", title, re.IGNORECASE):
        return "error"
    low_app, low_title = app.lower(), title.lower()
    for kind, app_pat, _title_pat in _APPS:
        if low_app and re.search(app_pat, low_app):
            return kind
    for kind, app_pat, title_pat in _APPS:
        if re.search(rf"\b(?:{app_pat})", low_title) or re.search(title_pat, low_title):
            return kind
    if _SHELL_TEXT.search(text):
        return "terminal"
    if len(_CODE_TEXT.findall(text)) >= 2:
        return "code editor"
    if _URL_TEXT.search(text):
        return "web browser"
    if len(_GRID_TEXT.findall(text)) >= 6:
        return "spreadsheet"
    return "window" if title or app else "screen"


def _error_line(lines: list[OcrLine]) -> str:
    for line in reversed(lines):  # the last error line of a traceback names the exception
        if re.search(r"\b\w*(Error|Exception)\b:?", line.text) and not line.text.startswith(
            "Traceback"
        ):
            return line.text.strip()
    return next((ln.text for ln in lines if _ERROR_TEXT.search(ln.text)), "")


def _pick(lines: list[OcrLine], prompt: str, skip: set[str], limit: int) -> list[str]:
    """The lines most worth quoting: words shared with the prompt first, then big, then early."""
    terms = {w.lower() for w in _WORD.findall(prompt or "")} - _STOP
    scored, clocks = [], []
    for order, line in enumerate(lines):
        text = " ".join(line.text.split())
        if len(text) < 2 or text.lower() in skip:
            continue
        words = {w.lower() for w in _WORD.findall(text)}
        if len(words) >= 3 and len(words & _MENU) >= len(words) - 1:
            continue  # a menu bar says nothing about what the user is doing
        score = 3 * len(words & terms) + min(line.height, 60) / 30 + line.confidence
        (clocks if _CLOCK.match(text) else scored).append((-score, order, text))
    if not scored:
        scored = clocks  # a clock or a date is quoted only when nothing else is readable
    chosen, total = [], 0
    for _, order, text in sorted(scored):  # best first, within a length budget
        if len(chosen) == limit:
            break
        text = text if len(text) <= 80 else text[:77] + "…"
        if chosen and total + len(text) > 160:
            continue
        chosen.append((order, text))
        total += len(text)
    out = [text for _, text in sorted(chosen)]  # quoted in reading order
    return out


def describe_screen(
    lines: list[OcrLine],
    title: str = "",
    app: str = "",
    prompt: str = "",
    max_items: int = 4,
) -> Description:
    """A one-sentence answer to `prompt` from what text alone can tell."""
    text = "\n".join(ln.text for ln in lines)
    document, title_app = split_title(title)
    pretty = _pretty_app(app, title_app)
    if document and pretty and document.lower() == pretty.lower():
        document = ""
    kind = classify(title, app, text)
    where = f" in {pretty}" if pretty else ""
    name = f" '{document}'" if document else ""
    if kind == "error":
        err = _error_line(lines) or (title or "an error")
        base = f"User is looking at an error{where}: {err}"
        visible = []
    else:
        noun = {"window": "a window", "screen": "the screen"}.get(kind, f"a {kind}")
        if kind == "screen" and not name:
            base = "Screen shows" if lines else "Screen shows no readable text"
        else:
            base = f"User is viewing {noun}{name}{where}"
        skip = {document.lower(), title.lower(), pretty.lower()}
        visible = _pick(lines, prompt, skip, max_items)
    if kind == "screen" and not name:
        sentence = f"{base}: {', '.join(visible)}" if visible else base
    else:
        sentence = f"{base}; visible: {', '.join(visible)}" if visible else base
    return Description(text=sentence, kind=kind, app=pretty, document=document)
