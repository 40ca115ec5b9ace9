"""Drawing primitives for the generated screen recordings: fonts, a Screen that records what
text it drew and where (the truth bench/screen.py scores against), the window chrome and clock,
and the fake secrets some scenes show."""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

W, H = 1920, 1080
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_FONTS = {
    (False, False): "DejaVuSans.ttf",
    (False, True): "DejaVuSans-Bold.ttf",
    (True, False): "DejaVuSansMono.ttf",
    (True, True): "DejaVuSansMono-Bold.ttf",
}
_font_cache: dict[tuple, ImageFont.FreeTypeFont] = {}


def font(size: int, mono: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    key = (size, mono, bold)
    if key not in _font_cache:
        try:
            _font_cache[key] = ImageFont.truetype(_FONTS[(mono, bold)], size)
        except OSError:  # no DejaVu (apt-get install fonts-dejavu-core): Pillow's own font
            _font_cache[key] = ImageFont.load_default(size)
    return _font_cache[key]


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


@dataclass
class Screen:
    """An image plus every text drawn on it (with its box and role)."""

    bg: str
    texts: list[dict] = field(default_factory=list)
    cursor: tuple[int, int, int, int] | None = None

    def __post_init__(self) -> None:
        self.img = Image.new("RGB", (W, H), self.bg)
        self.d = ImageDraw.Draw(self.img)

    def rect(self, box, fill=None, outline=None, width=1) -> None:
        self.d.rectangle(box, fill=fill, outline=outline, width=width)

    def text(self, x, y, s, size, fill, mono=False, bold=False, role="", anchor="la") -> tuple:
        """Draw `s` with its top-left (or `anchor`) at x, y; returns its box."""
        f = font(size, mono, bold)
        box = tuple(int(v) for v in self.d.textbbox((x, y), s, font=f, anchor=anchor))
        if box[0] < 0 or box[1] < 0 or box[2] > W or box[3] > H:
            raise ValueError(f"text {s!r} at {box} leaves the {W}x{H} screen")
        self.d.text((x, y), s, fill=fill, font=f, anchor=anchor)
        if s.strip():
            self.texts.append({"text": s, "box": list(box), "role": role})
        return box

    def parts(self, x, y, parts, size, fill, mono=False, secret_fill=None) -> int:
        """Draw text pieces side by side ([(text, role)]); returns the x after the last one."""
        f = font(size, mono)
        for s, role in parts:
            if s:
                self.text(
                    x, y, s, size, secret_fill if role and secret_fill else fill, mono, role=role
                )
                x += f.getlength(s)
        return int(x)

    def width(self, s, size, mono=False, bold=False) -> float:
        return font(size, mono, bold).getlength(s)

    def wrap(self, s, size, max_width, bold=False) -> list[str]:
        lines, line = [], ""
        for word in s.split():
            trial = f"{line} {word}".strip()
            if line and self.width(trial, size, bold=bold) > max_width:
                lines.append(line)
                line = word
            else:
                line = trial
        return [*lines, line] if line else lines


# -- secrets ------------------------------------------------------------------------------


def make_secrets(rng: random.Random) -> dict[str, str]:
    alnum = string.ascii_letters + string.digits

    def pick(chars, n):
        return "".join(rng.choice(chars) for _ in range(n))

    word = rng.choice(["Harbor", "Copper", "Falcon", "Meadow", "Juniper", "Orchid", "Summit"])
    return {
        "openai": "sk-proj-" + pick(alnum, 32),
        "aws": "AKIA" + pick(string.ascii_uppercase + string.digits, 16),
        "github": "ghp_" + pick(alnum, 36),
        "stripe": "sk_live_" + pick(alnum, 24),
        "password": word + rng.choice("#@%") + pick(string.digits, 4) + pick("kqxz", 2),
    }


SECRET_KIND = {"openai": "api_key", "aws": "api_key", "github": "api_key", "stripe": "api_key"}
SECRET_KIND["password"] = "password"
_PLACEHOLDER = re.compile(r"\{(openai|aws|github|stripe|password)\}")


def split_secret(line: str, secrets: dict[str, str]) -> list[tuple[str, str]]:
    """'KEY = {aws}' -> [('KEY = ', ''), ('AKIA…', 'secret:api_key')] (braces {{ }} unescaped)."""
    out, last = [], 0
    for m in _PLACEHOLDER.finditer(line):
        out.append((line[last : m.start()].replace("{{", "{").replace("}}", "}"), ""))
        out.append((secrets[m.group(1)], "secret:" + SECRET_KIND[m.group(1)]))
        last = m.end()
    out.append((line[last:].replace("{{", "{").replace("}}", "}"), ""))
    return [p for p in out if p[0]]


# -- desktop chrome -------------------------------------------------------------------------

THEMES = {
    "light": {"bg": "#ffffff", "fg": "#1f1f1f", "muted": "#6b6b6b", "bar": "#ebebeb"},
    "dark": {"bg": "#1e1f22", "fg": "#e6e6e6", "muted": "#9a9a9a", "bar": "#2b2d30"},
    "sepia": {"bg": "#fbf6ea", "fg": "#3a2f1f", "muted": "#7d6e58", "bar": "#efe6d2"},
}
CHROME = 64  # panel (28 px) + title bar (36 px)


def chrome(scr: Screen, title: str, theme: dict, clock: str) -> None:
    scr.rect([0, 0, W, 28], fill="#111111")
    scr.text(16, 6, "Activities", 14, "#f0f0f0")
    scr.rect([0, 28, W, CHROME], fill=theme["bar"])
    scr.text(W // 2, 46, title, 15, theme["fg"], bold=True, anchor="mm")
    draw_clock(scr, clock)


def clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def draw_clock(scr: Screen, clock: str, record: bool = True) -> None:
    scr.rect([W // 2 - 70, 4, W // 2 + 70, 25], fill="#111111")
    if record:
        scr.text(W // 2, 15, clock, 14, "#f0f0f0", role="clock", anchor="mm")
    else:
        scr.d.text((W // 2, 15), clock, fill="#f0f0f0", font=font(14), anchor="mm")


# -- scenes ---------------------------------------------------------------------------------
