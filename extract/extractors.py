"""The registry of field extractors, one per document type, and what every extractor is given.

An extractor is `fn(doc, pages, ctx) -> list[ExtractedValue]`: it reads one document (its pages,
in page order) and returns every field reading it can support, each with evidence. It never
judges eligibility. It is registered under the document type's name and a version:

    @extractors.register("diploma", version="1")
    def read_diploma(doc, pages, ctx): ...
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from core.records import Document, ExtractedValue, PageText
from core.registry import Registry


class PageImages(Protocol):
    """Gives the image a page's bboxes refer to (the normalised scan), or None when there is none."""

    def get(self, page: PageText) -> Image.Image | None: ...


@dataclass
class ExtractContext:
    images: PageImages | None = None  # for pixel checks (tick boxes, seals) and re-reading a region
    extra_pages: Sequence[PageText] = ()  # pages from outside the package (the batch's 汇总表)
    hints: dict[str, str] = field(default_factory=dict)  # name / id_number read so far, to match 汇总表 rows
    engine: str | None = None  # the OCR engine that read the pages (None: the default); weak readings
    reread: bool = True  # are read again by the other engine (extract/reread.py)


Extractor = Callable[[Document, list[PageText], ExtractContext], list[ExtractedValue]]
extractors: Registry[Extractor] = Registry("field extractor")
