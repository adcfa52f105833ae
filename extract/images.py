"""Page images for extractors that look at pixels (tick boxes) or read a region again, and for the
reports' evidence crops and the batch fingerprint, which look at every OCR'd page in colour.

The pipeline keeps the package's files at hand while it extracts (the bytes of a zip's members, the
files of a folder on disk: `ingest.ondisk`); a page's image is rendered again on demand and
normalised exactly as when it was read (rotation and skew replayed), so OCR bboxes index it directly. Rendered pages are shared by every stage through a least-recently
used store bounded by their pixels' bytes (not their count: a 300-dpi colour page is 35 MB, a
200-dpi one 15 MB), so a 200-page scan holds no more than a 14-page one. Originals are only read.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable

from PIL import Image

from core.records import PageText
from ingest import limits, read_file
from ingest.backends import open_file
from ingest.ondisk import FileData, format_of, whole
from ingest.watchdog import call_within
from ingest.pages import RawPage

log = logging.getLogger("dossier.extract")
KEEP_BYTES = 192 * 1024 * 1024  # pixels of rendered pages held at once: ten 200-dpi pages in colour and grey

_Key = tuple[str, int, str]  # (file, page, "ocr" or "colour")


class RenderStore:
    """Images by key, the least recently used dropped once their pixels pass `budget` bytes."""

    def __init__(self, budget: int = KEEP_BYTES):
        self.budget, self.used = budget, 0
        self._items: OrderedDict[_Key, Image.Image] = OrderedDict()

    def get(self, key: _Key) -> Image.Image | None:
        image = self._items.get(key)
        if image is not None:
            self._items.move_to_end(key)
        return image

    def put(self, key: _Key, image: Image.Image) -> None:
        size = pixel_bytes(image)
        if size > self.budget or key in self._items:
            return
        self._items[key] = image
        self.used += size
        while self.used > self.budget:
            _, dropped = self._items.popitem(last=False)
            self.used -= pixel_bytes(dropped)

    def __contains__(self, key: _Key) -> bool:
        return key in self._items


def pixel_bytes(image: Image.Image) -> int:
    """The memory an image's pixels take: Pillow keeps a byte a pixel for modes 1, L and P, two for
    I;16, and four for every other (RGB included, stored as RGBX: a 300-dpi colour page is 35 MB)."""
    per_pixel = 1 if image.mode in ("1", "L", "P") else 2 if image.mode.startswith("I;16") else 4
    return image.width * image.height * per_pixel


class MemberImages:
    """`get(page)` / `colour(page)` → the normalised images of an OCR'd page of one of `members`
    (path → bytes, or the file on disk)."""

    def __init__(self, members: dict[str, FileData], budget: int = KEEP_BYTES, unread: bool = False):
        """`unread`: ingest did not read these bytes (an earlier revision of a PDF): their pages are
        rendered in a child process under ingest's time limits, as a page that never loads would hang here."""
        self._members = members
        self._store = RenderStore(budget)
        self._unread = unread

    @property
    def members(self) -> dict[str, FileData]:
        """The package's original files (path → bytes or `OnDisk`), read-only use: forensics look at
        the files themselves (`ingest.ondisk.whole` gives the bytes)."""
        return self._members

    def get(self, page: PageText) -> Image.Image | None:
        """The page as OCR read it (red seals suppressed)."""
        return self._image(page, "ocr")

    def colour(self, page: PageText) -> Image.Image | None:
        """The page in colour, turned and deskewed as OCR read it (seals visible): `get`'s bboxes index it."""
        return self._image(page, "colour")

    colour_only = colour  # the name the evidence crops and forensics knew it by

    def rendered_first(self, pages: Iterable[PageText]) -> list[PageText]:
        """`pages` with those whose colour image is held first: a stage that visits every page (the
        fingerprint) uses what an earlier one (the evidence crops) rendered before it is pushed out."""
        pages = list(pages)
        held = [p for p in pages if (p.file, p.page, "colour") in self._store]
        return held + [p for p in pages if (p.file, p.page, "colour") not in self._store]

    def _image(self, page: PageText, kind: str) -> Image.Image | None:
        if not page.source.startswith("ocr:") or page.file not in self._members:
            return None
        key = (page.file, page.page, kind)
        image = self._store.get(key)
        if image is not None:
            return image
        try:
            image = self._render(page, kind)
        except Exception as exc:  # pixels are a second look; without them the text readings stand
            log.warning("cannot render %s page %s again: %s", page.file, page.page, exc)
            return None
        if image is not None:
            self._store.put(key, image)
        return image

    def _render(self, page: PageText, kind: str) -> Image.Image | None:
        from extract.ocr.page import normalised_colour, normalised_image

        raw = self._raw(page)
        if raw is None:
            return None
        return normalised_image(raw, page) if kind == "ocr" else normalised_colour(raw, page)

    def _raw(self, page: PageText) -> RawPage | None:
        """The page as ingest read it; a PDF page is rendered alone (not after every page before it).
        Read here (ingest read it within its time limits already) unless the bytes are `unread`."""
        data = self._members[page.file]
        if format_of(data, page.file) == "pdf":
            from ingest.pdf import read_page

            raw = (call_within(limits.READ_PAGE_SECONDS, read_page, page.file, data, page.page) if self._unread
                   else read_page(page.file, data, page.page))
            if raw is not None and raw.image is not None:
                return raw
        if self._unread:
            _, items = read_file(page.file, whole(data))
        else:
            _, opened = open_file(page.file, data)
            items = opened.pages_iter if opened is not None else iter(())
        for raw in items:
            if isinstance(raw, RawPage) and raw.page == page.page and raw.image is not None:
                return raw
        return None
