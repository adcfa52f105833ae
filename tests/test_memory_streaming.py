"""Memory flat in the page count: ingest streams a file's pages (each read only when asked for, none
held once the next one is read), and rendered pages are shared through a store bounded by bytes."""
from __future__ import annotations

import os
import weakref
from pathlib import Path

import numpy as np
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



def test_only_the_ocr_detector_runs_on_a_memory_arena_and_it_is_shrunk_after_each_run():
    # onnxruntime's CPU arena kept 0.7-1 GB per process: the RapidOCR wheel turns it off in every session;
    # our detector runs on one that gives back what a run freed (rapid.ArenaSession), the others stay off
    from extract.ocr.rapid import memory_arenas

    assert memory_arenas() == {"detector": "shrunk after each run", "classifier": "off", "recogniser": "off"}


def test_the_detector_on_its_arena_reads_what_the_wheels_session_reads():
    # the arena changes where tensors live, not what the network computes: same probability map
    from extract.ocr.rapid import _rapidocr

    detector = _rapidocr().text_det
    rng = np.random.default_rng(7)
    tensor = rng.normal(size=(1, 3, 320, 256)).astype(np.float32)
    ours, shipped = detector.infer(tensor)[0], detector.shipped.infer(tensor)[0]
    assert ours.shape == shipped.shape == (1, 1, 320, 256)
    assert np.array_equal(ours, shipped)


_PAGE_SIZED_BUFFER = """
import ctypes, sys
from pathlib import Path
if sys.argv[1] == "worker":
    from dossier.pipeline import worker_init
    worker_init()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free(ctypes.c_void_p(libc.malloc(30 << 20)))  # a page freed: glibc's own threshold rises to its size
block = libc.malloc(9 << 20)  # the next page's grey image
for line in Path("/proc/self/maps").read_text().splitlines():
    if line.endswith("[heap]"):
        start, end = (int(v, 16) for v in line.split()[0].split("-"))
        print("heap" if start <= block < end else "mapped")
        break
else:
    print("mapped")
"""


def test_a_worker_maps_page_sized_buffers_on_their_own():
    # glibc's dynamic threshold put them in its heap after the first page freed one: holes there that the
    # next pages' buffers did not fit, and a worker's memory climbed with the page count
    import subprocess
    import sys

    def where(kind: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}  # glibc's own defaults
        run = subprocess.run([sys.executable, "-c", _PAGE_SIZED_BUFFER, kind], capture_output=True, text=True,
                             check=True, cwd=Path(__file__).resolve().parents[1], env=env)
        return run.stdout.strip()

    assert where("plain") == "heap"  # glibc as it comes: the control
    assert where("worker") == "mapped"


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


_IMAGE_RSS = """
import sys
from pathlib import Path
from PIL import Image
from extract.images import pixel_bytes

def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("no VmRSS")

before = rss()
image = Image.new(sys.argv[1], (4096, 4096), 77)  # every pixel written: all of it resident
print(rss() - before, pixel_bytes(image))
"""


def test_the_render_store_counts_the_memory_pillow_takes_for_a_page():
    # Pillow keeps RGB pixels in four bytes (RGBX): counted as three, the 192 MB store held 256 MB of pages
    import subprocess
    import sys

    for mode in ("RGB", "L"):
        run = subprocess.run([sys.executable, "-c", _IMAGE_RSS, mode], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parents[1])
        grown, counted = (int(v) for v in run.stdout.split())
        assert abs(grown - counted) < 0.05 * counted, (mode, grown, counted)


def _folder_package(tmp_path: Path, data: bytes, name: str = "scan.pdf"):
    from ingest import find_packages, iter_members

    (tmp_path / "batch" / "张伟").mkdir(parents=True)
    (tmp_path / "batch" / "张伟" / name).write_bytes(data)
    ref = next(r for r in find_packages(tmp_path / "batch") if r.key == "张伟")
    (member,) = iter_members(ref)
    return member


def test_a_folders_pdf_stays_on_disk_and_reads_as_its_bytes_do(tmp_path):
    # a 200-page scan is a 70 MB file: held by the worker (and its reader) for the whole package it cost
    # what the pages cost; left on disk, pdfium and pdfplumber read only what they parse
    import hashlib

    from extract.images import MemberImages
    from ingest.ondisk import OnDisk

    data = scan_pdf(3)
    member = _folder_package(tmp_path, data)
    assert isinstance(member.source, OnDisk) and member.data == data
    assert member.held().source == data  # for a worker on another machine: the bytes themselves
    on_disk, pages = read_file(member.path, member.source)
    in_memory, expected = read_file(member.path, data)
    assert on_disk == in_memory and on_disk.sha256 == hashlib.sha256(data).hexdigest()
    assert on_disk.format == "pdf" and on_disk.status == "ok" and on_disk.pages == 3
    pages, expected = list(pages), list(expected)
    assert [p.image.tobytes() for p in pages] == [p.image.tobytes() for p in expected]
    ocr_page = PageText(file=member.path, page=2, width=1, height=1, source="ocr:rapidocr@1")
    again = MemberImages({member.path: member.source})._raw(ocr_page)
    assert again.image.tobytes() == expected[1].image.tobytes()


def test_a_file_changed_on_disk_during_the_check_is_reported_not_mixed(tmp_path):
    member = _folder_package(tmp_path, scan_pdf(2))
    path = member.source.path
    path.write_bytes(scan_pdf(3))  # replaced by a clerk while the batch runs
    os.utime(path, ns=(member.source.mtime_ns + 10**9, member.source.mtime_ns + 10**9))
    source, pages = read_file(member.path, member.source)
    assert source.status == "failed" and list(pages) == []
    assert "changed on disk" in source.issues[0].message
    ocr_page = PageText(file=member.path, page=1, width=1, height=1, source="ocr:rapidocr@1")
    from extract.images import MemberImages

    assert MemberImages({member.path: member.source}).get(ocr_page) is None  # no pixels of the other file




def test_a_pdf_changed_on_disk_while_its_pages_are_read_is_not_mixed_in(tmp_path):
    # pdfium and pdfplumber read a file on disk as they parse it: a file rewritten under them would give
    # the other file's bytes at the first one's offsets
    member = _folder_package(tmp_path, scan_pdf(4))
    source, stream = read_file(member.path, member.source)
    first = next(stream)
    member.source.path.write_bytes(scan_pdf(5))  # replaced while its pages are read
    rest = list(stream)
    assert first.page == 1 and source.status == "ok"
    assert [(i.category, i.page) for i in rest] == [("corrupt", None)]
    assert "changed on disk" in rest[0].message and "pages from 2 on not read" in rest[0].message


def test_a_file_changed_before_a_new_reader_goes_on_leaves_the_rest_unread(tmp_path, monkeypatch):
    # after a page that never loads a new reader goes on from the next page: it opens the file again,
    # and a file that is no longer the one whose first pages were read is not mixed in
    import threading

    from test_ingest_limits import self_drawing_update

    monkeypatch.setattr(limits, "READ_PAGE_SECONDS", 3.0)
    member = _folder_package(tmp_path, self_drawing_update(scan_pdf(4), [2]))
    source, stream = read_file(member.path, member.source)
    first = next(stream)
    # replaced while the reader is stuck on page 2 (its form draws itself): the new reader finds it
    threading.Timer(1.0, member.source.path.write_bytes, (scan_pdf(5),)).start()
    rest = list(stream)
    assert first.page == 1 and source.status == "ok"
    assert [(i.category, i.page) for i in rest] == [("timeout", 2), ("corrupt", None)]
    assert "changed on disk" in rest[1].message and "pages from 3 on not read" in rest[1].message
