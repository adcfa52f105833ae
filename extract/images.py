"""Page images for extractors that look at pixels (tick boxes) or read a region again.

The pipeline keeps the bytes of the package's files while it extracts; a page's image is
rendered again on demand and normalised exactly as when it was read (rotation and skew replayed),
so OCR bboxes index it directly. Originals are only read.
"""
from __future__ import annotations

import logging
from collections import OrderedDict

from PIL import Image

from core.records import PageText
from ingest import detect_format, read_file
from ingest.pages import RawPage

log = logging.getLogger("dossier.extract")
KEEP = 3  # normalised pages held at once (an A4 scan at 300 dpi is ~25 MB)


class MemberImages:
    """`get(page)` → the normalised image of an OCR'd page of one of `members` (path → bytes)."""

    def __init__(self, members: dict[str, bytes]):
        self._members = members
        # (file, page) → (the page as OCR read it, the colour page turned and deskewed alike)
        self._cache: OrderedDict[tuple[str, int], tuple[Image.Image, Image.Image]] = OrderedDict()

    @property
    def members(self) -> dict[str, bytes]:
        """The package's original bytes (path → bytes), read-only use: forensics look at the files themselves."""
        return self._members

    def get(self, page: PageText) -> Image.Image | None:
        """The page as OCR read it (red seals suppressed)."""
        got = self._both(page)
        return got[0] if got else None

    def colour(self, page: PageText) -> Image.Image | None:
        """The page in colour, turned and deskewed as OCR read it (seals visible): rendered with `get`'s."""
        got = self._both(page)
        return got[1] if got else None

    def _both(self, page: PageText) -> tuple[Image.Image, Image.Image] | None:
        if not page.source.startswith("ocr:") or page.file not in self._members:
            return None
        key = (page.file, page.page)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        try:
            both = self._render(page)
        except Exception as exc:  # pixels are a second look; without them the text readings stand
            log.warning("cannot render %s page %s again: %s", page.file, page.page, exc)
            return None
        if both is not None:
            self._cache[key] = both
            while len(self._cache) > KEEP:
                self._cache.popitem(last=False)
        return both

    def _render(self, page: PageText) -> tuple[Image.Image, Image.Image] | None:
        from extract.ocr.page import normalised_colour, normalised_image

        raw = self._raw(page)
        if raw is None:
            return None
        return normalised_image(raw, page), normalised_colour(raw, page)

    def colour_only(self, page: PageText) -> Image.Image | None:
        """`colour(page)` without making the OCR image when the page is not cached (evidence crops)."""
        key = (page.file, page.page)
        if key in self._cache:
            return self._cache[key][1]
        if not page.source.startswith("ocr:") or page.file not in self._members:
            return None
        from extract.ocr.page import normalised_colour

        try:
            raw = self._raw(page)
            return None if raw is None else normalised_colour(raw, page)
        except Exception as exc:
            log.warning("cannot render %s page %s again: %s", page.file, page.page, exc)
            return None

    def _raw(self, page: PageText) -> RawPage | None:
        """The page as ingest read it; a PDF page is rendered alone (not after every page before it)."""
        data = self._members[page.file]
        if detect_format(data, page.file) == "pdf":
            from ingest.pdf import read_page

            raw = read_page(page.file, data, page.page)
            if raw is not None and raw.image is not None:
                return raw
        _, items = read_file(page.file, data)
        for raw in items:
            if isinstance(raw, RawPage) and raw.page == page.page and raw.image is not None:
                return raw
        return None
