"""The text of one document as a single string whose every character knows its box.

Extractors search `DocText.text` with patterns and gazetteers; whatever span they settle on,
`DocText.evidence(start, end)` turns it back into the file, page, bounding box, the text read and
the OCR confidence of exactly those characters, so a reviewer can be shown the pixels.

Characters map to OCR words when the engine gave per-character/per-word boxes that spell the
line; otherwise a span's box is the matching slice of the line box (characters of a printed line
are near-uniform in width, so the slice is a close estimate, and it is marked as such by the
line's own confidence). DOCX/XLSX text has no geometry: its evidence has no bbox.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.records import BBox, Evidence, Line, PageText

LINE_BREAK = "\n"
PAGE_BREAK = "\n\n"


@dataclass(frozen=True)
class TextLine:
    """One line of the document text: its span in `DocText.text` and where it came from."""

    start: int
    end: int
    page: PageText
    line: Line
    index: int  # position of the line in its page


@dataclass(frozen=True)
class _Box:
    bbox: BBox | None
    confidence: float


class DocText:
    """Pages joined into one string; `joiner` separates lines ("" reads prose across line ends)."""

    def __init__(self, pages: Sequence[PageText], joiner: str = LINE_BREAK):
        parts: list[str] = []
        self.lines: list[TextLine] = []
        self._boxes: list[_Box | None] = []  # one per character of text; None for separators
        pos = 0
        for p_i, page in enumerate(pages):
            if p_i:
                parts.append(PAGE_BREAK)
                self._boxes.extend([None] * len(PAGE_BREAK))
                pos += len(PAGE_BREAK)
            for l_i, line in enumerate(page.lines):
                if l_i:
                    parts.append(joiner)
                    self._boxes.extend([None] * len(joiner))
                    pos += len(joiner)
                parts.append(line.text)
                self._boxes.extend(_char_boxes(line))
                self.lines.append(TextLine(pos, pos + len(line.text), page, line, l_i))
                pos += len(line.text)
        self.text = "".join(parts)
        self.pages = tuple(pages)

    def line_at(self, pos: int) -> TextLine | None:
        """The line holding character `pos` (or the nearest line before it)."""
        best = None
        for ln in self.lines:
            if ln.start <= pos < max(ln.end, ln.start + 1):
                return ln
            if ln.start <= pos:
                best = ln
        return best

    def next_line(self, line: TextLine) -> TextLine | None:
        i = self.lines.index(line)
        return self.lines[i + 1] if i + 1 < len(self.lines) else None

    def prev_line(self, line: TextLine) -> TextLine | None:
        i = self.lines.index(line)
        return self.lines[i - 1] if i > 0 else None

    def confidence(self, start: int, end: int) -> float:
        """The lowest OCR confidence among the characters of the span (1.0 for typed text)."""
        confs = [b.confidence for b in self._boxes[start:end] if b is not None]
        return min(confs) if confs else 1.0

    def evidence(self, start: int, end: int, extractor: str | None = None) -> tuple[Evidence, ...]:
        """Evidence for text[start:end]: one item per line the span touches, bbox = union of its characters."""
        out: list[Evidence] = []
        for ln in self.lines:
            a, b = max(start, ln.start), min(end, ln.end)
            if a >= b:
                continue
            boxes = [bx for bx in self._boxes[a:b] if bx is not None and bx.bbox is not None]
            bbox = _union([bx.bbox for bx in boxes]) if boxes else None
            out.append(Evidence(file=ln.page.file, page=ln.page.page, bbox=bbox, text=self.text[a:b],
                                confidence=round(self.confidence(a, b), 3), extractor=extractor))
        return tuple(out)


def _char_boxes(line: Line) -> list[_Box]:
    """A box per character of `line.text`, from its words when they spell it, else sliced from the line box."""
    text = line.text
    n = len(text)
    if not n:
        return []
    words = [w for w in line.words if w.text]
    if words and "".join(w.text for w in words).replace(" ", "") == text.replace(" ", ""):
        boxes: list[_Box] = []
        chars = [(w, k) for w in words for k in range(len(w.text)) if not w.text[k].isspace()]
        it = iter(chars)
        for ch in text:
            if ch.isspace():
                boxes.append(_Box(None, line.confidence))
                continue
            w, k = next(it)
            boxes.append(_Box(_slice(w.bbox, k, len(w.text)), w.confidence))
        return boxes
    if line.bbox is None:
        return [_Box(None, line.confidence)] * n
    return [_Box(_slice(line.bbox, i, n), line.confidence) for i in range(n)]


def _slice(bbox: BBox, i: int, n: int) -> BBox:
    """The i-th of n equal slices of a box, along its longer side (a line of text runs along it)."""
    x0, y0, x1, y1 = bbox
    if n <= 1:
        return bbox
    if (x1 - x0) >= (y1 - y0):
        step = (x1 - x0) / n
        return (x0 + i * step, y0, x0 + (i + 1) * step, y1)
    step = (y1 - y0) / n
    return (x0, y0 + i * step, x1, y0 + (i + 1) * step)


def _union(boxes: Sequence[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
