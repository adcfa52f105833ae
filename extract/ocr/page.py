"""OCR of one page: `RawPage` (pixels) → normalised image → engine → `PageText`."""
from __future__ import annotations

from PIL import Image

from core.records import PageText
from extract.ocr.engines import get_engine
from extract.ocr.normalise import NormalisedPage, apply_normalisation, normalise_page
from ingest.pages import RawPage

# Chosen from bench/ocr_engines.py (12 rendered pages, 4 fonts, clean/scanner/phone, all rotations):
# CER rapidocr 0.004 vs tesseract 0.088 (phone 0.003 vs 0.135), key texts 100 % vs 98.6 %;
# accuracy first, so RapidOCR, although it takes ~2.3 s/page against Tesseract's ~0.55 s.
DEFAULT_ENGINE = "rapidocr@1"
A4_SHORT_SIDE_INCHES = 8.27


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
    ocr = get_engine(engine)
    norm = normalise_raw(raw)
    lines = ocr.read(norm.image, page_dpi(raw))
    return PageText(
        file=raw.file,
        page=raw.page,
        width=norm.image.width,
        height=norm.image.height,
        source=f"ocr:{ocr.name}@{ocr.version}",
        rotation=norm.rotation,
        skew=norm.skew,
        lines=lines,
        meta=dict(raw.meta),
    )


def normalised_image(raw: RawPage, text: PageText | None = None) -> Image.Image:
    """The image the OCR read, for cropping evidence by bbox.

    With the page's `PageText` the recorded rotation/skew are replayed (cheap, and exactly what
    was read); without it the normalisation runs again.
    """
    if raw.image is None:
        raise ValueError(f"{raw.file} page {raw.page} has no image")
    if text is None:
        return normalise_raw(raw).image
    return apply_normalisation(raw.image, rotation=text.rotation, skew=text.skew)
