"""Extraction of one dossier: every document through its registered extractor, then the merge.

Evidence documents are read first, so the name and ID number they show can pick the applicant's
row out of a unit's 汇总表; the review form next; the 汇总表 last. A document whose extractor
fails is recorded as a reading with a note, never a crash of the package.
"""
from __future__ import annotations

import logging

from core.errors import RegistryError
from core.records import Document, Dossier, ExtractedValue, PageText
from extract import declared as _declared  # noqa: F401  (registers review_form / summary_table)
from extract import found as _found  # noqa: F401  (registers the evidence extractors)
from extract.extractors import ExtractContext, extractors
from extract.forensics import forensic_readings
from extract.merge import merge_fields
from extract.reread import reread, second_looks
from extract.seals import pixel_readings

log = logging.getLogger("dossier.extract")
LAST = {"review_form": 1, "summary_table": 2}
HINT_SOURCES = {"name": ("id_card", "chsi_report", "review_form"), "id_number": ("id_card", "chsi_report", "review_form")}


def _hints(values: list[ExtractedValue]) -> dict[str, str]:
    hints: dict[str, str] = {}
    for field, sources in HINT_SOURCES.items():
        for source in sources:
            got = [v for v in values if v.field == field and v.document == source and v.value]
            if got:
                hints[field] = max(got, key=lambda v: v.confidence).value
                break
    return hints


def _employer_types(values: list[ExtractedValue]) -> list[ExtractedValue]:
    """employer_type where the employer's printed name decides it (…局 is a government body, …中心 a
    public institution); a company name does not tell state-owned from private, so gives nothing."""
    from extract.lexicon import load_lexicon

    endings = load_lexicon().employer_name_endings
    out = []
    for v in values:
        if v.field != "employer" or v.origin != "found" or not isinstance(v.value, str):
            continue  # declared: what the applicant wrote, and no form here asks for the kind
        for kind, words in endings.items():
            if v.value.endswith(tuple(words)):
                out.append(v.model_copy(update={
                    "field": "employer_type", "value": kind, "extractor": "employer_type@1",
                    "confidence": round(v.confidence * 0.9, 3), "note": f"from the employer's name {v.value}"}))
                break
    return out


def _run(doc: Document, pages: list[PageText], ctx: ExtractContext) -> list[ExtractedValue]:
    try:
        extractor = extractors.get(doc.type)
    except RegistryError:
        return []
    try:
        return list(extractor(doc, pages, ctx))
    except Exception as exc:  # one unreadable document must not lose the others' readings
        log.warning("extracting %s from %s failed: %s", doc.type, doc.file, exc, exc_info=True)
        return [ExtractedValue(field="extraction_failed", value=doc.type, extractor=f"{doc.type}", document=doc.type,
                               confidence=0.0, note=f"{doc.file} pages {list(doc.pages)}: {type(exc).__name__}: {exc}")]


def extract_dossier(dossier: Dossier, ctx: ExtractContext | None = None) -> Dossier:
    """The dossier with `values` (every reading) and `fields` (the merged field table) filled in."""
    ctx = ctx or ExtractContext()
    by_page = {(p.file, p.page): p for p in dossier.pages}
    values: list[ExtractedValue] = []
    docs = sorted(dossier.documents, key=lambda d: LAST.get(d.type, 0))
    has_summary = any(d.type == "summary_table" for d in docs)
    for doc in docs:
        if doc.type == "summary_table":
            ctx.hints = _hints(values)
        pages = [by_page[(doc.file, p)] for p in doc.pages if (doc.file, p) in by_page]
        values += _run(doc, pages, ctx)
    if not has_summary and ctx.extra_pages:  # only the batch holds a 汇总表
        ctx.hints = _hints(values)
        batch_doc = Document(type="summary_table", file=ctx.extra_pages[0].file, pages=(), sha256="")
        values += _run(batch_doc, [], ctx)
    values += _employer_types(values)
    if ctx.reread and ctx.images is not None:
        engines = second_looks(ctx.engine)
        values = [reread(v, by_page, ctx, engines) if v.origin == "found" else v for v in values]
    # unit seals and signature ink seen in the colour pages: readings for the checks, kept out of the field
    # table (their evidence is a region of pixels, not text read there)
    pixels = pixel_readings(docs, by_page, ctx)
    # signs of editing in the files' own bytes (metadata, revisions, recompression): for the fraud checks
    pixels += forensic_readings(dossier, docs, ctx)
    return dossier.model_copy(update={"values": tuple(values) + tuple(pixels), "fields": merge_fields(values)})
