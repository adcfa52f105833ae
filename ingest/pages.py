"""What ingest hands to extraction: one `RawPage` per page of a submitted file.

A RawPage holds pixels (scans, photos, image-only PDF pages) or positioned text (text-layer PDF
pages, DOCX, XLSX). It is not serialised: extraction turns it into a `core.records.PageText`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from core.records import Line

PageKind = Literal["image", "text_layer", "docx", "xlsx"]


@dataclass(frozen=True)
class RawPage:
    file: str  # path inside the applicant's package
    page: int  # from 1
    kind: PageKind
    width: float  # pixels for images, PDF points for text layers, 0 for DOCX/XLSX
    height: float
    image: Image.Image | None = None  # RGB, EXIF orientation already applied; None for text pages
    dpi: int | None = None  # known or estimated resolution of `image`
    lines: tuple[Line, ...] = ()  # text pages: lines (with words and boxes where there is geometry)
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()  # DOCX/XLSX tables: rows of cell texts
    meta: dict[str, str] = field(default_factory=dict)  # EXIF (DateTimeOriginal, Software, ...), PDF info

    @property
    def needs_ocr(self) -> bool:
        return self.kind == "image"
