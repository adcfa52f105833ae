"""Turns an ingested page into text with geometry: OCR for pixels, the text as-is otherwise."""
from __future__ import annotations

from core.records import PageText
from ingest.pages import RawPage

SOURCE_OF_KIND = {"text_layer": "text_layer", "docx": "docx", "xlsx": "xlsx"}


def to_page_text(raw: RawPage, engine: str | None = None) -> PageText:
    """Read one page: OCR (after page normalisation) for images, the carried text otherwise.

    Raises core.errors.ExternalTimeoutError / ExternalProgramError when OCR fails on this page.
    """
    if raw.needs_ocr:
        from extract.ocr import DEFAULT_ENGINE, ocr_page

        return ocr_page(raw, engine or DEFAULT_ENGINE)
    return PageText(
        file=raw.file,
        page=raw.page,
        width=raw.width,
        height=raw.height,
        source=SOURCE_OF_KIND[raw.kind],
        lines=raw.lines,
        tables=raw.tables,
        meta=dict(raw.meta),
    )
