"""Page normalisation and OCR: page image in, `PageText` with lines, words and boxes out.

    ocr_page(raw_page)                      -> PageText (source "ocr:<engine>@<version>")
    normalise_page(image, dpi)              -> NormalisedPage(image, rotation, skew, seal_suppressed)
    get_engine("tesseract").read(image, dpi) -> tuple[Line, ...]
"""
from extract.ocr import rapid as _rapid  # noqa: F401  (registers rapidocr@1)
from extract.ocr import tesseract as _tesseract  # noqa: F401  (registers tesseract@1)
from extract.ocr.engines import OcrEngine, get_engine, ocr_engines, strip_cjk_spaces
from extract.ocr.normalise import NormalisedPage, apply_normalisation, normalise_page
from extract.ocr.page import DEFAULT_ENGINE, normalised_image, ocr_page, page_dpi

__all__ = [
    "DEFAULT_ENGINE",
    "NormalisedPage",
    "OcrEngine",
    "apply_normalisation",
    "get_engine",
    "normalise_page",
    "normalised_image",
    "ocr_engines",
    "ocr_page",
    "page_dpi",
    "strip_cjk_spaces",
]
