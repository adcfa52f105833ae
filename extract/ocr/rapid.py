"""RapidOCR (PP-OCRv4 det + rec on onnxruntime, models shipped in the wheel, offline).

One RapidOCR object per process (loading the three models takes ~1 s and holds ~200 MB).
Threads: intra/inter-op 1, because the pipeline runs one page per core; the wheel already turns
the onnxruntime CPU memory arena off (without that it peaked 0.7-1 GB per process).
Its boxes are 4-point polygons in detection order; we take axis-aligned boxes and rebuild the
rows from geometry (on skewed scans its own order gave CER 0.19, row assembly 0.04).
"""
from __future__ import annotations

import functools
import importlib.metadata
import threading

import numpy as np
from PIL import Image

from core.records import Line, Word
from extract.ocr.engines import group_rows, join_words, make_line, ocr_engines, strip_cjk_spaces

_lock = threading.Lock()


@functools.cache
def _rapidocr():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, print_verbose=False)


def memory_arena() -> bool:
    """Whether onnxruntime's CPU memory arena is on in this process's RapidOCR sessions, read from the
    sessions themselves (the engine is loaded): the wheel turns it off; with it on a process peaked at
    0.7-1 GB. bench/memory.py reports it beside the engine's peak."""
    engine = _rapidocr()
    sessions = (engine.text_det.infer, engine.text_cls.infer, engine.text_rec.session)
    return any(s.session.get_session_options().enable_cpu_mem_arena for s in sessions)


def _aabb(points) -> tuple[float, float, float, float]:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _segment_words(item) -> tuple[Word, list[Word]]:
    """One detected text box → (the box as a Word, its per-character/per-word Words)."""
    points, text, conf = item[0], str(item[1]), float(item[2])
    conf = min(max(conf, 0.0), 1.0)
    seg = Word(text=strip_cjk_spaces(text), bbox=_aabb(points), confidence=conf)
    words: list[Word] = []
    if len(item) >= 6 and item[3] and len(item[3]) == len(item[4]):
        confs = item[5] if len(item[5]) == len(item[4]) else [conf] * len(item[4])
        for box, piece, c in zip(item[3], item[4], confs):
            piece = str(piece).strip()
            if piece:
                words.append(Word(text=piece, bbox=_aabb(box), confidence=min(max(float(c), 0.0), 1.0)))
    if not words or "".join(w.text for w in words).replace(" ", "") != seg.text.replace(" ", ""):
        words = [seg]  # word boxes did not line up with the text: keep the box as one word
    return seg, words


def assemble(result) -> tuple[Line, ...]:
    """RapidOCR's result list → lines in reading order, one per row of boxes."""
    segments = [_segment_words(item) for item in result or () if str(item[1]).strip()]
    lines = []
    for row in group_rows(segments, lambda sw: sw[0].bbox):
        text = join_words([seg for seg, _ in row])
        line = make_line([w for _, words in row for w in words], text=text)
        if line is not None:
            lines.append(line)
    return tuple(lines)


@ocr_engines.register("rapidocr", version="1")
class RapidOcr:
    name = "rapidocr"

    @property
    def version(self) -> str:
        return importlib.metadata.version("rapidocr-onnxruntime")

    def read(self, image: Image.Image, dpi: int) -> tuple[Line, ...]:
        """Lines of `image` (bbox in its pixels). `dpi` is unused: the detector rescales itself."""
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        with _lock:  # one session per process; onnxruntime sessions are not re-entrant here
            # Pages arrive upright (extract/ocr/normalise.py turned them). The per-line angle
            # classifier then only does harm: it flips short number boxes, reading "90" as "06".
            result, _ = _rapidocr()(bgr, use_cls=False, return_word_box=True)
        return assemble(result)

    def describe(self) -> dict[str, str]:
        return {"engine": "rapidocr", "version": self.version, "models": "PP-OCRv4 det/rec (no line classifier: pages are upright)",
                "threads": "1", "mem_arena": "off"}
