"""Page normalisation and OCR: page image in, `PageText` with lines, words and boxes out."""
from extract.ocr.engines import get_engine, ocr_engines, strip_cjk_spaces
from extract.ocr import rapid as _rapid  # noqa: F401  (registers rapidocr@1)
from extract.ocr import tesseract as _tesseract  # noqa: F401  (registers tesseract@1)

__all__ = ["get_engine", "ocr_engines", "strip_cjk_spaces"]
