"""PDF backend: text-layer pages via pdfplumber, image-only pages rendered with pypdfium2.

Pages are produced one at a time; each page's parse caches are dropped before the next (pdfplumber's
page objects, the streams pdfminer parsed for it, and pdfium's document every few pages: both keep a
scan's image data for the whole file otherwise), so memory stays flat in the page count. Both
libraries apply the page's /Rotate: boxes and images are in the page as displayed.
"""
from __future__ import annotations

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdftypes import PDFStream
from pdfminer.psparser import LIT

from core.errors import IngestError
from ingest import limits
from ingest.backends import Opened, format_backends
from ingest.messages import ingest_error, issue
from ingest.ondisk import CHANGED, FileData, OnDisk, pdfium_input, plumber_input, tail
from ingest.pages import RawPage
from ingest.pdf_text import group_lines

_META_KEYS = ("Producer", "Creator", "CreationDate", "ModDate", "Title", "Author")
_PDFIUM_PASSWORD_ERROR = 4
# A scan with a few stray text-layer glyphs (a scanner's page stamp) is still an image page.
_SPARSE_TEXT_CHARS = 20
_IMAGE_COVERAGE = 0.5
_OBJECT_STREAM = LIT("ObjStm")
_PDFIUM_REOPEN_PAGES = 16  # pages read before pdfium's document is opened afresh (~0.4 MB a scanned page)


@format_backends.register("pdf", version="1")
def open_pdf(path: str, data: FileData) -> Opened:
    """`data`: the bytes, or the file on disk (then pdfium and pdfplumber read only what they parse)."""
    try:
        doc = pdfium.PdfDocument(pdfium_input(data), password="")
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _PDFIUM_PASSWORD_ERROR:
            raise ingest_error("encrypted") from exc
        raise _broken(data, exc) from exc
    n_pages = len(doc)
    if n_pages == 0:
        raise ingest_error("corrupt", "no pages")
    if n_pages > limits.MAX_PDF_PAGES:
        raise ingest_error("too_large", f"{n_pages} pages")
    try:
        plumber = pdfplumber.open(plumber_input(data), password="")
        _ = plumber.pages  # builds the page list (page dictionaries only, no content)
    except Exception as exc:
        if "Password" in type(exc).__name__ or "Password" in repr(exc):
            doc.close()
            raise ingest_error("encrypted") from exc
        # pdfium could open what pdfminer cannot: every page is rendered and OCR'd instead
        plumber = None
        plumber_error = f"text layer unreadable ({type(exc).__name__}); pages rendered as images"
    else:
        plumber_error = ""
    meta = _pdf_meta(doc)
    issues = []
    if not _has_eof(data):
        # pdfium rebuilt the cross-reference table: what is there is read, the file is flagged
        issues.append(issue("truncated", "no %%EOF marker; pages may be missing"))
    if plumber_error:
        issues.append(issue("corrupt", plumber_error))
    issues = tuple(issues)
    return Opened(pages=n_pages, pages_iter=_pages(path, data, doc, plumber, meta), issues=issues,
                  resume=lambda start: _pages(path, data, doc, plumber, meta, start))


def read_page(path: str, data: FileData, number: int) -> RawPage | None:
    """Page `number` (from 1) of a PDF that `open_pdf` read before, exactly as its page iterator gave it,
    without rendering the pages before it (extractors and evidence crops come back for one page).
    None when the file or the page cannot be read now."""
    try:
        doc = pdfium.PdfDocument(pdfium_input(data), password="")
    except (pdfium.PdfiumError, IngestError):
        return None
    plumber = None
    try:
        if not 1 <= number <= len(doc):
            return None
        try:
            plumber = pdfplumber.open(plumber_input(data), password="")
            ppage = plumber.pages[number - 1] if number <= len(plumber.pages) else None
        except Exception:
            ppage = None  # as in open_pdf: no text layer, the page is rendered
        return _one_page(path, number, doc, ppage, _pdf_meta(doc))
    except Exception:
        return None
    finally:
        if plumber is not None:
            plumber.close()
        doc.close()


def _broken(data: FileData, exc: Exception) -> IngestError:
    kind = "truncated" if not _has_eof(data) else "corrupt"
    return ingest_error(kind, str(exc)[:160])


def _has_eof(data: FileData) -> bool:
    return b"%%EOF" in tail(data, 2048)


def _pdf_meta(doc: pdfium.PdfDocument) -> dict[str, str]:
    try:
        info = doc.get_metadata_dict()
    except Exception:
        return {}
    return {k: str(v) for k, v in info.items() if k in _META_KEYS and v}


def _pages(path: str, data: FileData, doc: pdfium.PdfDocument, plumber, meta: dict[str, str], start: int = 1):
    try:
        n_plumber = len(plumber.pages) if plumber is not None else 0
        for index in range(start - 1, len(doc)):
            number = index + 1
            if index > start - 1 and (index - start + 1) % _PDFIUM_REOPEN_PAGES == 0:
                # pdfium keeps every stream it loaded (a scan's JPEG) until its document is closed
                doc.close()
                doc = pdfium.PdfDocument(pdfium_input(data), password="")
            _forget_parsed_streams(plumber)
            try:
                item = _one_page(path, number, doc, plumber.pages[index] if index < n_plumber else None, meta)
            except IngestError as err:
                item = issue("page", err.args[0][:200], stage="render", page=number, category=err.category)
            except Exception as exc:
                item = issue("page", f"{type(exc).__name__}: {exc}"[:200], stage="render", page=number)
            if isinstance(data, OnDisk) and not data.unchanged():
                # the parsers read a file on disk as they go: what they read now is another file's bytes
                yield issue("corrupt", f"{CHANGED}; pages from {number} on not read", stage="render")
                return
            yield item
            item = None
    finally:
        if plumber is not None:
            plumber.close()
        doc.close()


def _forget_parsed_streams(plumber) -> None:
    """Drop the streams (content, images) pdfminer cached while reading earlier pages: its document
    keeps every object it parsed, a scanned page's JPEG bytes included (+37 MB per 100 pages of a
    300-dpi scan). Object streams stay: the objects inside them are looked up again."""
    cache = getattr(getattr(plumber, "doc", None), "_cached_objs", None)
    if not isinstance(cache, dict):
        return
    for objid in [objid for objid, (obj, _) in cache.items()
                  if isinstance(obj, PDFStream) and obj.get("Type") is not _OBJECT_STREAM]:
        del cache[objid]


def _one_page(path: str, number: int, doc, ppage, meta: dict[str, str]) -> RawPage:
    chars, images = [], []
    if ppage is not None:
        try:
            chars = ppage.chars
            images = ppage.images
        except Exception:
            chars, images = [], []  # pdfminer cannot parse this page's text: render it instead
    visible = [c for c in chars if c.get("text", "").strip()]
    page_meta = dict(meta)
    if visible and not text_layer_usable(visible):
        page_meta["text_layer_unusable"] = "glyphs without Unicode mapping"
        visible = []
    if visible and not _is_scan_with_stamp(visible, images, ppage):
        # pdfium loads (parses) the page now, under ingest's time limit: evidence crops render it later
        doc[number - 1].close()
        width, height = float(ppage.width), float(ppage.height)
        lines = group_lines(chars)
        ppage.close()
        return RawPage(file=path, page=number, kind="text_layer", width=width, height=height,
                       lines=lines, meta=page_meta)
    if visible:
        page_meta["text_layer_chars"] = str(len(visible))
    dpi = _render_dpi(images, ppage)
    if ppage is not None:
        ppage.close()
    page = doc[number - 1]
    try:
        w_pt, h_pt = page.get_size()  # as displayed (after /Rotate)
        scale = dpi / 72
        if w_pt * h_pt * scale * scale > limits.MAX_RENDER_PIXELS:
            scale = (limits.MAX_RENDER_PIXELS / (w_pt * h_pt)) ** 0.5
            dpi = max(1, int(scale * 72))
            page_meta["dpi_reduced"] = "page too large for full resolution"
        bitmap = page.render(scale=scale, rotation=0)  # pdfium applies /Rotate itself
        image = bitmap.to_pil().convert("RGB")
        bitmap.close()
    finally:
        page.close()
    page_meta["dpi_source"] = "render"
    return RawPage(file=path, page=number, kind="image", width=float(image.width),
                   height=float(image.height), image=image, dpi=dpi, meta=page_meta)


def text_layer_usable(visible: list[dict]) -> bool:
    """False when most glyphs have no Unicode mapping (pdfminer gives '(cid:N)' or U+FFFD): such a
    page (common from some Chinese PDF tools) is rendered and OCR'd instead of read as garbage."""
    bad = sum(1 for c in visible if c["text"].startswith("(cid:") or "\ufffd" in c["text"])
    return bad <= 0.3 * len(visible)


def _is_scan_with_stamp(visible: list, images: list, ppage) -> bool:
    if len(visible) >= _SPARSE_TEXT_CHARS or not images or ppage is None:
        return False
    area = float(ppage.width) * float(ppage.height) or 1.0
    covered = sum(max(0.0, (im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in images)
    return covered / area >= _IMAGE_COVERAGE


def _render_dpi(images: list, ppage) -> int:
    """300 dpi, or the native resolution of the page's single image if lower (not below 150)."""
    if ppage is None or len(images) != 1:
        return limits.RENDER_DPI
    im = images[0]
    shown = max(im["x1"] - im["x0"], im["bottom"] - im["top"])
    src = im.get("srcsize") or (0, 0)
    if shown <= 0 or not src or not max(src):
        return limits.RENDER_DPI
    native = max(src) / (shown / 72)
    return int(min(limits.RENDER_DPI, max(limits.MIN_RENDER_DPI, round(native))))


