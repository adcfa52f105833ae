"""What the checks read from a dossier: a field's trusted value, its readings, dates, Chinese dates.

Checks never parse text; they read `dossier.fields` (one merged value per field, extract/merge.py) or
`dossier.values` (every reading of every document) through these helpers.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from core.records import Dossier, Evidence, ExtractedValue, FieldReport
from verify.rules import NoticeRules


def corroborated(field: FieldReport | None) -> bool:
    """An uncertain date reading agrees with another document's reading of it, or with what the applicant
    declared at the precision both sides have (a form's 2010年7月 confirms a diploma's 2010年7月1日).

    A date OCR slipped on does not land on the very date the form states, so agreement confirms; it never
    overrules. Only dates: a grade (合格 is nearly every year's) or a yes/no agrees by chance too often."""
    if field is None or not month(field.found):
        return False
    if len(set(field.found_in)) >= 2:  # two documents, read apart, show the same date
        return True
    if not month(field.declared):
        return False
    n = min(len(field.found), len(field.declared))
    return field.found[:n] == field.declared[:n]


def trusted(field: FieldReport | None, rules: NoticeRules) -> bool:
    """The found value may decide a condition: read at or above the threshold, or corroborated."""
    return (field is not None and field.found is not None
            and ((field.confidence or 0.0) >= rules.ocr_low_confidence or corroborated(field)))


def value(field: FieldReport | None, rules: NoticeRules, prefer: str = "found"):
    """The found value, else the declared one (or the other way round), with the evidence behind it.

    A found value read below the rules' confidence threshold (and not corroborated by the declaration)
    decides nothing: the condition waits for the human that OCR.LOW_CONFIDENCE calls, and no other value
    stands in for it.
    """
    if field is None:
        return None, ()
    order = ("found", "declared") if prefer == "found" else ("declared", "found")
    for side in order:
        got = getattr(field, side)
        if side == "found" and got is not None and not trusted(field, rules):
            return None, ()
        if got is not None:
            return got, field.evidence
    return None, ()


def found(dossier: Dossier, name: str, rules: NoticeRules):
    """The evidence's value of field `name` if it may decide (see `trusted`), with its evidence; else (None, ())."""
    field = dossier.fields.get(name)
    if not trusted(field, rules):
        return None, ()
    return field.found, field.evidence


def readings(dossier: Dossier, name: str, *, origin: str | None = "found", document: str | None = None,
             min_confidence: float = 0.0) -> list[ExtractedValue]:
    """Every reading of field `name` (from every document), optionally only one origin / document type."""
    return [v for v in dossier.values if v.field == name and v.value is not None
            and (origin is None or v.origin == origin) and (document is None or v.document == document)
            and v.confidence >= min_confidence]


def has_document(dossier: Dossier, *types: str) -> bool:
    return any(d.type in types for d in dossier.documents)


def documents(dossier: Dossier, *types: str):
    return [d for d in dossier.documents if d.type in types]


def day(text) -> dt.date | None:
    """An ISO day (YYYY-MM-DD) as a date; anything else (a month only, garbage) is None."""
    if isinstance(text, str) and len(text) == 10:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return None
    return None


def month(text) -> tuple[int, int] | None:
    """(year, month) of an ISO day or month (YYYY-MM)."""
    if isinstance(text, str) and len(text) >= 7 and text[4] == "-":
        try:
            y, m = int(text[:4]), int(text[5:7])
        except ValueError:
            return None
        return (y, m) if 1 <= m <= 12 else None
    return None


def zh(when: dt.date | str) -> str:
    """2024年11月27日 (or 2024年11月 for a month)."""
    if isinstance(when, str):
        d = day(when)
        if d is None:
            ym = month(when)
            return f"{ym[0]}年{ym[1]}月" if ym else when
        when = d
    return f"{when.year}年{when.month}月{when.day}日"


def evidence_of(items: Iterable[ExtractedValue], limit: int = 3) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    for v in items:
        out.extend(v.evidence[:1])
    return tuple(out[:limit])
