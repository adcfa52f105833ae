"""From every reading of every document to the one `declared` and one `found` value per field.

Found: the reading of the most trusted document type (fields.yaml `priority`), a legible reading
before an illegible one, a confident one before one below `WEAK`; agreeing readings of other
documents add their evidence. Year-keyed fields (appraisals, ce_hours) are the union over the
documents, year by year. Declared: the review form, else the unit's 汇总表. Disagreements are
not resolved here: all readings stay in `Dossier.values` for the verifier.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from core.records import Evidence, ExtractedValue, FieldReport
from extract.fieldspec import load_fields

# Every field of the public contract (../shared/spec/interface.md), reported even when unread.
CONTRACT_FIELDS = (
    "name", "sex", "id_number", "birth_date", "graduation_date", "work_start_date", "technician_date",
    "probation_end_date", "submission_date", "education", "degree", "school", "major", "employer",
    "specialty", "employer_type", "appraisals", "ce_hours", "publicity_start", "publicity_end",
    "probation_passed", "report_present", "opinion_present",
)
YEAR_KEYED = ("appraisals", "ce_hours")
PRESENCE = ("report_present", "opinion_present")  # found false when the document is absent
DECLARED_ORDER = ("review_form", "summary_table")
WEAK = 0.5
MAX_EVIDENCE = 6


def _rank(v: ExtractedValue, priority: tuple[str, ...]) -> tuple:
    pos = priority.index(v.document) if v.document in priority else len(priority)
    return (v.value is None, v.confidence < WEAK, pos, -v.confidence)


def _pick_found(readings: list[ExtractedValue], priority: tuple[str, ...]) -> tuple[ExtractedValue, list[ExtractedValue]]:
    best = min(readings, key=lambda v: _rank(v, priority))
    agreeing = [v for v in readings if v is not best and v.value == best.value and v.value is not None]
    return best, agreeing


def _merge_years(readings: list[ExtractedValue]) -> tuple[dict, tuple[Evidence, ...], float, tuple[str, ...], str | None]:
    per_year: dict[str, tuple[object, float]] = {}
    evidence: list[Evidence] = []
    docs: list[str] = []
    notes = [f"{', '.join(sorted(v.value or {}))}: {v.note}" for v in readings if v.note]
    for v in sorted(readings, key=lambda v: -v.confidence):
        for year, value in (v.value or {}).items():
            if year not in per_year or (per_year[year][0] is None and value is not None):
                per_year[year] = (value, v.confidence)
        evidence.extend(v.evidence)
        if v.document and v.document not in docs:
            docs.append(v.document)
    merged = {y: per_year[y][0] for y in sorted(per_year)}
    confidence = min((c for _, c in per_year.values()), default=1.0)
    return merged, tuple(evidence), confidence, tuple(docs), "; ".join(notes) or None


def merge_fields(values: Iterable[ExtractedValue]) -> dict[str, FieldReport]:
    """The field table of report.json: every contract field, plus any other field a document showed."""
    priority = load_fields().priority
    found: dict[str, list[ExtractedValue]] = defaultdict(list)
    declared: dict[str, dict[str, ExtractedValue]] = defaultdict(dict)
    for v in values:
        if v.origin == "declared":
            declared[v.field].setdefault(v.document or "", v)
        else:
            found[v.field].append(v)
    names = list(CONTRACT_FIELDS) + sorted((set(found) | set(declared)) - set(CONTRACT_FIELDS))
    out: dict[str, FieldReport] = {}
    for name in names:
        f_value, f_evidence, f_conf, f_docs, note = None, (), None, (), None
        if found.get(name):
            if name in YEAR_KEYED:
                f_value, f_evidence, f_conf, f_docs, note = _merge_years(found[name])
            else:
                best, agreeing = _pick_found(found[name], tuple(priority.get(name, ())))
                f_value, f_conf, note = best.value, best.confidence, best.note
                f_evidence = best.evidence + tuple(e for v in agreeing for e in v.evidence)
                f_docs = tuple(dict.fromkeys(v.document for v in [best, *agreeing] if v.document))
        d_value, d_evidence, d_in = None, (), None
        for source in DECLARED_ORDER:
            v = declared.get(name, {}).get(source)
            if v is not None and v.value is not None:
                d_value, d_evidence, d_in = v.value, v.evidence, source
                break
        if name in PRESENCE and not found.get(name):
            f_value, note = False, "no such document in the dossier"
        out[name] = FieldReport(declared=d_value, found=f_value, evidence=(f_evidence[:MAX_EVIDENCE] + d_evidence[:2]),
                                confidence=f_conf, declared_in=d_in, found_in=f_docs, note=note)
    return out
