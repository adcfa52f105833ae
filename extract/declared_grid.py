"""Rows of cells from a filled-in form, whether typed (DOCX/XLSX tables) or scanned (OCR lines).

A typed table is already rows of cells. A scanned table is not: OCR returns lines that run the
cells of a row together ("姓名 何海涛 性别 男"), splits a wrapped cell over lines above and below
the row's middle line ("参加工作时" / "间"), and sometimes glues a label to its value
("聘任时间2017年9月1日"). `scan_rows` rebuilds the cells from geometry: a wide gap between
characters separates cells, a known label separates cells, and pieces of text stacked in one
column of one table row are one wrapped cell. Every cell keeps the spans of the document text it
came from, so a value's evidence boxes exactly its characters.
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from core.records import Evidence, PageText
from extract.doctext import DocText, TextLine

LABELS_FILE = Path(__file__).with_name("declared_labels.yaml")
CELL_GAP = 0.45  # a gap wider than this many character heights separates two cells on a scan
SHORT_LABEL = 3  # labels shorter than this split a run of scanned text only where the run starts
PUNCT = " \t:：;；,，.。．、·•()（）[]【】\"'“”‘’-—_|/\\"


class DeclaredLabels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    form_labels: dict[str, tuple[str, ...]]
    other_labels: tuple[str, ...]
    year_labels: tuple[str, ...]
    ce_year_labels: tuple[str, ...]
    grade_labels: tuple[str, ...]
    hours_labels: tuple[str, ...]
    no_appraisal_phrases: tuple[str, ...]
    employer_types: dict[str, str]
    min_header_fields: int
    summary_heads: dict[str, tuple[str, ...]]

    def label_kinds(self) -> dict[str, str]:
        """Normalised form label → what it names: a field, "other", "year", "ce_year", "grade", "hours"."""
        kinds: dict[str, str] = {}
        for kind, labels in (("other", self.other_labels), ("year", self.year_labels),
                             ("ce_year", self.ce_year_labels), ("grade", self.grade_labels),
                             ("hours", self.hours_labels)):
            kinds.update({norm(label): kind for label in labels})
        for field, labels in self.form_labels.items():
            kinds.update({norm(label): field for label in labels})
        return kinds


@lru_cache(maxsize=4)
def load_labels(path: Path = LABELS_FILE) -> DeclaredLabels:
    return DeclaredLabels.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def norm(text: str) -> str:
    """NFKC, no whitespace, no colons: how a label cell is compared ("姓  名：" → "姓名")."""
    return "".join(unicodedata.normalize("NFKC", text).split()).replace(":", "").replace("：", "")


def strip_value(text: str) -> str:
    """A value cell without the separators around it and without OCR's spaces inside Chinese text."""
    text = text.strip(PUNCT)
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text)


@dataclass(frozen=True)
class Piece:
    """A run of a cell's text: text[at:at+len] of the cell is doc.text[start:end]."""

    at: int
    start: int
    end: int


@dataclass(frozen=True)
class Cell:
    """One table cell: its text and where each character came from.

    Scanned cells refer to a `DocText` (pieces give spans; x0/x1 the horizontal extent);
    typed cells name their file and page and have no geometry.
    """

    text: str
    file: str
    page: int
    doc: DocText | None = None
    pieces: tuple[Piece, ...] = ()
    x0: float | None = None
    x1: float | None = None

    def _spans(self, a: int, b: int) -> list[tuple[int, int]]:
        out = []
        for p in self.pieces:
            lo, hi = max(a, p.at), min(b, p.at + (p.end - p.start))
            if lo < hi:
                out.append((p.start + lo - p.at, p.start + hi - p.at))
        return out

    def evidence(self, a: int = 0, b: int | None = None, extractor: str | None = None) -> tuple[Evidence, ...]:
        """Evidence for text[a:b] of the cell (the whole cell by default)."""
        b = len(self.text) if b is None else b
        if self.doc is None:
            return (Evidence(file=self.file, page=self.page, text=self.text[a:b] or self.text,
                             confidence=1.0, extractor=extractor),)
        out: list[Evidence] = []
        for s, e in self._spans(a, b):
            out.extend(self.doc.evidence(s, e, extractor))
        return tuple(out)

    def confidence(self, a: int = 0, b: int | None = None) -> float:
        """The lowest OCR confidence among text[a:b] (1.0 for typed cells)."""
        if self.doc is None:
            return 1.0
        b = len(self.text) if b is None else b
        confs = [self.doc.confidence(s, e) for s, e in self._spans(a, b)]
        return min(confs) if confs else 1.0

    def cut(self, a: int, b: int) -> Cell:
        """The cell made of text[a:b] (a label or a value split off a run of scanned text)."""
        pieces = tuple(Piece(lo - a, p.start + lo - p.at, p.start + hi - p.at) for p in self.pieces
                       for lo, hi in [(max(a, p.at), min(b, p.at + p.end - p.start))] if lo < hi)
        x0, x1 = self.x0, self.x1
        if self.doc is not None and pieces:
            boxes = [ev.bbox for ev in self.evidence(a, b) if ev.bbox]
            if boxes:
                x0, x1 = min(bx[0] for bx in boxes), max(bx[2] for bx in boxes)
        return Cell(self.text[a:b], self.file, self.page, self.doc, pieces, x0, x1)


class LabelMatcher:
    """Finds form labels in cells and runs of text, the longest first."""

    def __init__(self, labels: DeclaredLabels):
        self.kinds = labels.label_kinds()
        self.by_length = sorted(self.kinds, key=len, reverse=True)
        self.prefixes = {lab[:k] for lab in self.kinds for k in range(1, len(lab))}

    @staticmethod
    @lru_cache(maxsize=1)
    def shared() -> LabelMatcher:
        """The matcher of the bundled declared_labels.yaml."""
        return LabelMatcher(load_labels())

    def kind(self, text: str) -> str | None:
        """What a whole cell names, or None when it is not a label."""
        return self.kinds.get(norm(text))

    def split(self, cell: Cell) -> list[Cell]:
        """Split a run of text at the labels in it; also split a label's first characters off a
        number glued to them ("任技术员2012-08-01": the label's end wrapped onto the next line)."""
        text = cell.text
        cuts: set[int] = set()
        i = 0
        while i < len(text):
            found = self._label_at(text, i, at_start=not text[:i].strip(PUNCT))
            if found:
                cuts.update((i, found))
                i = found
            else:
                i += 1
        for j in range(len(text)):
            head = norm(text[:j])
            if head and head in self.prefixes and len(head) >= 2 and text[j].isdigit():
                cuts.add(j)
                break
        bounds = sorted(cuts | {0, len(text)})
        parts = [cell.cut(a, b) for a, b in zip(bounds, bounds[1:]) if text[a:b].strip(PUNCT)]
        return parts or [cell]

    def _label_at(self, text: str, i: int, at_start: bool) -> int | None:
        """End of the label that starts at text[i] (spaces inside it allowed), else None."""
        if text[i].isspace():
            return None
        for label in self.by_length:
            if len(label) < SHORT_LABEL and not at_start:
                continue
            j, k = i, 0
            while j < len(text) and k < len(label):
                if k and (text[j].isspace() or text[j] in ":："):
                    j += 1
                elif unicodedata.normalize("NFKC", text[j]) == label[k]:
                    j, k = j + 1, k + 1
                else:
                    break
            if k == len(label):
                return j
        return None


def table_rows(page: PageText, matcher: LabelMatcher) -> list[list[Cell]]:
    """The rows of a typed page's tables, then its lines split at tabs and wide spaces and at labels.

    Merged cells repeat their text in every grid column they span; readers skip a label's repeats.
    """
    rows: list[list[Cell]] = []
    for table in page.tables:
        for row in table:
            cells: list[Cell] = []
            for text in row:
                if text.strip():
                    cells.append(Cell(text, page.file, page.page))
            rows.append([part for c in cells for part in matcher.split(_typed(c))])
    for line in page.lines:
        runs = [r for r in re.split(r"\t|\s{2,}|\u3000", line.text) if r.strip()]
        rows.append([part for r in runs for part in matcher.split(_typed(Cell(r, page.file, page.page)))])
    return rows


def _typed(cell: Cell) -> Cell:
    """A typed cell with a piece covering it, so it can be cut like a scanned one."""
    return Cell(cell.text, cell.file, cell.page, None, (Piece(0, 0, len(cell.text)),))


def scan_rows(doc: DocText, matcher: LabelMatcher) -> list[list[Cell]]:
    """The table rows of a scanned document, top to bottom, each row's cells left to right."""
    rows: list[list[Cell]] = []
    for page in doc.pages:
        lines = [ln for ln in doc.lines if ln.page is page and ln.end > ln.start]
        for band in _bands([ln for ln in lines if ln.line.bbox is not None]):
            cells = [(ln, c) for ln in band for run in _runs(doc, ln, matcher) for c in matcher.split(run)]
            # a label whose end wrapped onto the value's line ("任技术员" / "时间：2017年…") splits again
            joined = [part for c in _stack(cells) for part in (matcher.split(c) if len(c.pieces) > 1 else [c])]
            rows.append(sorted(joined, key=lambda c: c.x0 or 0.0))
        for ln in lines:  # without geometry: every space separates cells
            if ln.line.bbox is None:
                rows.append([c for m in re.finditer(r"\S+", ln.line.text)
                             for c in matcher.split(Cell(m.group(), ln.page.file, ln.page.page, doc,
                                                         (Piece(0, ln.start + m.start(), ln.start + m.end()),)))])
    return rows


def _bands(lines: Sequence[TextLine]) -> list[list[TextLine]]:
    """Group lines whose vertical extents overlap (a table row with wrapped cells) into bands."""
    bands: list[list[TextLine]] = []
    bottom = 0.0
    for ln in sorted(lines, key=lambda t: t.line.bbox[1]):
        y0, y1 = ln.line.bbox[1], ln.line.bbox[3]
        if bands and y0 < bottom - 0.2 * (y1 - y0):
            bands[-1].append(ln)
            bottom = max(bottom, y1)
        else:
            bands.append([ln])
            bottom = y1
    return bands


def _runs(doc: DocText, ln: TextLine, matcher: LabelMatcher) -> list[Cell]:
    """A line cut into runs of text at the wide gaps between cells (spaces with no gap stay in a run).

    Pieces of a label that OCR spaced apart ("姓  名") are one run again.
    """
    chars = [(i, ev.bbox) for i in range(ln.start, ln.end) if not doc.text[i].isspace()
             for ev in doc.evidence(i, i + 1)[:1] if ev.bbox]
    if not chars:
        return []
    height = statistics.median(b[3] - b[1] for _, b in chars)
    gaps = [box[0] - pbox[2] for (_, box), (_, pbox) in zip(chars[1:], chars)]
    measurable = bool(ln.line.words) and any(abs(g) > 0.5 for g in gaps)
    groups: list[list[tuple[int, tuple]]] = [[chars[0]]]
    for (i, box), (pi, _), gap in zip(chars[1:], chars, gaps):
        if i > pi + 1 and (not measurable or gap > CELL_GAP * height):
            head = norm(doc.text[groups[-1][0][0]:pi + 1])
            tail = norm(doc.text[pi + 1:i + 1])
            if not (head in matcher.prefixes and (head + tail in matcher.prefixes or head + tail in matcher.kinds)):
                groups.append([])
        groups[-1].append((i, box))
    return [Cell(doc.text[g[0][0]:g[-1][0] + 1], ln.page.file, ln.page.page, doc,
                 (Piece(0, g[0][0], g[-1][0] + 1),), min(b[0] for _, b in g), max(b[2] for _, b in g))
            for g in groups]


def _stack(cells: Iterable[tuple[TextLine, Cell]]) -> list[Cell]:
    """Join pieces of one band stacked in one column (a wrapped cell), top line first."""
    groups: list[list[tuple[TextLine, Cell]]] = []
    for ln, cell in sorted(cells, key=lambda t: (t[0].line.bbox[1], t[0].index)):
        home = next((g for g in groups if all(other is not ln for other, _ in g)
                     and any(_overlap(cell, c) for _, c in g)), None)
        if home is None:
            groups.append([(ln, cell)])
        else:
            home.append((ln, cell))
    return [_join([c for _, c in g]) for g in groups]


def _overlap(a: Cell, b: Cell) -> bool:
    if None in (a.x0, a.x1, b.x0, b.x1):
        return False
    inter = min(a.x1, b.x1) - max(a.x0, b.x0)
    return inter > 0.5 * min(a.x1 - a.x0, b.x1 - b.x0)


def _join(cells: list[Cell]) -> Cell:
    if len(cells) == 1:
        return cells[0]
    text, pieces = "", []
    for c in cells:
        pieces.extend(Piece(p.at + len(text), p.start, p.end) for p in c.pieces)
        text += c.text
    first = cells[0]
    return Cell(text, first.file, first.page, first.doc, tuple(pieces),
                min(c.x0 for c in cells), max(c.x1 for c in cells))
