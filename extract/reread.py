"""A second look at weakly read deciding fields: the value's line, cut out at twice the
resolution and read by the other OCR engine.

Where both engines read the same value the reading is confirmed and its confidence raised to the
lower engine's line confidence (at least `CONFIRMED`); where they differ, the better-supported
reading (engine confidence × reader certainty) is kept, its confidence capped at `DISPUTED`, and
the note names both readings, for a human.
"""
from __future__ import annotations

import logging
import re

from PIL import Image

from core.records import Evidence, ExtractedValue, PageText
from extract import dates, values as readers
from extract.extractors import ExtractContext

log = logging.getLogger("dossier.extract")
DECIDING = ("birth_date", "graduation_date", "technician_date", "probation_end_date", "publicity_start",
            "publicity_end", "id_number", "education", "appraisals", "probation_passed", "submission_date",
            "opinion_date")
RANGE_END = {"publicity_start": "start", "publicity_end": "end", "probation_end_date": "end"}
REREAD_BELOW = 0.85
CONFIRMED = 0.9
DISPUTED = 0.6
SCALE = 2


def _read_again(field: str, text: str):
    """(value, certainty) of the field in a re-read line, or None."""
    if field == "id_number":
        r = readers.read_id_number(text)
        return (r.value, r.certainty) if r else None
    if field == "education":
        r = readers.read_education(text)
        return (r.value, r.certainty) if r else None
    if field == "probation_passed":
        r = readers.read_bool_result(text)
        return (r.value, r.certainty) if r and r.value is not None else None
    if field == "appraisals":
        g = readers.find_grades(text)
        if len(g) == 1:
            return g[0].value, g[0].certainty
        return _grade_fragment(text) if not g else None
    if field in RANGE_END:  # one end of a period: only a whole period read again can say which end
        ranges = [r for r in dates.find_ranges(text) if r.start.value and r.end.value]
        if len(ranges) != 1:
            return None
        m = ranges[0].start if RANGE_END[field] == "start" else ranges[0].end
        return m.value, m.certainty
    if field == "technician_date":  # an appointment period: it takes effect at its start
        ranges = [r for r in dates.find_ranges(text) if r.start.value]
        if len(ranges) == 1:
            return ranges[0].start.value, ranges[0].start.certainty
    if re.search(r"[至到~～]", text):  # part of a period whose other end OCR lost: which end is unknowable
        return None
    found = [m for m in dates.find_dates(text) if m.value]
    return (found[0].value, found[0].certainty) if len(found) == 1 else None


def _grade_fragment(text: str):
    """(grade, 1.0) for a cell that holds only part of one grade word, a part no other grade word
    contains ("秀" of 优秀, whose 优 a pen tick covered), as extract/appraisal.py reads it; else None."""
    from extract.lexicon import load_lexicon

    rest = re.sub(r"[\s口囗□☐▢☑✓√☒■✔▣]", "", text)
    holders = [g for g in load_lexicon().grade_words() if rest and rest in g] if len(rest) <= 3 else []
    return (holders[0], 1.0) if len(holders) == 1 else None


def _grammar_certainty(value: ExtractedValue) -> float:
    """How sure the reading's grammar (or pixels) was, apart from OCR: its confidence over the lowest OCR
    confidence of its evidence. Another engine reading the same characters confirms only the characters."""
    ocr = min((e.confidence for e in value.evidence if e.confidence is not None), default=None)
    if not ocr or ocr <= 0:
        return 1.0
    return min(1.0, round(value.confidence / ocr, 2))


def _line_box(page: PageText, bbox) -> tuple[float, float, float, float] | None:
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    for line in page.lines:
        if line.bbox and line.bbox[0] <= cx <= line.bbox[2] and line.bbox[1] <= cy <= line.bbox[3]:
            return line.bbox
    return bbox


def _crop(image: Image.Image, box, pad: float) -> Image.Image:
    x0, y0, x1, y1 = box
    h = y1 - y0
    region = (max(0, x0 - pad * h), max(0, y0 - pad * h), min(image.width, x1 + pad * h), min(image.height, y1 + pad * h))
    crop = image.crop(tuple(int(v) for v in region))
    return crop.resize((crop.width * SCALE, crop.height * SCALE), Image.LANCZOS)


def reread(value: ExtractedValue, pages: dict[tuple[str, int], PageText], ctx: ExtractContext,
           engines: str | tuple[str, ...]) -> ExtractedValue:
    """`value` confirmed, replaced or left as it was after reading its line again: with each of
    `engines` in turn (the other engine first, then the first one at twice the resolution) until one
    reads a value there."""
    from extract.ocr import get_engine

    if ctx.images is None or value.field not in DECIDING or value.confidence >= REREAD_BELOW:
        return value
    inner = value.value
    if value.field == "appraisals" and isinstance(value.value, dict) and len(value.value) == 1:
        inner = next(iter(value.value.values()))
    if inner is not None and value.note and "the day was lost" not in value.note:
        return value  # weak because it was inferred, not because it was misread: another look can't help
    if value.note and "tick-box" in value.note:
        return value  # text cannot tell which box is ticked, whoever reads it
    ev = [e for e in value.evidence if e.bbox is not None and e.page is not None]
    if value.field == "appraisals":
        ev = ev[-1:]  # the grade (the year comes first)
    if not ev:
        return value
    target: Evidence = ev[0]
    page = pages.get((target.file, target.page))
    image = ctx.images.get(page) if page is not None else None
    if image is None:
        return value
    box = _line_box(page, target.bbox)
    old = value.value
    if value.field == "appraisals":
        (year, old), = value.value.items() if len(value.value) == 1 else ((None, None),)
    again, tried = None, []
    order = (engines,) if isinstance(engines, str) else engines
    for i, engine in enumerate(order):
        try:
            lines = get_engine(engine).read(_crop(image, box, 0.3), 300)
        except Exception as exc:  # the second look is a bonus; its failure leaves the first reading
            log.warning("re-reading %s with %s failed: %s", value.field, engine, exc)
            continue
        text = " ".join(line.text for line in lines)
        conf = min((line.confidence for line in lines), default=0.0)
        again = _read_again(value.field, text)
        if again is not None:
            break
        tried.append(f"{engine} could not read it again ({text!r})")
    if again is None:
        return value.model_copy(update={"note": _join(value.note, "; ".join(tried) or "no engine could look again")})
    new, certainty = again
    if isinstance(new, str) and isinstance(old, str) and old.startswith(new) and len(new) < len(old):
        # the other engine read less of the same date (the month only): it agrees as far as it goes
        return value.model_copy(update={"note": _join(value.note, f"{engine} read only {new!r}")})
    if new == old:
        if certainty < 0.9:  # read the same, but as uncertainly (a day without its 日): no confirmation
            return value.model_copy(update={"note": _join(value.note, f"{engine} reads the same, as uncertainly")})
        if value.note and "the day was lost" in value.note:  # both engines miss the day: still a human's call
            return value.model_copy(update={"note": _join(value.note, f"{engine} also reads only the month")})
        if i > 0:  # the same engine again, at 2×: consistent, but not an independent confirmation
            return value.model_copy(update={"note": _join(value.note, f"{engine} at 2× reads the same")})
        confidence = min(max(value.confidence, min(conf, 1.0), CONFIRMED), _grammar_certainty(value))
        return value.model_copy(update={"confidence": round(min(confidence, 1.0), 3),
                                        "note": _join(value.note, f"confirmed by {engine}")})
    support_new = conf * certainty
    how = engine if i == 0 else f"{engine} at 2×"
    note = _join(value.note, f"{old!r} on first reading, {new!r} by {how}" if old is not None
                 else f"read only by {how}: {new!r}")
    if old is None or support_new > value.confidence:
        new_value = {year: new} if value.field == "appraisals" else new
        new_ev = Evidence(file=target.file, page=target.page, bbox=box, text=text, confidence=round(conf, 3),
                          extractor=f"reread:{engine}" + ("" if i == 0 else "@2x"))
        return value.model_copy(update={"value": new_value, "confidence": round(min(support_new, DISPUTED), 3),
                                        "evidence": (new_ev, *value.evidence), "note": note})
    return value.model_copy(update={"confidence": round(min(value.confidence, DISPUTED), 3), "note": note})


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b


def second_engine(first: str | None) -> str:
    from extract.ocr import DEFAULT_ENGINE

    first = first or DEFAULT_ENGINE
    return "tesseract@1" if first.startswith("rapidocr") else "rapidocr@1"


def second_looks(first: str | None) -> tuple[str, ...]:
    """The engines a weak reading is read again with: the other one, then the first at 2× the pixels."""
    from extract.ocr import DEFAULT_ENGINE

    return second_engine(first), first or DEFAULT_ENGINE
