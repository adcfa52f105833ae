"""MemberImages: a page rendered again is the page OCR read, whichever way it is fetched."""
import io

import numpy as np
from PIL import Image, ImageDraw

from core.records import PageText
from extract.images import MemberImages
from ingest import read_file
from ingest.pages import RawPage


def _scan_pdf(n: int) -> bytes:
    pages = []
    for i in range(n):
        img = Image.new("RGB", (850, 1100), "white")
        d = ImageDraw.Draw(img)
        d.rectangle((100 + 40 * i, 200, 400 + 40 * i, 260), fill=(200, 0, 0) if i % 2 else "black")
        pages.append(img)
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=100, save_all=True, append_images=pages[1:])
    return buf.getvalue()


def test_a_pdf_page_is_rendered_alone_and_equals_the_page_ingest_gave():
    data = _scan_pdf(4)
    _, items = read_file("p/scan.pdf", data)
    raws = [r for r in items if isinstance(r, RawPage)]
    assert len(raws) == 4
    images = MemberImages({"p/scan.pdf": data})
    for raw in (raws[2], raws[3]):
        page = PageText(file="p/scan.pdf", page=raw.page, width=raw.width, height=raw.height, source="ocr:tesseract@1")
        got = images.colour_only(page)
        assert got is not None and got.size == raw.image.size
        assert np.array_equal(np.asarray(got), np.asarray(raw.image.convert("RGB")))
        assert np.array_equal(np.asarray(images.colour(page)), np.asarray(got))


def test_a_page_that_is_not_there_gives_none():
    images = MemberImages({"p/scan.pdf": _scan_pdf(2)})
    page = PageText(file="p/scan.pdf", page=5, width=1, height=1, source="ocr:tesseract@1")
    assert images.colour_only(page) is None and images.get(page) is None
