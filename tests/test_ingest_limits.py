"""Time limits of ingest (ingest/watchdog.py): a PDF whose incremental update makes a form draw itself
twice keeps pdfium loading that page for ever; the page is listed as unreadable, the other pages are
read, and the file and the batch go on. The PDFs are built here with pikepdf, the update appended to
the bytes as editors write one (test_forensics' writer)."""
from __future__ import annotations

import io
import time

import pikepdf
import pytest
from PIL import Image, ImageDraw

from core.records import Dossier, PageText
from dossier.pipeline import Options, read_member
from extract.images import MemberImages
from test_forensics import _append_update  # an incremental update as editors write one
from ingest import RawPage, limits, read_file
from verify.checks import unreadable_files
from verify.rules import load_rules


def scan_pdf(pages: int) -> bytes:
    """An image-only PDF of `pages` A4 pages at 72 dpi, each a JPEG with a black bar (as scanners write)."""
    pdf = pikepdf.new()
    for n in range(pages):
        img = Image.new("L", (595, 842), 255)
        ImageDraw.Draw(img).rectangle((60, 60 + 40 * n, 400, 90 + 40 * n), fill=0)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
        image = pikepdf.Stream(pdf, buf.getvalue(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                               Width=595, Height=842, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8,
                               Filter=pikepdf.Name.DCTDecode)
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
                                  Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
                                  Contents=pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"))
        pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def self_drawing_update(data: bytes, page_numbers: list[int]) -> bytes:
    """`data` with an incremental update after which each listed page (from 1) draws a form that draws
    itself twice: the form's resources name the form itself."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        size = int(pdf.trailer.Size)
        pages = {n: (pdf.pages[n - 1].obj.objgen[0], pdf.pages[n - 1].obj) for n in page_numbers}
        texts = {n: (num, b"<</Type/Page/Parent %d 0 R/MediaBox[0 0 595 842]" % obj.Parent.objgen[0])
                 for n, (num, obj) in pages.items()}
    objects: dict[int, bytes] = {}
    for n, (num, head) in texts.items():
        form, content = size, size + 1
        size += 2
        objects[num] = head + b"/Resources<</XObject<</F %d 0 R>>>>/Contents %d 0 R>>" % (form, content)
        objects[form] = (b"<</Type/XObject/Subtype/Form/BBox[0 0 595 842]/Resources<</XObject<</F %d 0 R>>>>"
                         b"/Length 11>>\nstream\n/F Do /F Do\nendstream" % form)
        objects[content] = b"<</Length 9>>\nstream\nq /F Do Q\nendstream"
    return _append_update(data, objects)


@pytest.fixture
def short_limits(monkeypatch):
    monkeypatch.setattr(limits, "READ_PAGE_SECONDS", 3.0)
    monkeypatch.setattr(limits, "READ_FILE_SECONDS", 30.0)


def test_the_update_makes_a_form_that_draws_itself():
    data = self_drawing_update(scan_pdf(3), [2])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        form = pdf.pages[1].Resources.XObject.F
        assert form.Resources.XObject.F.objgen == form.objgen  # refers to itself
        assert form.read_bytes().count(b"/F Do") == 2
        assert pdf.pages[0].Resources.XObject.Im0.Subtype == "/Image"  # the other pages untouched


def test_a_page_that_never_loads_is_listed_and_the_next_pages_are_read(short_limits):
    data = self_drawing_update(scan_pdf(3), [2])
    source, stream = read_file("scan.pdf", data)
    items = list(stream)
    assert source.pages == 3
    assert [(type(i).__name__, i.page) for i in items] == [("RawPage", 1), ("IngestIssue", 2), ("RawPage", 3)]
    problem = items[1]
    assert problem.category == "timeout" and "page 2" in problem.message and "超时" in problem.message
    third = items[2]  # page 3 rendered from its own image (a new reader started there)
    assert third.image is not None and abs(third.image.width - 595 * third.dpi / 72) <= 1


def test_a_file_past_its_time_limit_is_cut_and_the_rest_listed(monkeypatch):
    monkeypatch.setattr(limits, "READ_PAGE_SECONDS", 2.0)
    monkeypatch.setattr(limits, "READ_FILE_SECONDS", 5.0)
    data = self_drawing_update(scan_pdf(6), [1, 2, 3, 4, 5, 6])
    started = time.monotonic()
    source, stream = read_file("scan.pdf", data)
    items = list(stream)
    assert time.monotonic() - started < 5.0 + 2.0 + 10.0  # bounded: the file's limit, not for ever
    assert not any(isinstance(i, RawPage) for i in items)
    assert all(i.category == "timeout" for i in items)
    assert "not read" in items[-1].message and items[-1].page is None  # the rest of the file, named
    assert len(items) < 6  # the file's limit stopped it before every page had its own time


def test_the_time_between_pages_is_not_the_files(monkeypatch):
    # the caller OCRs each page before asking for the next: that is not time spent reading the file
    monkeypatch.setattr(limits, "READ_FILE_SECONDS", 4.0)
    _, stream = read_file("scan.pdf", scan_pdf(3))
    got = []
    for item in stream:
        got.append((type(item).__name__, item.page))
        time.sleep(2.5)  # a page's OCR
    assert got == [("RawPage", 1), ("RawPage", 2), ("RawPage", 3)]


def test_the_package_reports_the_unreadable_page(short_limits):
    data = self_drawing_update(scan_pdf(3), [2])
    source, pages = read_member("scan.pdf", data, Options())
    assert source.status == "partial"
    assert [p.page for p in pages] == [1, 3]
    dossier = Dossier(applicant="a", files=(source,), pages=tuple(pages))
    found = unreadable_files(dossier, load_rules(None))
    assert [(f.rule, f.evidence[0].page) for f in found] == [("INGEST.UNREADABLE", 2)]
    assert "timeout" in found[0].message



def test_an_earlier_revision_is_rendered_under_the_limits(short_limits):
    # the forensics render the first revision of an updated PDF, bytes ingest never read: here its page 1
    # draws itself (saved as one revision, as if a later update had mended it)
    with pikepdf.open(io.BytesIO(self_drawing_update(scan_pdf(2), [1]))) as pdf:
        out = io.BytesIO()
        pdf.save(out)
    first = out.getvalue()
    pages = [PageText(file="scan.pdf", page=n, width=595, height=842, source="ocr:rapidocr@1") for n in (1, 2)]
    images = MemberImages({"scan.pdf": first}, unread=True)
    assert images.colour(pages[0]) is None  # given up after READ_PAGE_SECONDS, not for ever
    assert images.colour(pages[1]) is not None  # the page that loads is rendered all the same
