"""Screen text in reading order: OCR lines -> rows -> blocks, and one text with where each line is.

Rows keep a table row together ("Paid ads  $15,000  $12,100"). Blocks keep side-by-side panes
apart: a chat's channel list is read before its messages, not interleaved with them. A
vertical gutter splits the screen into panes unless the text on both sides lines up row by row
(then it is a table and stays rows). The top band (panel, title bar) is read first.

`ScreenText.text` writes each row on its own line, cells separated by a tab (pieces of one line
that OCR read apart are joined by a space), and
`ScreenText.spans` says where each OCR line sits in it, so a finding in the text (a secret)
maps back to its place on screen.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from copilot.vision.ocr import OcrLine, centre_y, rows_of

TOP_BAND = 0.08  # of the screen height, and at least TOP_BAND_PX: panel and title bar
TOP_BAND_PX = 72
MIN_GUTTER = 0.015  # of the screen width
MAX_DEPTH = 6
BAND_GAP = 1.0  # an empty strip this many (median) line heights tall separates bands
MIN_PANE_LINES = 6
CELL_GAP = 0.2  # pieces of a row closer than this many line heights are one cell
TABLE_ALIGNED = 0.7  # share of one side's lines on the other side's rows that means a table


@dataclass(frozen=True)
class ScreenText:
    """Rows in reading order (grouped in blocks), the joined text and each line's span in it."""

    blocks: tuple[tuple[tuple[OcrLine, ...], ...], ...]
    size: tuple[int, int]  # width, height of the frame the boxes are in
    header_rows: int = 0  # how many rows of the first block are the top band

    @property
    def rows(self) -> list[tuple[OcrLine, ...]]:
        return [row for block in self.blocks for row in block]

    @property
    def lines(self) -> list[OcrLine]:
        return [ln for row in self.rows for ln in row]

    @property
    def text(self) -> str:
        return "\n".join("\t".join(cells(row)) for row in self.rows)

    @property
    def spans(self) -> list[tuple[OcrLine, int, int]]:
        """(line, start, end) of every line in `text`."""
        out, pos = [], 0
        for row in self.rows:
            for i, ln in enumerate(row):
                if i:
                    pos += 1  # the tab or space before it
                out.append((ln, pos, pos + len(ln.text)))
                pos += len(ln.text)
            pos += 1  # the newline
        return out


def cells(row) -> list[str]:
    """A row's cells: pieces of one line that OCR read apart (touching, overlapping, or less
    than a fifth of a line height apart) are joined by a space; cells further apart stay."""
    out: list[str] = []
    prev = None
    for ln in row:
        if prev is not None and ln.box[0] - prev.box[2] < CELL_GAP * min(ln.height, prev.height):
            out[-1] += " " + ln.text
        else:
            out.append(ln.text)
        prev = ln
    return out


def layout(lines: list[OcrLine], size: tuple[int, int] | None = None) -> ScreenText:
    """Lay `lines` (frame pixels; `size` = frame width, height) out in reading order."""
    if size is None:
        size = (
            max((ln.box[2] for ln in lines), default=0),
            max((ln.box[3] for ln in lines), default=0),
        )
    rows = rows_of(lines)
    band = max(TOP_BAND * size[1], TOP_BAND_PX)
    top = [r for r in rows if max(ln.box[3] for ln in r) <= band]
    body = [ln for r in rows if r not in top for ln in r]
    blocks = [tuple(tuple(r) for r in top)] if top else []
    min_gap = max(12, MIN_GUTTER * size[0])
    heights = sorted(ln.height for ln in body)
    band_gap = BAND_GAP * (heights[len(heights) // 2] if heights else 0)
    for block in _split(body, min_gap, band_gap, 0):
        blocks.append(tuple(tuple(r) for r in rows_of(block)))
    return ScreenText(tuple(b for b in blocks if b), size, len(top))


def _split(lines: list[OcrLine], min_gap: float, band_gap: float, depth: int) -> list:
    """Blocks in reading order (an X-Y cut): bands apart by a wide empty strip are read top to
    bottom; within a band, panes apart by an empty column are read left to right."""
    if depth >= MAX_DEPTH or len(lines) < 2:
        return [lines]
    bands = _bands(lines, band_gap)
    if len(bands) > 1:
        return [b for band in bands for b in _split(band, min_gap, band_gap, depth + 1)]
    panes = _panes(lines, min_gap)
    if len(panes) == 1:
        return panes
    return [b for pane in panes for b in _split(pane, min_gap, band_gap, depth + 1)]


def _bands(lines: list[OcrLine], band_gap: float) -> list[list[OcrLine]]:
    """Split where no line covers a horizontal strip at least `band_gap` tall."""
    out: list[list[OcrLine]] = []
    bottom = None
    for ln in sorted(lines, key=lambda ln: ln.box[1]):
        if bottom is not None and ln.box[1] - bottom < band_gap:
            out[-1].append(ln)
            bottom = max(bottom, ln.box[3])
        else:
            out.append([ln])
            bottom = ln.box[3]
    return out


def _panes(lines: list[OcrLine], min_gap: float) -> list[list[OcrLine]]:
    """[header, left, right, footer] at the gutter whose sides share the fewest rows (not a
    table), or [lines] when there is none."""
    if len(lines) < MIN_PANE_LINES:
        return [lines]
    best = None
    for lo, hi in _gutters(lines, min_gap):
        left = [ln for ln in lines if ln.box[2] <= lo]
        right = [ln for ln in lines if ln.box[0] >= hi]
        cross = [ln for ln in lines if ln.box[2] > lo and ln.box[0] < hi]
        if len(left) < 2 or len(right) < 2:
            continue
        # a line across the gap is a header when it is above where one side begins
        body_top = max(min(ln.box[1] for ln in left), min(ln.box[1] for ln in right))
        body_end = min(max(ln.box[3] for ln in left), max(ln.box[3] for ln in right))
        header = [ln for ln in cross if ln.box[3] <= body_top + 2]
        footer = [ln for ln in cross if ln.box[1] >= body_end - 2]
        aligned = _aligned(left, right)
        if len(header) + len(footer) != len(cross) or aligned >= TABLE_ALIGNED:
            continue  # a line runs across the gap, or both sides line up: a table
        # the clearest split first: sides that share the fewest rows, then the widest gap
        key = (-aligned, hi - lo)
        if best is None or key > best[0]:
            best = (key, [header, left, right, footer])
    if best is None:
        return [lines]
    return [part for part in best[1] if part]


def _gutters(lines: list[OcrLine], min_gap: float) -> list[tuple[int, int]]:
    """Empty vertical strips between the lines' x ranges, at least `min_gap` wide. A few lines
    may run across a strip (they may be a header or footer); a line that only reaches into
    it narrows it."""
    spans = sorted((ln.box[0], ln.box[2]) for ln in lines)
    allowed = max(1, len(lines) // 10)
    xs = sorted({x for span in spans for x in span})
    strips: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(xs):
        if sum(1 for x0, x1 in spans if x0 < b and x1 > a) <= allowed:
            if strips and strips[-1][1] == a:
                strips[-1] = (strips[-1][0], b)
            else:
                strips.append((a, b))
    first, last = spans[0][0], max(x1 for _, x1 in spans)
    out = []
    for lo, hi in strips:
        for x0, x1 in spans:
            if x0 < hi and x1 > lo and not (x0 <= lo and x1 >= hi):
                if x0 <= lo:
                    lo = max(lo, x1)
                elif x1 >= hi:
                    hi = min(hi, x0)
        if hi - lo >= min_gap and lo > first and hi < last:
            out.append((lo, hi))
    return out


def _aligned(left: list[OcrLine], right: list[OcrLine]) -> float:
    """Share of the smaller side's lines that have a line on the other side in the same row."""
    small, big = (left, right) if len(left) <= len(right) else (right, left)
    hits = 0
    for ln in small:
        c = centre_y(ln)
        # cells of one table row share a baseline; panes beside each other only meet by chance
        if any(abs(centre_y(o) - c) <= max(3, min(o.height, ln.height) / 5) for o in big):
            hits += 1
    return hits / len(small)
