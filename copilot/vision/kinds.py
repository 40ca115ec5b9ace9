"""What a screen is: the window title (from the window system or read off the title bar), the
document and app it names, and the kind of app (spreadsheet, terminal, chat, …).

Evidence in order of strength: the window class, the title (app names, file extensions), then
tell-tale text (a shell prompt, code, URLs, a cell grid, mail headers, call controls).
"""

from __future__ import annotations

import re

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
        r"\.(py|js|ts|tsx|go|rs|java|c|cpp|h|rb|kt|swift|cs|php|sh|toml|yaml|json|env|tf)\b",
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
ERROR_TEXT = re.compile(
    r"Traceback \(most recent call last\)|^\s*at [\w.$<>\[\] ]+\(.*\)|\b\w*(Error|Exception):|"
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
_MAIL_TEXT = re.compile(r"^\s*(From|To|Cc|Subject):", re.MULTILINE)
_CALL_TEXT = re.compile(r"\b(Mute|Unmute|Stop Video|Start Video|Share Screen|Leave)\b")
_SLIDE_TEXT = re.compile(r"\bSlide \d+ (of|/) \d+\b")
_TITLE_SPLIT = re.compile(r"\s+[-–—|]\s+")
_FILE = re.compile(r"\S\.[A-Za-z0-9]{1,5}$")
CLOCK = re.compile(
    r"^(\w{3} )?\d{1,2}[:.]\d{2}([:.]\d{2})?(\s?[AaPp][Mm])?$|^\d{1,4}([-/.]\d{1,2}){2}$"
)
_PANEL_WORDS = frozenset({"activities", "applications", "places"})


def split_title(title: str) -> tuple[str, str]:
    """'Q3 Budget.ods - LibreOffice Calc' -> ('Q3 Budget.ods', 'LibreOffice Calc'); a part
    naming a file is the document even when the app comes first ('Sheets - Q3 Budget.xlsx')."""
    parts = [p.strip() for p in _TITLE_SPLIT.split(title.strip()) if p.strip()]
    if len(parts) >= 2:
        if _FILE.search(parts[0]) or not _FILE.search(parts[-1]):
            return " - ".join(parts[:-1]), parts[-1]
        return " - ".join(parts[1:]), parts[0]
    return (parts[0] if parts else ""), ""


def pretty_app(app: str, title_app: str) -> str:
    key = app.lower()
    if key in _APP_NAMES:
        return _APP_NAMES[key]
    if title_app:
        return title_app
    return app.replace("-", " ").title() if app and key not in ("tk", "toplevel") else ""


def classify(title: str, app: str, text: str) -> str:
    """The kind of app on screen, from the strongest evidence available; "error" when nothing
    but an error message tells."""
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
    if len(_MAIL_TEXT.findall(text)) >= 2:
        return "email client"
    if len(_CALL_TEXT.findall(text)) >= 2:
        return "video call"
    if _SLIDE_TEXT.search(text):
        return "slide deck"
    if _URL_TEXT.search(text):
        return "web browser"
    if len(_GRID_TEXT.findall(text)) >= 6:
        return "spreadsheet"
    if has_error(title, text):
        return "error"
    return "window" if title or app else "screen"


def has_error(title: str, text: str) -> bool:
    return bool(ERROR_TEXT.search(text) or re.search(r"\berror\b", title, re.IGNORECASE))


def is_panel(row: tuple[OcrLine, ...] | list[OcrLine]) -> bool:
    """A desktop panel row: only clocks, dates and launcher words."""
    return all(CLOCK.match(ln.text.strip()) or ln.text.lower() in _PANEL_WORDS for ln in row)


def title_row(top_rows: list) -> int | None:
    """Which of the screen's top-band rows is the window title, if any: the one that reads like
    a title ('Doc.xlsx - App', a known app name), else the widest that is not a panel."""
    best, best_score = None, 0.0
    for i, row in enumerate(top_rows):
        if is_panel(row):
            continue
        text = " ".join(ln.text for ln in row)
        score = 1.0 + len(text) / 200
        if _TITLE_SPLIT.search(text) or _FILE.search(split_title(text)[0]):
            score += 2
        if any(re.search(rf"\b(?:{app})", text.lower()) for _, app, _ in _APPS):
            score += 1
        if score > best_score:
            best, best_score = i, score
    return best
