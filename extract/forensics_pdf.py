"""Signs that a PDF was modified after it was made, read from its original bytes with pikepdf.

`pdf_reading` gives the file's `edit_indicators` reading (see extract/forensics.py) with these kinds:
- `incremental_update`: the file holds several revisions (an update appended after the first
  `%%EOF`, chained by `/Prev`); a linearized file's first-page section is not one;
- `page_changed`: an earlier revision exists (the bytes up to its `%%EOF`) and a page's content, images
  or annotations differ from it: that page is rendered in both revisions and the pixels compared;
  the changed region is the evidence's bbox, in the pixels of the page as the pipeline normalised it
  (PDF points for a text-layer page). This is not an indicator but what was changed. A second evidence
  item with `revision=1` names the same region in the first revision (reports/evidence.py cuts it from
  those bytes), so the reviewer sees before and after side by side. On a text-layer page the two
  revisions' texts are compared word by word: the indicator's `text_removed`/`text_added`, and the
  evidence's text (what the first revision said there, what the page says now);
- `signature_update` (info): every later revision only adds a digital signature (`/Sig`, `/ByteRange`)
  and no page changed: what signing does, no warning;
- `editor_producer`: Producer or Creator names a PDF editor (not a scanner's or a printer driver's);
- `modified_after_creation`: ModDate later than CreationDate by more than `pdf_modified_after_hours`;
- `xmp_history`: the XMP history (xmpMM:History) records a save by an editor.
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import logging
import re

import numpy as np
import pikepdf
from PIL import Image

from core.errors import IngestError
from core.records import Evidence, ExtractedValue, PageText
from extract.forensics import PDF_EXTRACTOR as EXTRACTOR
from extract.forensics import ForensicsConfig, indicator, names_one_of

log = logging.getLogger("dossier.extract")
PIXEL_CHANGE = 48  # grey levels: a change of the page's print, not JPEG noise
WHOLE_PAGE = 0.6  # a changed region wider and taller than this share of the page: the page was replaced
# changes whose earlier look is kept as evidence beside the current one (`Evidence.revision`): where nothing
# visible changed ("none") or nothing rendered, there is no picture to compare
SHOWN_BEFORE = ("region", "whole_page", "size")
WORD = re.compile(r"[0-9A-Za-z]+(?:[.\-/:][0-9A-Za-z]+)*|\S")  # a Latin word or number, else one character
MAX_PASSAGES = 4
MAX_PASSAGE_CHARS = 40


def revision_ends(data: bytes) -> list[int]:
    """Where each revision of the PDF ends (just after its `%%EOF` line), first to last. A linearized
    file's first-page section (its first `%%EOF`) is not a revision of its own."""
    ends = []
    for m in re.finditer(rb"%%EOF", data):
        if b"startxref" not in data[max(0, m.start() - 1024):m.start()]:
            continue
        end = m.end()
        if data[end:end + 2] == b"\r\n":
            end += 2
        elif data[end:end + 1] in (b"\r", b"\n"):
            end += 1
        ends.append(end)
    if len(ends) > 1 and b"/Linearized" in data[:4096]:
        ends = ends[1:]
    return ends


def pdf_date(text) -> dt.datetime | None:
    """A PDF date string (D:YYYYMMDDHHmmSS+08'00') as an aware datetime (UTC when no offset is given)."""
    m = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?", str(text or ""))
    if not m:
        return None
    year, month, day, hour, minute, sec = (int(v) if v else d for v, d in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0)))
    sign, tzh, tzm = m.group(7), int(m.group(8) or 0), int(m.group(9) or 0)
    offset = dt.timedelta(hours=tzh, minutes=tzm) * (-1 if sign == "-" else 1) if sign in ("+", "-") else dt.timedelta()
    try:
        return dt.datetime(year, month, day, hour, minute, sec, tzinfo=dt.timezone(offset))
    except ValueError:
        return None


def _stream_bytes(obj) -> bytes:
    try:
        return obj.read_raw_bytes()
    except Exception:
        return repr(obj).encode()


def page_fingerprints(pdf: pikepdf.Pdf) -> list[str]:
    """Per page, a hash of what it shows: its content streams, the images and forms it draws, its box
    and rotation, and its annotations other than links and signature fields."""
    prints = []
    for page in pdf.pages:
        h = hashlib.sha1()
        obj = page.obj
        for key in ("/MediaBox", "/CropBox", "/Rotate"):
            h.update(repr(obj.get(key)).encode())
        contents = obj.get("/Contents")
        for stream in (contents if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []):
            h.update(_stream_bytes(stream))
        xobjects = obj.get("/Resources", {}).get("/XObject", {})
        for name in sorted(xobjects.keys()):
            h.update(name.encode() + _stream_bytes(xobjects[name]))
        for annot in obj.get("/Annots", []):
            if annot.get("/Subtype") == "/Link" or annot.get("/FT") == "/Sig":
                continue
            h.update(repr(annot.get("/Subtype")).encode() + repr(annot.get("/Rect")).encode())
            ap = annot.get("/AP", {}).get("/N")
            if ap is not None:
                h.update(_stream_bytes(ap))
        prints.append(h.hexdigest())
    return prints


def _open(data: bytes) -> pikepdf.Pdf | None:
    try:
        return pikepdf.open(io.BytesIO(data))
    except Exception:
        return None


def changed_region(before: Image.Image | None, after: Image.Image | None
                   ) -> tuple[tuple[float, float, float, float] | None, str]:
    """(the box of the pixels that differ between two renders of a page, what changed): "region" with
    its box; else no box and "whole_page", "size" (the page's size changed), "none" (no visible
    change) or "unrendered"."""
    if before is None or after is None:
        return None, "unrendered"
    if before.size != after.size:
        return None, "size"
    a = np.asarray(before.convert("L"), np.int16)
    b = np.asarray(after.convert("L"), np.int16)
    changed = np.abs(a - b) >= PIXEL_CHANGE
    # a few stray pixels (resampling, JPEG noise) are not a change: keep rows/columns with several
    rows = np.flatnonzero(changed.sum(axis=1) >= 3)
    cols = np.flatnonzero(changed.sum(axis=0) >= 3)
    if not len(rows) or not len(cols):
        return None, "none"
    x0, x1, y0, y1 = int(cols[0]), int(cols[-1]) + 1, int(rows[0]), int(rows[-1]) + 1
    if (x1 - x0) > WHOLE_PAGE * a.shape[1] and (y1 - y0) > WHOLE_PAGE * a.shape[0]:
        return None, "whole_page"
    return (float(x0), float(y0), float(x1), float(y1)), "region"


def _render_pair(file: str, earlier: bytes, later: bytes, page: PageText, images) -> tuple:
    """The page rendered from both revisions in the pixels its evidence uses."""
    # the earlier revision was never read by ingest: rendered under its time limits (a page that never
    # loads, a form drawing itself, hangs pdfium); the file as submitted is the extraction's own render
    from extract.images import MemberImages

    if page.source.startswith("ocr:"):
        current = images if images is not None else MemberImages({file: later})
        return MemberImages({file: earlier}, unread=True).colour(page), current.colour(page)
    import pypdfium2 as pdfium

    from ingest import limits
    from ingest.watchdog import call_within

    def render(data: bytes) -> Image.Image | None:
        doc = pdfium.PdfDocument(data)
        try:
            return doc[page.page - 1].render(scale=1.0).to_pil().convert("RGB") if page.page <= len(doc) else None
        finally:
            doc.close()

    try:
        before = call_within(limits.READ_PAGE_SECONDS, render, earlier)
    except IngestError as exc:
        log.warning("cannot render %s page %s of the first revision: %s", file, page.page, exc)
        before = None
    return before, render(later)


def revision_indicators(file: str, data: bytes, pages: dict[int, PageText], images, ends: list[int]
                        ) -> tuple[list[dict], list[Evidence]]:
    """What each later revision changed against the first: pages changed (rendered and compared),
    pages added or removed, or only a signature added."""
    first = _open(data[:ends[0]])
    last = _open(data)
    if first is None or last is None:
        return [indicator("incremental_update", f"{len(ends)} revisions; the first one cannot be opened on its own",
                          revisions=len(ends))], []
    with first, last:
        before, after = page_fingerprints(first), page_fingerprints(last)
    tail = data[ends[0]:]
    signed = bool(re.search(rb"/ByteRange|/FT\s*/Sig\b|/Type\s*/Sig\b", tail))
    differ = [i + 1 for i, (x, y) in enumerate(zip(before, after)) if x != y]
    out: list[dict] = []
    evidence: list[Evidence] = []
    if not differ and len(before) == len(after):
        if signed:
            return [indicator("signature_update", f"{len(ends) - 1} later revision(s) add a digital signature only",
                              strength="info", revisions=len(ends))], []
        out.append(indicator("incremental_update", f"{len(ends)} revisions; no page's content changed",
                             revisions=len(ends)))
        return out, evidence
    out.append(indicator("incremental_update", f"{len(ends)} revisions", revisions=len(ends)))
    if len(before) != len(after):
        out.append(indicator("pages_added_or_removed", f"{len(before)} pages in the first revision, {len(after)} now",
                             pages_before=len(before), pages_after=len(after)))
    for n in differ:
        page = pages.get(n)
        if page is None:
            continue
        try:
            old, new = _render_pair(file, data[:ends[0]], data, page, images)
            bbox, how = changed_region(old, new)
        except Exception as exc:
            log.warning("cannot compare %s page %s across revisions: %s", file, n, exc)
            bbox, how = None, "unrendered"
        words = _words_changed(file, data[:ends[0]], data, page)
        removed, added = words or ((), ())
        out.append(indicator("page_changed", f"page {n} differs from the first revision ({how})", page=n,
                             bbox=bbox, change=how, **({} if words is None else
                                                      {"text_removed": list(removed), "text_added": list(added)})))
        evidence.append(Evidence(file=file, page=n, bbox=bbox, extractor=EXTRACTOR,
                                 text=" … ".join(added) or f"page {n} changed since the first revision ({how})"))
        if how in SHOWN_BEFORE:
            evidence.append(Evidence(file=file, page=n, bbox=bbox, extractor=EXTRACTOR, revision=1,
                                     text=" … ".join(removed) or None))
    return out, evidence


def _words_changed(file: str, earlier: bytes, later: bytes, page: PageText
                   ) -> tuple[list[str], list[str]] | None:
    """(passages removed, passages added) between the page's text layer in the first revision and now;
    None when the page has no text layer (a scan: its pixels are the evidence)."""
    if page.source != "text_layer":
        return None
    from ingest.pdf import read_page

    before, after = read_page(file, earlier, page.page), read_page(file, later, page.page)
    if before is None or after is None or before.kind != "text_layer" or after.kind != "text_layer":
        return None
    return text_change("\n".join(line.text for line in before.lines), "\n".join(line.text for line in after.lines))


def text_change(before: str, after: str) -> tuple[list[str], list[str]]:
    """(passages removed, passages added) from `before` to `after`, compared word by word: a run of
    Latin letters and digits (2011-07-01 included) is one word, a Chinese character is one, so a changed
    year reads "2011" → "2019" rather than "1" → "9". At most MAX_PASSAGES each, long ones shortened."""
    a, b = list(WORD.finditer(before)), list(WORD.finditer(after))
    matcher = difflib.SequenceMatcher(None, [m.group() for m in a], [m.group() for m in b], autojunk=False)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed.append(_passage(before, a[i1:i2]))
        if tag in ("replace", "insert"):
            added.append(_passage(after, b[j1:j2]))
    return removed[:MAX_PASSAGES], added[:MAX_PASSAGES]


def _passage(text: str, words: list[re.Match]) -> str:
    """The words as they stand in `text` (the spaces between them kept, line breaks made spaces)."""
    passage = " ".join(text[words[0].start():words[-1].end()].split())
    return passage if len(passage) <= MAX_PASSAGE_CHARS else passage[:MAX_PASSAGE_CHARS - 1] + "…"


def _xmp_history(pdf: pikepdf.Pdf, cfg: ForensicsConfig) -> list[str]:
    """Software agents of XMP history events that name an editor (saved, edited, …)."""
    try:
        raw = pdf.Root.Metadata.read_bytes().decode("utf-8", "replace")
    except Exception:
        return []
    agents = re.findall(r"stEvt:softwareAgent(?:=\"([^\"]*)\"|>([^<]*)<)", raw)
    return sorted({a or b for a, b in agents if names_one_of(a or b, cfg.pdf_editors)})


def metadata_indicators(data: bytes, cfg: ForensicsConfig) -> list[dict]:
    pdf = _open(data)
    if pdf is None:
        return []
    with pdf:
        info = {k: str(v) for k, v in pdf.docinfo.items()} if pdf.trailer.get("/Info") is not None else {}
        history = _xmp_history(pdf, cfg)
    out = []
    for key in ("/Producer", "/Creator"):
        name = info.get(key)
        if names_one_of(name, cfg.pdf_editors) and not names_one_of(name, cfg.pdf_not_editors):
            out.append(indicator("editor_producer", f"{key[1:]}: {name}", field=key[1:], producer=name))
            break
    made, changed = pdf_date(info.get("/CreationDate")), pdf_date(info.get("/ModDate"))
    if made and changed and (changed - made).total_seconds() > 3600 * cfg.pdf_modified_after_hours:
        out.append(indicator("modified_after_creation", f"ModDate {changed} is after CreationDate {made}",
                             created=made.strftime("%Y-%m-%d %H:%M"), modified=changed.strftime("%Y-%m-%d %H:%M")))
    if history:
        out.append(indicator("xmp_history", "XMP history names " + ", ".join(history), agents=history))
    return out


def pdf_reading(file: str, data: bytes, pages: list[PageText], types: dict[int, str], cfg: ForensicsConfig,
                images=None) -> ExtractedValue | None:
    """The `edit_indicators` reading of one PDF file, or None when it shows no sign at all."""
    found = metadata_indicators(data, cfg)
    evidence: list[Evidence] = []
    ends = revision_ends(data)
    if len(ends) > 1:
        more, evidence = revision_indicators(file, data, {p.page: p for p in pages}, images, ends)
        found += more
    if not found:
        return None
    if not evidence:  # a sign about the whole file: shown on its first page
        evidence = [Evidence(file=file, page=pages[0].page if pages else 1, extractor=EXTRACTOR,
                             text="; ".join(i["detail"] for i in found))]
    doc_types = {types.get(e.page) for e in evidence if e.page}
    return ExtractedValue(field="edit_indicators", value=found, evidence=tuple(evidence), extractor=EXTRACTOR,
                          document=next(iter(doc_types)) if len(doc_types) == 1 else None, confidence=1.0)
