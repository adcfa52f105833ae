"""`read_file`: a file read in a child process, under the time limits of `ingest.limits`.

pdfium parses a page's content in C when the page is loaded; a form that draws itself (an
incremental update can make any object refer to itself) keeps it there for ever, out of reach of
Python's signals. So the backends run in a forked child, one step at a time: the child opens the
file, then reads the next page only when the parent asks for it (pages stream: never more than one
page's pixels on their way). A step that takes longer than `READ_PAGE_SECONDS`, or a child that
dies (a parser's crash), ends that child: the page is listed as unreadable and a new child goes on
from the next page where the backend can start there (PDF). Past `READ_FILE_SECONDS` spent reading
the file (the caller's OCR between its pages not counted), the rest of it is listed as not read. Either way the batch goes on. `call_within` runs one
call the same way, for bytes ingest never read (an earlier revision of a PDF, rendered later).

Memory stays flat in the page count on both sides: between two pages the worker and the child give
glibc's freed heap back (`release_freed_memory`), and the child freezes the worker's objects it
inherits, so that its garbage collector does not write to (and so copy) every page of them. (A
fresh reader every 32 pages made it worse, bench/memory.py: 157 -> 194 MB for the reader on 200
pages. A reader's own memory is mostly the worker's pages it shares at the fork and keeps once the
worker writes to them; a reader forked after the OCR engine loaded shares, and so keeps, more.)
"""
from __future__ import annotations

import ctypes
import gc
import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import TypeVar

from PIL import Image

from core.records import IngestIssue, SourceFile
from ingest import limits
from ingest.backends import PageStream, failed_source, open_file
from ingest.messages import ingest_error, issue
from ingest.ondisk import FileData
from ingest.pages import RawPage

log = logging.getLogger("dossier.ingest")
T = TypeVar("T")


class _Stopped(Exception):
    """The child gave no answer: it ran out of time (`timed_out`) or died."""

    def __init__(self, why: str, timed_out: bool):
        super().__init__(why)
        self.timed_out = timed_out

    def issue(self, page: int | None = None) -> IngestIssue:
        where = f"page {page}: " if page else "opening: "
        if self.timed_out:
            return issue("timeout", where + str(self), stage="render" if page else "ingest", page=page)
        return issue("page" if page else "corrupt", where + str(self), stage="render" if page else "ingest",
                     page=page, category="corrupt")


def _glibc_malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): its allocator returns memory its own way
        return None


_malloc_trim = _glibc_malloc_trim()


def release_freed_memory() -> None:
    """Give the pages of glibc's heap that hold only freed blocks back to the system (malloc_trim).

    A page's pixels and the OCR engine's buffers for it are freed when the page is done, but glibc keeps
    freed blocks resident wherever a live block sits above them in the heap; the next page's buffers do
    not fit those holes exactly and take more, so a worker's footprint climbed page after page (a
    200-page scan: ~+350 MB). A trim takes tens of milliseconds at most (madvise of what was freed); the
    memory the next page takes back is faulted in again, as most of it was anyway (its largest buffers
    are mapped afresh). Not after every render of a page later (extract.images): that cost 60 ms each."""
    if _malloc_trim is not None:
        _malloc_trim(0)


# glibc's mallopt parameter (malloc.h), the size from which a worker's buffers are mapped on their own,
# and where glibc's dynamic threshold ends on 64-bit Linux
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 8 * 1024 * 1024
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024


def set_mmap_threshold(size: int) -> None:
    """glibc's mmap threshold fixed at `size` bytes (its dynamic adjustment off); nothing elsewhere."""
    if _malloc_trim is not None:
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, size)


def map_large_buffers() -> None:
    """Buffers of MMAP_THRESHOLD bytes and more (page images and their copies, 9-35 MB) mapped on their
    own and unmapped when freed, not taken from glibc's heap. By default glibc raises its threshold to
    the largest buffer freed so far (up to 32 MB), so after the first page every page-sized buffer came
    from the heap and left holes there that the next page's, of other sizes, did not fit: a worker's
    memory between pages climbed with the page count. Fixed at 8 MB it climbs less (12 scanned pages,
    bench/memory_pages.py, mean held before a page's OCR, pages 7-12 against 1-6: +34 MB against +67;
    with the OCR detector's arena, extract/ocr/rapid.py, +24 against +39; 200 pages: bench/memory.py)
    at the cost of faulting those buffers in afresh, which the detector's arena more than pays back."""
    set_mmap_threshold(MMAP_THRESHOLD)


class _Child:
    """A forked process running `work(conn, *args)`: reading one file from a page on, one request at
    a time (`_serve`), or one call (`_call`)."""

    def __init__(self, work: Callable[..., None], *args):
        mine, theirs = Pipe()
        release_freed_memory()  # the child starts from a heap without resident garbage to copy
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns into the caller's code
            # the worker's objects are never collected here: a collection would write to each of them
            # and so copy every page of the worker's heap into the child (copy-on-write)
            gc.freeze()
            mine.close()
            code = 1
            try:
                work(theirs, *args)
                code = 0
            finally:
                os._exit(code)
        theirs.close()
        self.conn: Connection | None = mine

    def ask(self, seconds: float):
        """The next item of the file (None at its end), waiting at most `seconds`."""
        try:
            self.conn.send(True)
        except OSError:
            raise _Stopped(self._death(), timed_out=False) from None
        return self.answer(seconds, receive=_receive_item)

    def answer(self, seconds: float, receive: Callable[[Connection], object] = Connection.recv):
        """The child's next message, waiting at most `seconds` (the first one: what opening the file gave)."""
        try:
            if self.conn.poll(max(seconds, 0.0)):
                return receive(self.conn)
        except (EOFError, OSError):
            raise _Stopped(self._death(), timed_out=False) from None
        self.close()
        raise _Stopped(f"no result within {seconds:.0f} s", timed_out=True)

    def _death(self) -> str:
        status = self.close()
        if status is not None and os.WIFSIGNALED(status):
            return f"the reader stopped ({signal.Signals(os.WTERMSIG(status)).name})"
        return "the reader stopped"

    def close(self) -> int | None:
        """End the child (killed if still running) and reap it; its wait status, None if already closed."""
        if self.conn is None:
            return None
        self.conn.close()
        self.conn = None
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return os.waitpid(self.pid, 0)[1]

    def __del__(self):
        self.close()


def _serve(conn: Connection, path: str, data: FileData, start: int) -> None:
    """The child's loop: open the file, send its record, then one item per request until the parent goes."""
    source, opened = open_file(path, data)
    if opened is None:
        stream: PageStream = iter(())
    else:
        stream = opened.pages_iter if start == 1 else opened.resume(start)
    conn.send((source, opened is not None and opened.resume is not None))
    while conn.recv():
        _send_item(conn, next(stream, None))  # a page is read only once asked for
        release_freed_memory()  # the page's bitmap and its copies, gone before the next is rendered


def _send_item(conn: Connection, item: RawPage | IngestIssue | None) -> None:
    """An item of the page stream; a page's pixels go as raw bytes after it (pickling them took twice as long)."""
    image = getattr(item, "image", None)
    if image is None:
        conn.send((item, None))
        return
    conn.send((replace(item, image=None), (image.mode, image.size)))
    conn.send_bytes(image.tobytes())


def _receive_item(conn: Connection) -> RawPage | IngestIssue | None:
    item, shape = conn.recv()
    if shape is None:
        return item
    mode, size = shape
    return replace(item, image=Image.frombytes(mode, size, conn.recv_bytes()))


def call_within(seconds: float, work: Callable[..., T], *args) -> T:
    """`work(*args)` run in a forked child, its result (pickled back). For pages that ingest did not
    read under its limits (an earlier revision of a PDF, rendered to show what an update changed).
    Raises IngestError: category "timeout" past `seconds`, "corrupt" when the work failed or the child died."""
    try:
        child = _Child(_call, work, *args)
    except OSError as exc:
        raise ingest_error("corrupt", f"no process to read in: {exc}") from exc
    try:
        done, result = child.answer(seconds)
    except _Stopped as stop:
        raise ingest_error("timeout" if stop.timed_out else "corrupt", str(stop)) from None
    finally:
        child.close()
    if not done:
        raise ingest_error("corrupt", result)
    return result


def _call(conn: Connection, work: Callable, *args) -> None:
    try:
        conn.send((True, work(*args)))
    except Exception as exc:  # the parent raises it as an IngestError
        conn.send((False, f"{type(exc).__name__}: {exc}"[:200]))


def read_file(path: str, data: FileData) -> tuple[SourceFile, PageStream]:
    """Read one submitted file (see `ingest.backends.open_file`), within the time limits.

    Returns the `SourceFile` and a lazy iterator of `RawPage` and per-page `IngestIssue`; a page that
    could not be read in time gives an issue of category "timeout", a file that did not open in time
    a failed `SourceFile`.
    """
    clock = _Clock()
    try:
        child = _Child(_serve, path, data, 1)
    except OSError as exc:  # no process can be started now (memory, process limit): read here, unbounded
        log.warning("reading %s without a time limit: %s", path, exc)
        source, opened = open_file(path, data)
        return source, iter(()) if opened is None else opened.pages_iter
    try:
        source, resumable = clock.wait(child.answer)
    except _Stopped as stop:
        return failed_source(path, data, stop.issue()), iter(())
    return source, _pages(path, data, source, child, resumable, clock)


class _Clock:
    """The time spent waiting for the readers of one file: what the caller does between two pages (OCR)
    is not the file's reading time."""

    def __init__(self):
        self.spent = 0.0

    def over(self) -> bool:
        return self.spent >= limits.READ_FILE_SECONDS

    def wait(self, answer: Callable[[float], T]) -> T:
        """`answer(seconds)` given what is left of a page's and of the file's time, the wait counted."""
        start = time.monotonic()
        try:
            return answer(min(limits.READ_PAGE_SECONDS, limits.READ_FILE_SECONDS - self.spent))
        finally:
            self.spent += time.monotonic() - start


def _pages(path: str, data: FileData, source: SourceFile, child: _Child | None, resumable: bool,
           clock: _Clock) -> Iterator[RawPage | IngestIssue]:
    last = 0  # the number of the last page given
    try:
        while child is not None:
            release_freed_memory()  # what the caller freed of the last page (its pixels, its OCR)
            try:
                item = clock.wait(child.ask)
            except _Stopped as stop:
                if clock.over():
                    yield _not_read(last + 1, f"reading stopped after {limits.READ_FILE_SECONDS:.0f} s")
                    return
                last += 1
                yield stop.issue(last)
                child, problem = _resumed(path, data, last + 1, source, resumable, clock)
                if problem is not None:
                    yield problem
                continue
            if item is None:
                return
            last = item.page or last
            yield item
            item = None  # not held while the next page is read
    finally:
        if child is not None:
            child.close()


def _resumed(path: str, data: FileData, start: int, source: SourceFile, resumable: bool,
             clock: _Clock) -> tuple[_Child | None, IngestIssue | None]:
    """A new child reading from page `start`; or none, with an issue when pages are left unread."""
    if source.pages and start > source.pages:
        return None, None
    if not resumable:
        return None, _not_read(start, "this format is read in order")
    try:
        child = _Child(_serve, path, data, start)
        again, _ = clock.wait(child.answer)
    except (_Stopped, OSError) as stop:
        return None, _not_read(start, str(stop))
    if again.status == "failed" or again.sha256 != source.sha256:  # changed or gone since it was opened
        child.close()
        why = again.issues[0].message if again.status == "failed" and again.issues else "the file changed on disk"
        return None, issue("corrupt", f"{why}; pages from {start} on not read")
    return child, None


def _not_read(start: int, why: str) -> IngestIssue:
    return issue("timeout", f"{why}; pages from {start} on not read")
