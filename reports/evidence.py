"""Evidence images: the page region each claim rests on, with the text read boxed in red.

Written once per applicant while the package's bytes are still in memory (the pipeline calls
`write_evidence` before it lets them go), into `OUT/<key>/evidence/`, one JPEG per distinct
(file, page, bbox). The reports find a crop by `crop_name(evidence)`; a claim whose crop could not
be made (a DOCX cell has no pixels, a page that no longer renders) is shown as text only.

Crops come from the colour page turned and deskewed exactly as OCR read it (`MemberImages.colour`),
so the OCR bbox indexes it and the reviewer sees the seals and ink that the OCR image suppressed;
text-layer PDF pages are rendered at 2× with the bbox (PDF points) scaled alike. Evidence of a PDF page as
it stood in an earlier revision (`Evidence.revision`, extract/forensics_pdf.py) is cut the same way from
the file's bytes up to that revision's end, so it lines up with the crop of the page as submitted.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageDraw

from core.crops import FOLDER, crop_name  # noqa: F401  (re-exported: the reports look crops up by it)
from core.records import Dossier, Evidence, PageText, Report
from ingest.ondisk import FileData, pdfium_input, whole

log = logging.getLogger("dossier.reports")

PDF_SCALE = 2.0  # text-layer PDF pages: points → pixels
TEXT_HEIGHT = 30  # the boxed text's height in the crop, pixels: readable on screen and on A4
MAX_WIDTH = 900
MAX_HEIGHT = 600
PAGE_WIDTH = 640  # a whole page, when the evidence names no region
PER_FIELD = 3  # evidence items of one field that get a crop


def evidence_items(report: Report) -> list[Evidence]:
    """Every evidence item a report shows: its findings', its fields' (the first few) and its timeline's."""
    items: list[Evidence] = []
    for f in report.findings:
        items.extend(f.evidence)
    for rep in report.fields.values():
        items.extend(rep.evidence[:PER_FIELD])
    for event in report.timeline:
        items.extend(event.evidence[:1])
    return items


def write_evidence(report: Report, dossier: Dossier, images, members: dict[str, FileData], folder: Path) -> int:
    """Write the crops of `report`'s evidence into `folder/evidence/`; returns how many were written.

    `images` is the extraction's `extract.images.MemberImages`; `members` the package's files (path →
    bytes, or the file on disk) for text-layer PDF pages. Never raises for one bad page: that crop is left out and logged.
    """
    wanted: dict[tuple[str, int, int], dict[str, Evidence]] = defaultdict(dict)
    for ev in evidence_items(report):
        name = crop_name(ev)
        if name is not None:
            wanted[(ev.file, ev.page, ev.revision or 0)][name] = ev
    if not wanted:
        return 0
    pages = {(p.file, p.page): p for p in dossier.pages}
    out = folder / FOLDER
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for key in sorted(wanted):
        page = pages.get(key[:2])
        if page is None:
            continue
        try:
            image, scale = _page_image(page, *_revision(page.file, key[2], images, members))
        except Exception as exc:  # a crop is a convenience; the claim still shows its text
            log.warning("no evidence image for %s page %s: %s", key[0], key[1], exc)
            continue
        if image is None:
            continue
        for name, ev in wanted[key].items():
            target = out / name
            if target.exists():
                written += 1
                continue
            try:
                shot = thumbnail(image) if ev.bbox is None else crop(image, ev.bbox, scale)
                shot.save(target, "JPEG", quality=85, optimize=True)
                written += 1
            except Exception as exc:
                log.warning("cannot crop %s page %s %s: %s", ev.file, ev.page, ev.bbox, exc)
    return written


def _revision(file: str, revision: int, images, members: dict[str, FileData]) -> tuple:
    """(images, members) showing the file as it stood in `revision` (0: as submitted): an earlier revision
    of an incrementally saved PDF is its bytes up to that revision's %%EOF, rendered like the file itself."""
    if not revision:
        return images, members
    from extract.forensics_pdf import revision_ends
    from extract.images import MemberImages

    data = whole(members[file]) if file in members else b""
    ends = revision_ends(data)
    if revision >= len(ends):  # not an earlier revision of this file: no picture rather than the wrong one
        raise ValueError(f"no earlier revision {revision} of {len(ends)}")
    earlier = {file: data[:ends[revision - 1]]}
    return MemberImages(earlier), earlier


def _page_image(page: PageText, images, members: dict[str, FileData]) -> tuple[Image.Image | None, float]:
    if page.source.startswith("ocr:"):
        return images.colour_only(page), 1.0
    if page.source == "text_layer" and page.file in members:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(pdfium_input(members[page.file]))
        try:
            bitmap = doc[page.page - 1].render(scale=PDF_SCALE)
            return bitmap.to_pil().convert("RGB"), PDF_SCALE
        finally:
            doc.close()
    return None, 1.0


def thumbnail(image: Image.Image) -> Image.Image:
    """The whole page, reduced to PAGE_WIDTH pixels wide."""
    page = image.convert("RGB")
    if page.width > PAGE_WIDTH:
        page = page.resize((PAGE_WIDTH, max(1, round(page.height * PAGE_WIDTH / page.width))), Image.LANCZOS)
    return page


def crop(image: Image.Image, bbox: Iterable[float], scale: float = 1.0) -> Image.Image:
    """The region around `bbox` (in the page's own units; × `scale` for pixels) with the box drawn,
    resized so the boxed text stands about TEXT_HEIGHT pixels high. Context: the label usually sits
    to the left of the value, so the crop reaches further left than right."""
    x0, y0, x1, y1 = (v * scale for v in bbox)
    h = max(y1 - y0, 8.0)
    left, right = max(0.0, x0 - max(8 * h, 80)), min(float(image.width), x1 + max(3 * h, 40))
    top, bottom = max(0.0, y0 - 1.5 * h), min(float(image.height), y1 + 1.5 * h)
    region = image.crop((int(left), int(top), int(right) + 1, int(bottom) + 1)).convert("RGB")
    draw = ImageDraw.Draw(region)
    pad = max(2, int(h * 0.12))
    width = max(2, int(h / 10))
    draw.rectangle((x0 - left - pad, y0 - top - pad, x1 - left + pad, y1 - top + pad), outline=(220, 0, 0), width=width)
    factor = TEXT_HEIGHT / h
    factor = min(factor, MAX_WIDTH / region.width, MAX_HEIGHT / region.height, 3.0)
    if abs(factor - 1) > 0.05:
        region = region.resize((max(1, round(region.width * factor)), max(1, round(region.height * factor))),
                               Image.LANCZOS)
    return region


def share_evidence(findings, prints: dict, folder: Path) -> int:
    """Crops for findings across applicants (verify.batch), whose evidence lies in other dossiers: made
    from the reduced pages the fingerprints keep (`PagePrint.thumb`, relative to the batch's OUT folder,
    which is `folder.parent`), written into this applicant's evidence/ so its report shows them."""
    pages = {(p.file, p.page): p for fp in prints.values() for p in fp.pages if p.thumb}
    out = folder / FOLDER
    written = 0
    for f in findings:
        for ev in f.evidence:
            name, page = crop_name(ev), pages.get((ev.file, ev.page))
            if name is None or page is None or (out / name).exists():
                continue
            try:
                with Image.open(folder.parent / page.thumb) as thumb:
                    thumb.load()
                    scale = thumb.width / page.width if page.width else 1.0
                    shot = thumbnail(thumb) if ev.bbox is None else crop(thumb, ev.bbox, scale)
                out.mkdir(parents=True, exist_ok=True)
                shot.save(out / name, "JPEG", quality=85, optimize=True)
                written += 1
            except Exception as exc:  # noqa: BLE001 — the claim keeps its text
                log.warning("cannot show %s page %s beside %s: %s", ev.file, ev.page, folder.name, exc)
    return written
