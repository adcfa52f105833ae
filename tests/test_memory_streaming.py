"""Memory flat in the page count: ingest streams a file's pages (each read only when asked for, none
held once the next one is read), and rendered pages are shared through a store bounded by bytes."""
from __future__ import annotations

import weakref

from PIL import Image

from core.records import PageText
from extract.images import MemberImages, RenderStore, pixel_bytes
from ingest import RawPage, limits, read_file
from test_ingest_limits import scan_pdf, self_drawing_update


def test_a_page_is_given_before_the_next_is_read(monkeypatch):
    # page 2 never finishes loading: a reader that read ahead would be stuck there and give page 1 late,
    # as a timeout; one that reads on request gives page 1 at once
    monkeypatch.setattr(limits, "READ_PAGE_SECONDS", 20.0)
    _, stream = read_file("scan.pdf", self_drawing_update(scan_pdf(2), [2]))
    first = next(stream)
    assert isinstance(first, RawPage) and first.page == 1 and first.image is not None
    stream.close()  # the reader stuck on nothing: it was never asked for page 2


def test_no_page_is_held_once_the_next_is_read():
    _, stream = read_file("scan.pdf", scan_pdf(4))
    earlier: list[weakref.ref] = []
    numbers = []
    for item in stream:
        assert isinstance(item, RawPage)
        assert all(ref() is None for ref in earlier), "an earlier page's pixels are still held"
        earlier.append(weakref.ref(item.image))
        numbers.append(item.page)
        del item
    assert numbers == [1, 2, 3, 4]


def _page(file: str, number: int) -> PageText:
    return PageText(file=file, page=number, width=1, height=1, source="ocr:rapidocr@1")


def test_the_render_store_is_bounded_by_bytes_not_count():
    big, small = Image.new("RGB", (100, 100)), Image.new("L", (100, 100))
    store = RenderStore(budget=3 * pixel_bytes(big))
    for n in range(3):
        store.put(("a.pdf", n, "colour"), big)
    store.get(("a.pdf", 0, "colour"))  # used again: the last to go
    store.put(("a.pdf", 3, "colour"), big)
    assert store.used <= store.budget
    assert ("a.pdf", 1, "colour") not in store and ("a.pdf", 0, "colour") in store
    for n in range(3):  # a grey page costs a third of a colour one
        store.put(("a.pdf", 10 + n, "ocr"), small)
    assert store.used <= store.budget and ("a.pdf", 10, "ocr") in store


def test_pages_rendered_once_are_shared_and_visited_first():
    data = scan_pdf(3)
    pages = [_page("scan.pdf", n) for n in (1, 2, 3)]
    images = MemberImages({"scan.pdf": data})
    third = images.colour(pages[2])
    assert images.colour(pages[2]) is third  # the second stage gets the same pixels, not a new render
    assert [p.page for p in images.rendered_first(pages)] == [3, 1, 2]
    tight = MemberImages({"scan.pdf": data}, budget=pixel_bytes(third))
    tight.colour(pages[0])
    tight.colour(pages[1])  # pushes page 1 out: only one page fits
    assert [p.page for p in tight.rendered_first(pages)] == [2, 1, 3]



def test_the_ocr_engine_runs_without_the_memory_arena():
    # onnxruntime's CPU arena kept 0.7-1 GB per process; the RapidOCR wheel turns it off in every session
    from extract.ocr.rapid import memory_arena

    assert memory_arena() is False


def test_pdf_pages_read_across_a_reopened_document_are_the_pages_themselves():
    # pdfium's document is opened afresh every few pages (it keeps every stream it loaded until closed):
    # the pages on both sides of each reopening are those that reading one page alone gives
    from ingest.pdf import _PDFIUM_REOPEN_PAGES, open_pdf, read_page

    count = 2 * _PDFIUM_REOPEN_PAGES + 2
    data = scan_pdf(count)
    streamed = list(open_pdf("scan.pdf", data).pages_iter)
    assert [p.page for p in streamed] == list(range(1, count + 1))
    for number in (1, _PDFIUM_REOPEN_PAGES, _PDFIUM_REOPEN_PAGES + 1, count):
        alone = read_page("scan.pdf", data, number)
        assert streamed[number - 1].image.tobytes() == alone.image.tobytes()
        assert streamed[number - 1].meta == alone.meta


def test_pdfminer_forgets_the_streams_of_pages_read():
    # pdfminer's document caches every object it parsed, a scan's JPEG bytes included, for the whole file
    import io

    import pdfplumber
    from pdfminer.pdftypes import PDFStream

    from ingest.pdf import _forget_parsed_streams

    with pdfplumber.open(io.BytesIO(scan_pdf(6))) as plumber:
        def cached_streams() -> int:
            return sum(isinstance(obj, PDFStream) for obj, _ in plumber.doc._cached_objs.values())

        first = [(im["srcsize"], im["x0"], im["top"]) for im in plumber.pages[0].images]
        for page in plumber.pages:
            assert page.images
        assert cached_streams() >= 6  # the six image streams at least: what the forgetting is for
        _forget_parsed_streams(plumber)
        assert cached_streams() == 0
        # parsed again when asked for: nothing of the page is lost with the cache
        assert [(im["srcsize"], im["x0"], im["top"]) for im in plumber.pages[0].images] == first


def test_the_reader_child_never_collects_the_workers_objects():
    # a collection in the forked reader would write to every object it inherited, copying the
    # worker's heap page by page (copy-on-write): the inherited objects are frozen there
    import gc

    from ingest.watchdog import call_within

    frozen_here = gc.get_freeze_count()
    assert call_within(30, gc.get_freeze_count) > frozen_here + 1000
