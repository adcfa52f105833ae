"""The OCR engine registry and what every engine shares: the interface and line assembly.

An engine turns a page image into `Line`s with `Word`s: bbox in pixels of the image it was given
(top-left origin), confidence in 0..1. Engines register under a versioned name (`tesseract@1`);
the number is the adapter's version, `engine.version` the real program's (for cache keys).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Callable, Protocol, TypeVar

from PIL import Image

from core.records import BBox, Line, Word
from core.registry import Registry
from extract.ocr.cache import CachedEngine


class OcrEngine(Protocol):
    name: str  # registry name without version, e.g. "tesseract"

    @property
    def version(self) -> str: ...  # the engine's own version, e.g. "5.3.0"

    def read(self, image: Image.Image, dpi: int) -> tuple[Line, ...]: ...

    def describe(self) -> dict[str, str]: ...


T = TypeVar("T")

ocr_engines: Registry[type] = Registry("OCR engine")
_instances: dict[str, CachedEngine] = {}


def get_engine(spec: str) -> CachedEngine:
    """The engine registered as `spec` ("rapidocr" or "rapidocr@1"), one instance per process,
    its reads going through the persistent OCR cache (extract/ocr/cache.py)."""
    cls = ocr_engines.get(spec)
    key = f"{cls.__module__}.{cls.__qualname__}"
    if key not in _instances:
        adapter = next(name for name, obj in ocr_engines.items() if obj is cls)
        _instances[key] = CachedEngine(cls(), adapter)
    return _instances[key]


# ---- text ------------------------------------------------------------------------------------

# Han, CJK punctuation, full-width forms: OCR puts spaces between these that are not in the text.
_CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_IS_CJK = re.compile(rf"[{_CJK}]")
_LATIN = re.compile(r"[0-9A-Za-z\u00c0-\u024f]")


def strip_cjk_spaces(text: str) -> str:
    """Remove whitespace next to a CJK character; keep it between Latin/digit tokens."""
    return _CJK_SPACE.sub("", text).strip()


def is_cjk(char: str) -> bool:
    return bool(_IS_CJK.match(char))


def join_words(words: Sequence[Word]) -> str:
    """Text of a line from its words, left to right.

    Between two Latin letters/digits words keep their space; elsewhere (CJK, punctuation) a space
    survives only where the page has a real gap (about one character height or more: a separate
    field, a table cell), never between adjacent characters.
    """
    out = ""
    prev: Word | None = None
    for w in words:
        text = strip_cjk_spaces(w.text)
        if not text:
            continue
        if prev is not None:
            gap = w.bbox[0] - prev.bbox[2]
            height = max(prev.bbox[3] - prev.bbox[1], w.bbox[3] - w.bbox[1], 1.0)
            latin_pair = _LATIN.match(out[-1]) and _LATIN.match(text[0])
            if latin_pair or gap > 0.9 * height:
                out += " "
        out += text
        prev = w
    return out


def make_line(words: Sequence[Word], text: str | None = None) -> Line | None:
    """A Line from words of one row (any order): sorted left to right, box = union.

    `text` defaults to the words joined by `join_words`."""
    words = sorted((w for w in words if w.text.strip()), key=lambda w: w.bbox[0])
    if not words:
        return None
    text = join_words(words) if text is None else text
    bbox = (
        min(w.bbox[0] for w in words),
        min(w.bbox[1] for w in words),
        max(w.bbox[2] for w in words),
        max(w.bbox[3] for w in words),
    )
    chars = [max(len(w.text.strip()), 1) for w in words]
    conf = sum(w.confidence * c for w, c in zip(words, chars)) / sum(chars)
    return Line(text=text, bbox=bbox, confidence=min(max(conf, 0.0), 1.0), words=tuple(words))


def group_rows(items: Sequence[T], bbox_of: Callable[[T], BBox]) -> list[list[T]]:
    """Group boxed items into rows by vertical overlap: rows top to bottom, each left to right.

    Engines that detect text boxes (RapidOCR) return them out of row order on skewed or uneven
    pages; an item joins the row whose vertical extent it overlaps by at least half its height.
    """
    rows: list[list[T]] = []
    spans: list[tuple[float, float]] = []
    for item in sorted(items, key=lambda it: (bbox_of(it)[1] + bbox_of(it)[3]) / 2):
        _, y0, _, y1 = bbox_of(item)
        h = max(y1 - y0, 1.0)
        best, best_overlap = None, 0.0
        for i, (r0, r1) in enumerate(spans):
            overlap = min(y1, r1) - max(y0, r0)
            frac = overlap / min(h, max(r1 - r0, 1.0))
            if frac >= 0.5 and frac > best_overlap:
                best, best_overlap = i, frac
        if best is None:
            rows.append([item])
            spans.append((y0, y1))
        else:
            rows[best].append(item)
            # the row's span follows its median box, so one tall box does not swallow the next row
            by_height = sorted(rows[best], key=lambda it: bbox_of(it)[3] - bbox_of(it)[1])
            mid = bbox_of(by_height[len(by_height) // 2])
            spans[best] = (mid[1], mid[3])
    order = sorted(range(len(rows)), key=lambda i: sum(spans[i]) / 2)
    return [sorted(rows[i], key=lambda it: bbox_of(it)[0]) for i in order]
