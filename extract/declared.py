"""Declared data: what the applicant wrote on the review form and what the unit listed in the summary table.

`review_form@1` reads the 评审表 — a DOCX (its tables and paragraphs) or a scan of the printed form
(OCR lines rebuilt into table rows by `declared_grid.scan_rows`): each label of
declared_labels.yaml gives the value in the next cell to its right; the grade and
continuing-education tables give `appraisals` and `ce_hours`.
`summary_table@1` finds the applicant's row of the 申报汇总表 (by ID number, else by a unique name,
from `ctx.hints`) in the package's copy and in the batch's (`ctx.extra_pages`).

Every value has origin "declared"; a value printed but not readable is kept as None with a note.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.records import Document, Evidence, ExtractedValue, PageText
from extract import dates, values
from extract.declared_grid import (PUNCT, Cell, LabelMatcher, Piece, load_labels, norm, scan_rows, strip_value,
                                   table_rows)
from extract.doctext import DocText
from extract.extractors import ExtractContext, extractors

FORM = "review_form@1"
SUMMARY = "summary_table@1"
DATE_FIELDS = ("birth_date", "graduation_date", "work_start_date", "technician_date", "submission_date")
TEXT_FIELDS = ("school", "major", "employer", "specialty")
NAME_MATCH_CERTAINTY = 0.9  # a 汇总表 row found by name alone may be a namesake's
BLANK_CONFIDENCE = 0.5  # a label with nothing beside it on a scan: OCR may have missed the value
BROKEN_YEAR_CERTAINTY = 0.8  # a year cell whose four digits OCR broke ("20.22")
LEADING_ZERO_CERTAINTY = 0.3  # an hours count printed "06": RapidOCR's angle classifier turns "90" over


@dataclass(frozen=True)
class Read:
    """A normalised value found at text[start:end] of a cell, with the reader's certainty."""

    value: Any
    start: int
    end: int
    certainty: float
    note: str | None = None


def read_field(field: str, text: str) -> Read:
    """Normalise the printed text of one field (see interface.md); unreadable → value None with a note."""
    lead = len(text) - len(text.lstrip(" \t:："))
    body = text[lead:].rstrip(" \t:：")
    end = lead + len(body)
    if not body.strip():
        return Read(None, lead, end, 1.0, "left blank")
    if field in TEXT_FIELDS:
        core = body.strip(PUNCT)
        at = lead + body.find(core)
        return Read(strip_value(core), at, at + len(core), 1.0)
    if field == "employer_type":
        code = next((c for word, c in load_labels().employer_types.items() if word in norm(body)), None)
        return Read(code, lead, end, 1.0, None if code else f"单位性质 {body!r} is not a known kind of employer")
    if field in DATE_FIELDS:
        reading = dates.parse_date(body)
    else:
        reader = {"name": values.clean_name, "sex": values.read_sex, "id_number": values.read_id_number,
                  "education": values.read_education, "degree": values.read_degree}[field]
        reading = reader(body)
    if reading is None:
        return Read(None, lead, end, 1.0, f"printed {body!r}, not a readable {field}")
    note = f"printed {body!r}: {reading.problem}" if reading.problem else None
    if reading.value is None and not note and field != "degree":
        note = f"printed {body!r}, not a readable {field}"
    elif reading.certainty < 1.0 and not note:
        note = f"read from {body.strip()!r}"
    return Read(reading.value, lead + reading.start, lead + reading.end, reading.certainty, note)


def _value(field: str, value: Any, cells: Sequence[tuple[Cell, int, int]], certainty: float, document: str,
           extractor: str, note: str | None = None) -> ExtractedValue:
    """An ExtractedValue whose evidence is the given spans of cells; confidence = OCR × certainty."""
    evidence: tuple[Evidence, ...] = ()
    conf = 1.0
    for cell, a, b in cells:
        if b <= a:
            a, b = 0, len(cell.text)
        evidence += cell.evidence(a, b, extractor)
        conf = min(conf, cell.confidence(a, b))
    return ExtractedValue(field=field, value=value, evidence=evidence, extractor=extractor, origin="declared",
                          document=document, confidence=round(max(0.0, min(1.0, conf * certainty)), 3), note=note)


# --- the review form ------------------------------------------------------------------------------

@extractors.register("review_form", version="1")
def read_review_form(doc: Document, pages: list[PageText], ctx: ExtractContext) -> list[ExtractedValue]:
    """Declared values of a 评审表: one ExtractedValue per field found (labels of declared_labels.yaml)."""
    matcher = LabelMatcher.shared()
    typed = [p for p in pages if p.tables or p.source in ("docx", "xlsx")]
    scanned = [p for p in pages if p not in typed]
    rows = [row for p in typed for row in table_rows(p, matcher)]
    if scanned:
        rows += scan_rows(DocText(scanned), matcher)
    out = _labelled_values(rows, matcher)
    out += _year_tables(rows, matcher, pages)
    return out


def _labelled_values(rows: list[list[Cell]], matcher: LabelMatcher) -> list[ExtractedValue]:
    """For each field: the first label with a value beside it (else the first label, read as blank)."""
    pairs: dict[str, list[tuple[Cell, Cell | None]]] = {}
    fields = set(load_labels().form_labels)
    for row in rows:
        for i, cell in enumerate(row):
            field = matcher.kind(cell.text)
            if field not in fields:
                continue
            nxt = next((c for c in row[i + 1:] if strip_value(c.text) and norm(c.text) != norm(cell.text)), None)
            if nxt is not None and matcher.kind(nxt.text) is not None:
                nxt = None
            pairs.setdefault(field, []).append((cell, nxt))
    out = []
    for field, found in pairs.items():
        label, cell = next(((lab, c) for lab, c in found if c is not None), found[0])
        if cell is None:
            certainty = 1.0 if label.doc is None else BLANK_CONFIDENCE
            out.append(_value(field, None, [(label, 0, 0)], certainty, "review_form", FORM,
                              f"nothing beside {label.text!r} on the form"))
            continue
        r = read_field(field, cell.text)
        out.append(_value(field, r.value, [(cell, r.start, r.end)], r.certainty, "review_form", FORM, r.note))
    return out


@dataclass(frozen=True)
class _Token:
    cell: Cell
    value: Any
    certainty: float
    note: str | None = None

    @property
    def x(self) -> float | None:
        return None if self.cell.x0 is None else (self.cell.x0 + self.cell.x1) / 2


def _years(cells: Sequence[Cell]) -> list[_Token]:
    """The years of a year row or column; a cell of four digits broken by OCR ("20.22") counts, less surely."""
    out = []
    for c in cells:
        found = dates.find_years(c.text)
        for year, start, end in found:
            out.append(_Token(c.cut(start, end), str(year), 1.0))
        digits = re.sub(r"\D", "", c.text)
        if not found and re.fullmatch(r"(19|20)\d\d", digits) and len(c.text.strip()) <= 6:
            out.append(_Token(c, digits, BROKEN_YEAR_CERTAINTY, f"year printed {c.text.strip()!r}"))
    return out


def _grades(cells: Sequence[Cell]) -> list[_Token]:
    out = []
    for c in cells:
        if _is_label(c):
            continue
        found = values.find_grades(c.text)
        if not found and strip_value(c.text):
            out.append(_Token(c, None, 1.0, f"grade printed {c.text!r} not read"))
        for r in found:
            out.append(_Token(c.cut(r.start, r.end), r.value, r.certainty, r.problem))
    return out


def _hours(cells: Sequence[Cell]) -> list[_Token]:
    out = []
    for c in cells:
        if _is_label(c):
            continue
        for m in re.finditer(r"\S+", c.text):
            core = m.group().strip(PUNCT)  # "90." and "·102" are 90 and 102
            if not core:
                continue
            at = m.start() + m.group().find(core)
            part = c.cut(at, at + len(core))
            r = values.read_hours(part.text)
            if r is None:
                out.append(_Token(part, None, 1.0, f"hours printed {part.text!r} not read"))
            elif re.fullmatch(r"0\d+", part.text[r.start:r.end]):  # nobody prints 06 hours: OCR turned 90 over
                out.append(_Token(part.cut(r.start, r.end), r.value, LEADING_ZERO_CERTAINTY,
                                  f"hours printed {part.text!r}, a count with a leading zero: likely misread"))
            else:
                out.append(_Token(part.cut(r.start, r.end), r.value, r.certainty, r.problem))
    return out


def _is_label(cell: Cell) -> bool:
    return LabelMatcher.shared().kind(cell.text) is not None


def _pair(years: list[_Token], vals: list[_Token]) -> list[tuple[_Token, _Token | None]]:
    """Years with their values: in order when the counts agree, else each year with the value nearest below it."""
    if len(years) == len(vals) or any(t.x is None for t in years + vals):
        return [(y, vals[i] if i < len(vals) else None) for i, y in enumerate(years)]
    free = list(vals)
    out = []
    for y in years:
        best = min(free, key=lambda v: abs(v.x - y.x), default=None)
        if best is not None and abs(best.x - y.x) <= max(y.cell.x1 - y.cell.x0, best.cell.x1 - best.cell.x0):
            free.remove(best)
            out.append((y, best))
        else:
            out.append((y, None))
    return out


def _year_tables(rows: list[list[Cell]], matcher: LabelMatcher, pages: list[PageText]) -> list[ExtractedValue]:
    """`appraisals` and `ce_hours` from the first grade table and the first hours table of the form."""
    found: dict[str, list[tuple[_Token, _Token | None]]] = {}
    for i, row in enumerate(rows):
        at = _first(row, matcher, ("year", "ce_year"))
        if at is None:
            continue
        head, rest = matcher.kind(row[at].text), row[at + 1:]
        second = matcher.kind(rest[0].text) if rest else None
        if second in ("grade", "hours") and not _years(rest):  # vertical: 年度 | 考核等次, then a row per year
            kind, pairs = ("appraisals" if second == "grade" else "ce_hours"), []
            for below in rows[i + 1:]:
                j = next((j for j, c in enumerate(below[:-1]) if _years([c])), None)
                if j is None:
                    break
                vals = _grades(below[j + 1:j + 2]) if kind == "appraisals" else _hours(below[j + 1:j + 2])
                pairs.append((_years([below[j]])[0], vals[0] if vals else None))
        else:  # horizontal: 年度 2022 2023 / 考核等次 合格 合格
            years = _years(rest)
            nxt = rows[i + 1] if i + 1 < len(rows) else []
            j = _first(nxt, matcher, ("grade", "hours"))
            if j is not None and matcher.kind(nxt[j].text) == "grade":
                kind, vals = "appraisals", _grades(nxt[j + 1:])
            elif j is not None:
                kind, vals = "ce_hours", _hours(nxt[j + 1:])
            elif head == "ce_year" and nxt and all(re.fullmatch(r"[\d\s.°º]+", c.text) for c in nxt):
                kind, vals = "ce_hours", _hours(nxt)  # the 学时 label itself was not read
            else:
                continue
            pairs = _pair(years, vals)
        found.setdefault(kind, pairs)
    out = [_table_value(kind, pairs) for kind, pairs in found.items()]
    if "appraisals" not in found:
        out.append(_no_appraisals(pages, "ce_hours" in found))
    return out


def _first(row: list[Cell], matcher: LabelMatcher, kinds: tuple[str, ...]) -> int | None:
    return next((i for i, c in enumerate(row) if matcher.kind(c.text) in kinds), None)


def _table_value(field: str, pairs: list[tuple[_Token, _Token | None]]) -> ExtractedValue:
    table: dict[str, Any] = {}
    spans: list[tuple[Cell, int, int]] = []
    notes, certainty = [], 1.0
    for year, val in pairs:
        spans.append((year.cell, 0, len(year.cell.text)))
        if year.note:
            notes.append(year.note)
            certainty = min(certainty, year.certainty)
        if val is None:
            table[year.value] = None
            notes.append(f"{year.value}: nothing printed under the year")
            continue
        table[year.value] = val.value
        spans.append((val.cell, 0, len(val.cell.text)))
        certainty = min(certainty, year.certainty, val.certainty)
        if val.note or val.value is None:
            notes.append(f"{year.value}: {val.note or 'not read'}")
    return _value(field, table, spans, certainty, "review_form", FORM, "; ".join(notes) or None)


def _no_appraisals(pages: list[PageText], form_read: bool) -> ExtractedValue:
    """{} when the form says there are no grades (or has an hours table but no grade table); else None."""
    phrases = load_labels().no_appraisal_phrases
    for page in pages:
        for line in page.lines:
            hit = next((p for p in phrases if p in norm(line.text)), None)
            if hit:
                doc = DocText([page.model_copy(update={"lines": (line,), "tables": ()})])
                cell = Cell(line.text, page.file, page.page, doc if line.bbox else None,
                            (Piece(0, 0, len(line.text)),))
                return _value("appraisals", {}, [(cell, 0, len(line.text))], 1.0, "review_form", FORM,
                              f"the form states: {line.text.strip()}")
    if form_read:
        return ExtractedValue(field="appraisals", value={}, extractor=FORM, origin="declared", document="review_form",
                              confidence=0.8, note="the form has no grade table")
    return ExtractedValue(field="appraisals", value=None, extractor=FORM, origin="declared", document="review_form",
                          confidence=0.0, note="no grade table found on the form")


# --- the summary table ------------------------------------------------------------------------------

@extractors.register("summary_table", version="1")
def read_summary_table(doc: Document, pages: list[PageText], ctx: ExtractContext) -> list[ExtractedValue]:
    """The applicant's row of a 申报汇总表 (this document's pages, then ctx.extra_pages).

    The row whose ID number equals ctx.hints["id_number"] wins; else the one row whose name equals
    ctx.hints["name"]. No such row: a single ExtractedValue "summary_row" = None saying why.
    """
    labels = load_labels()
    heads = {norm(h): f for f, hs in labels.summary_heads.items() for h in hs}
    want_id = norm(ctx.hints.get("id_number") or "").upper()
    want_name = norm(ctx.hints.get("name") or "")
    rows: list[tuple[PageText, dict[int, str], tuple[str, ...]]] = []
    for page in [*pages, *ctx.extra_pages]:
        for table in page.tables:
            header: dict[int, str] | None = None
            for row in table:
                if header is None:
                    cols: dict[int, str] = {}
                    for i, c in enumerate(row):
                        if norm(c) in heads and heads[norm(c)] not in cols.values():
                            cols[i] = heads[norm(c)]
                    header = cols if len(cols) >= labels.min_header_fields else None
                else:
                    rows.append((page, header, row))
    files = sorted({p.file for p, _, _ in rows})
    if not rows:
        return [_no_row("no 汇总表 with a recognisable header row was found")]

    def cell_of(entry, field):
        _, header, row = entry
        i = next((i for i, f in header.items() if f == field), None)
        return norm(row[i]) if i is not None and i < len(row) else ""

    match = next((e for e in rows if want_id and cell_of(e, "id_number").upper() == want_id), None)
    how = "ID number"
    if match is None and want_name:
        named = {e[2]: e for e in rows if cell_of(e, "name") == want_name}
        match, how = (next(iter(named.values())), "name") if len(named) == 1 else (None, "")
        if len(named) > 1:
            return [_no_row(f"{len(named)} rows of {', '.join(files)} are named {want_name}; none has "
                            f"ID number {want_id or '(unknown)'}")]
    if match is None:
        return [_no_row(f"no row of {', '.join(files)} has ID number {want_id or '(unknown)'} "
                        f"or the name {want_name or '(unknown)'}")]
    page, header, row = match
    out = []
    for i, field in header.items():
        text = row[i] if i < len(row) else ""
        cell = Cell(text, page.file, page.page)
        r = read_field(field, text)
        note, certainty = r.note, r.certainty
        if how == "name":  # the row may be a namesake's: say so on every value
            why = f"row matched by name, no row has ID number {want_id or '(unknown)'}"
            note = "; ".join(filter(None, [r.note, why]))
            certainty *= NAME_MATCH_CERTAINTY
        out.append(_value(field, r.value, [(cell, r.start, r.end)], certainty, "summary_table", SUMMARY, note))
    return out


def _no_row(why: str) -> ExtractedValue:
    return ExtractedValue(field="summary_row", value=None, extractor=SUMMARY, origin="declared",
                          document="summary_table", confidence=0.0, note=why)
