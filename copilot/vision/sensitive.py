"""Secrets on screen: where a detected secret is (boxes from the OCR lines), and black boxes
over it in the images that are kept.

The detectors are the sensitive-content ones (copilot.intelligence.sensitive), run on the
screen's text in reading order (`ScreenText.text`). A finding ends with its row (a private key
block excepted) and maps back through the lines' spans to the part of each OCR box it covers.
Within a line the characters are assumed evenly wide, so the box is padded by two characters
on each side (more black, never less).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from copilot.vision.layout import ScreenText
from copilot.vision.ocr import OcrLine

MULTILINE = frozenset({"private_key"})  # kinds whose value may run over several rows


@dataclass(frozen=True)
class SecretRegion:
    """What kind of secret, and where: (x0, y0, x1, y1) in the frame's pixels."""

    kind: str
    box: tuple[int, int, int, int]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "box": list(self.box)}


def find_secrets(screen: ScreenText, min_confidence: float = 0.7):
    """(regions, findings) of the secrets in the screen's text."""
    from copilot.intelligence.sensitive import detect

    text = screen.text
    findings = []
    for f in detect(text, min_confidence):
        if f.detector == "redacted":
            continue
        row_end = text.find("\n", f.start)
        if f.kind not in MULTILINE and 0 <= row_end < f.end:  # a secret on screen is one row
            f = dataclasses.replace(f, end=row_end, value=text[f.start : row_end])
        findings.append(f)
    regions = []
    for f in findings:
        for line, start, end in screen.spans:
            lo, hi = max(start, f.start), min(end, f.end)
            if lo < hi:
                regions.append(SecretRegion(f.kind, _part(line, lo - start, hi - start)))
    return regions, findings


def _part(line: OcrLine, a: int, b: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = line.box
    n = max(1, len(line.text))
    char = (x1 - x0) / n
    pad_y = max(2, round(line.height * 0.15))
    left = x0 + char * a - 2 * char
    right = x0 + char * b + 2 * char
    return (int(max(x0 - 2, left)), y0 - pad_y, int(min(x1 + 2, right) + 0.999), y1 + pad_y)


def redacted(screen: ScreenText, findings) -> ScreenText:
    """The same screen with every finding replaced by `[REDACTED:<kind>]` in its lines."""
    from copilot.intelligence.sensitive import redact

    if not findings:
        return screen
    new = {}
    for line, start, end in screen.spans:
        own = [
            dataclasses.replace(f, start=max(f.start, start) - start, end=min(f.end, end) - start)
            for f in findings
            if f.start < end and start < f.end
        ]
        if own:
            new[id(line)] = dataclasses.replace(line, text=redact(line.text, own))
    blocks = tuple(
        tuple(tuple(new.get(id(ln), ln) for ln in row) for row in block) for block in screen.blocks
    )
    return dataclasses.replace(screen, blocks=blocks)


def paint(frame: np.ndarray, regions, scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """A copy of `frame` with each region (in source pixels × `scale`) painted black."""
    out = frame.copy()
    h, w = out.shape[:2]
    sx, sy = scale
    for region in regions:
        x0, y0, x1, y1 = region.box if isinstance(region, SecretRegion) else region
        x0, y0 = max(0, int(x0 * sx)), max(0, int(y0 * sy))
        x1, y1 = min(w, int(x1 * sx + 0.999)), min(h, int(y1 * sy + 0.999))
        if x1 > x0 and y1 > y0:
            out[y0:y1, x0:x1] = 0
    return out
