"""OCR of one page: `RawPage` (pixels) → normalised image → engine → `PageText`."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image

from core.records import Line, PageText
from extract.ocr.cache import cached_page
from extract.ocr.engines import OcrEngine, get_engine
from extract.ocr.normalise import (
    STRETCH_MEDIAN,
    NormalisedPage,
    apply_normalisation,
    deskew,
    format_stretch,
    normalise_page,
    parse_stretch,
    rotate_upright,
    stretch_contrast,
)
from ingest.pages import RawPage

# Chosen from bench/ocr_engines.py (12 rendered pages, 4 fonts, clean/scanner/phone, all rotations):
# CER rapidocr 0.004 vs tesseract 0.088 (phone 0.003 vs 0.135), key texts 100 % vs 98.6 %;
# accuracy first, so RapidOCR, although it takes ~2.3 s/page against Tesseract's ~0.55 s.
DEFAULT_ENGINE = "rapidocr@1"
A4_SHORT_SIDE_INCHES = 8.27

# A faint page (washed-out scan) reads as nothing. It is read again with its contrast stretched
# when OCR found fewer than FEW_CHARS characters (real pages with the least text read 17+), the page
# carries ink, and its darkest ink lies within FAINT_RANGE grey levels of the paper (a stretch of
# at least x2; on a normal scan it is ~140 and a stretch would change nothing).
# Ink measured on the 409 OCR'd pages of bench batch alt-seed11: blank scans <= 0.017 %, the page
# with the least text (one signature line) 0.19 %, the faint fixture page 1.3 %, median 5.3 %.
FEW_CHARS = 10
INK_MIN = 0.001
FAINT_RANGE = (6, 128)


def page_dpi(raw: RawPage) -> int:
    """The page's DPI, or an estimate that assumes an A4 sheet filling the image."""
    if raw.dpi:
        return int(raw.dpi)
    assert raw.image is not None
    return int(min(max(min(raw.image.size) / A4_SHORT_SIDE_INCHES, 70), 600))


def normalise_raw(raw: RawPage) -> NormalisedPage:
    if raw.image is None:
        raise ValueError(f"{raw.file} page {raw.page} has no image to OCR ({raw.kind})")
    return normalise_page(raw.image, page_dpi(raw))


def ocr_page(raw: RawPage, engine: str = DEFAULT_ENGINE) -> PageText:
    """Read an image page. bboxes are in pixels of the normalised image (see `normalised_image`).

    Raises ExternalTimeoutError / ExternalProgramError from the engine; the caller records the
    page as degraded and goes on with the batch.
    """
    if raw.image is None:
        raise ValueError(f"{raw.file} page {raw.page} has no image to OCR ({raw.kind})")
    ocr = get_engine(engine)
    text = cached_page(raw.image, page_dpi(raw), ocr, lambda: _read_page(raw, ocr.engine))
    return text.model_copy(update={"file": raw.file, "page": raw.page, "meta": dict(raw.meta) | text.meta})


def _read_page(raw: RawPage, ocr: OcrEngine) -> PageText:
    """`ocr_page` without the cache; meta holds only what the OCR adds (ink, how the orientation was
    decided, contrast stretch)."""
    norm, lines = _normalise_and_read(raw.image, page_dpi(raw), ocr)
    meta = {"ink": f"{norm.ink:.4f}", "orientation": norm.orientation_method}
    if _faint_unread(norm, lines):
        low, paper = norm.levels
        stretched, again = _normalise_and_read(raw.image, page_dpi(raw), ocr, stretch=(low, paper, STRETCH_MEDIAN))
        if _chars(again) >= FEW_CHARS and _weight(again) > _weight(lines):
            norm, lines = stretched, again
            meta["contrast_stretch"] = format_stretch(stretched.stretch)
        else:  # kept for the record: the stretch was tried and read no better
            meta["contrast_stretch_tried"] = format_stretch(stretched.stretch)
    return PageText(
        file=raw.file,
        page=raw.page,
        width=norm.image.width,
        height=norm.image.height,
        source=f"ocr:{ocr.name}@{ocr.version}",
        rotation=norm.rotation,
        skew=norm.skew,
        lines=lines,
        meta=meta,
    )


def _normalise_and_read(image: Image.Image, dpi: int, ocr: OcrEngine,
                        stretch: tuple[int, int, int] | None = None) -> tuple[NormalisedPage, tuple[Line, ...]]:
    """The page normalised and read. An engine that can tell from its own text detection how a page
    stands (`read_if_upright`) reads it as it stands first, so an upright page (most scans) costs one
    detection and no separate orientation pass; a page its lines show turned is turned by that and
    read again; any other page is turned by `normalise_page`'s orientation detection (OSD, then the
    engine's vote) and read again."""
    upright = getattr(ocr, "read_if_upright", None)
    if upright is not None:
        norm = normalise_page(image, dpi, stretch=stretch, rotation=0)
        lines, rotation, _why = upright(norm.image, dpi)
        if lines is not None:
            return replace(norm, orientation_method=f"{ocr.name}-lines"), lines
        if rotation is not None:
            norm = normalise_page(image, dpi, stretch=stretch, rotation=rotation)
            return replace(norm, orientation_method=f"{ocr.name}-lines"), ocr.read(norm.image, dpi)
    norm = normalise_page(image, dpi, stretch=stretch)
    return norm, ocr.read(norm.image, dpi)


def _chars(lines: tuple[Line, ...]) -> int:
    return sum(len(line.text.replace(" ", "")) for line in lines)


def _weight(lines: tuple[Line, ...]) -> float:
    """Characters read, each weighted by its line's confidence."""
    return sum(len(line.text.replace(" ", "")) * line.confidence for line in lines)


def _faint_unread(norm: NormalisedPage, lines: tuple[Line, ...]) -> bool:
    """(Almost) nothing read from a page that has faint ink: worth a contrast stretch."""
    low, paper = norm.levels
    return _chars(lines) < FEW_CHARS and norm.ink >= INK_MIN and FAINT_RANGE[0] <= paper - low <= FAINT_RANGE[1]


def normalised_image(raw: RawPage, text: PageText | None = None) -> Image.Image:
    """The image the OCR read, for cropping evidence by bbox.

    With the page's `PageText` the recorded rotation/skew (and contrast stretch of a faint page)
    are replayed (cheap, and exactly what was read); without it the normalisation runs again.
    """
    if raw.image is None:
        raise ValueError(f"{raw.file} page {raw.page} has no image")
    if text is None:
        return normalise_raw(raw).image
    return apply_normalisation(raw.image, rotation=text.rotation, skew=text.skew,
                               stretch=parse_stretch(text.meta.get("contrast_stretch")))


def normalised_colour(raw: RawPage, text: PageText) -> Image.Image:
    """The page in colour (seals visible), turned, deskewed and contrast-stretched as the OCR read it."""
    if raw.image is None:
        raise ValueError(f"{raw.file} page {raw.page} has no image")
    rgb = raw.image.convert("RGB")
    stretch = parse_stretch(text.meta.get("contrast_stretch"))
    if stretch is not None:
        rgb = Image.fromarray(stretch_contrast(np.asarray(rgb), stretch))
    return deskew(rotate_upright(rgb, text.rotation), text.skew)
