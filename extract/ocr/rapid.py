"""RapidOCR (PP-OCRv4 det + rec on onnxruntime, models shipped in the wheel, offline).

One RapidOCR object per process (loading the three models takes ~1 s and holds ~200 MB).
Threads: intra/inter-op 1, because the pipeline runs one page per core. The wheel turns the
onnxruntime CPU memory arena off in its sessions (with it on, kept as it grew, a process peaked at
0.7-1 GB); our detector runs on an arena that gives back what each run freed (`ArenaSession`).
Its boxes are 4-point polygons in detection order; we take axis-aligned boxes and rebuild the
rows from geometry (on skewed scans its own order gave CER 0.19, row assembly 0.04).

The detector's input is made by a lookup table (`TablePreProcess`), bit for bit what the shipped
float64 step makes, 9x faster. Lines are recognised one at a time: the engine as shipped pads each
batch of 6 to its widest line, and on one thread that padding is pure cost (20 pages: recognition 14.4 s against 21.8 s), with
the same text on our fixture pages. Detection keeps the shipped size (the page's own, up to 2000
px), although it is ~60 % of the engine's time on an A4 scan: at 1600 px the alternative-font batch
(bench/fields.py alt seed 11) read table cells as "96." and joined a line to a seal's residue
(3 values wrong at confidence >= 0.8, against 0), at 1280 px a date under a seal lost a digit.
What detection does skip is the blank paper around the print (`InkDetector`): the same pixels at
the same scale, the margins counted as "no text" (22 % less engine time on 40 seed-9 pages). The
network's channel attention averages over its whole input, so a few reads change either way (12 of
those 40 pages differed somewhere, a seal's residue or a line's join); measured on the fixture
batches it found as much or more (seed 9: 675/676, alt seed 11: 672/679) with 0 wrong at >= 0.8.
"""
from __future__ import annotations

import functools
import importlib.metadata
import threading
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from core.records import Line, Word
from extract.ocr.engines import group_rows, join_words, make_line, ocr_engines, strip_cjk_spaces

_lock = threading.Lock()

REC_BATCH = 1
DETECTOR_ARENA = True  # False: the detector on the wheel's own session (no arena), for the benches' comparison


@functools.cache
def _rapidocr():
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, print_verbose=False)
    engine.text_rec.rec_batch_num = REC_BATCH
    shipped = engine.text_det.get_preprocess
    engine.text_det.get_preprocess = lambda max_wh: TablePreProcess(shipped(max_wh))
    engine.as_shipped = {"rec_batch_num": shipped_rec_batch(), "get_preprocess": shipped, "text_det": engine.text_det}
    engine.text_det = InkDetector(engine.text_det)
    return engine


class TablePreProcess:
    """The detector's input as its own `DetPreProcess` makes it, bit for bit, in a tenth of the time.

    The shipped step scales a whole page in float64 (`(img * 1/255 - mean) / std`, then a float32
    copy, then another on the channel transpose): 0.18 s of a page's ~1.7 s detection. A uint8 pixel
    has 256 values, so each channel's results are computed once, by that same arithmetic, into a table
    that the page is looked up in, already in channel-first order. The resize is the shipped one.
    """

    def __init__(self, shipped) -> None:
        self.shipped = shipped
        levels = np.arange(256, dtype=np.float32) * shipped.scale  # float32, as the shipped step has it
        mean = np.asarray(shipped.mean, dtype=np.float64)
        std = np.asarray(shipped.std, dtype=np.float64)
        self.table = ((levels[None, :] - mean[:, None]) / std[:, None]).astype(np.float32)  # (3, 256)

    def __call__(self, img: np.ndarray) -> np.ndarray | None:
        resized = self.shipped.resize(img)
        if resized is None:
            return None
        out = np.empty((1, 3, *resized.shape[:2]), dtype=np.float32)
        for channel in range(3):
            np.take(self.table[channel], resized[:, :, channel], out=out[0, channel])
        return out


# The detector looks only at the part of its input that holds ink, with INK_MARGIN pixels of paper
# around it (aligned to the network's 32-pixel grid); the rest of the page counts as "no text". The
# window is found on the input itself after a 3x3 median (scanner speckle out): rows and columns with
# INK_MIN_PIXELS pixels darker than the paper by INK_DELTA grey levels. A page with less than
# INK_MIN_SAVING of margin to spare (a photo of a sheet on a dark desk) is detected whole.
INK_MARGIN = 64
INK_DELTA = 10
INK_MIN_PIXELS = 2
INK_MIN_SAVING = 0.1


def ink_window(plane: np.ndarray) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1) of the detector input's inked part (one channel of the normalised input,
    paper near +1), on the 32-pixel grid; None when the whole input is worth detecting."""
    h, w = plane.shape
    small = cv2.medianBlur(np.ascontiguousarray(plane[::2, ::2]), 3)
    paper = float(np.median(small))
    ink = small < paper - INK_DELTA / 127.5
    rows = np.flatnonzero(ink.sum(axis=1) >= INK_MIN_PIXELS)
    cols = np.flatnonzero(ink.sum(axis=0) >= INK_MIN_PIXELS)
    if not len(rows) or not len(cols):
        return None
    y0 = max(0, 2 * int(rows[0]) - INK_MARGIN) // 32 * 32
    x0 = max(0, 2 * int(cols[0]) - INK_MARGIN) // 32 * 32
    y1 = min(h, -(-(2 * int(rows[-1]) + 2 + INK_MARGIN) // 32) * 32)
    x1 = min(w, -(-(2 * int(cols[-1]) + 2 + INK_MARGIN) // 32) * 32)
    if (y1 - y0) * (x1 - x0) > (1 - INK_MIN_SAVING) * h * w:
        return None
    return y0, y1, x0, x1


@functools.cache
def _shared_arena() -> None:
    """onnxruntime's CPU arena for this process, growing by what a run asks for (kSameAsRequested, not
    the default power of two), shared by the sessions that opt in (`session.use_env_allocators`)."""
    import onnxruntime as ort

    memory = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
    ort.create_and_register_allocator(memory, ort.OrtArenaCfg({"arena_extend_strategy": 1}))


class ArenaSession:
    """The text detector's network on an onnxruntime CPU arena, shrunk after every run: called as the
    wheel's `OrtInferSession` is (input array -> outputs), same model and session options otherwise.

    Without an arena (as the wheel ships it) each tensor of a run is allocated and freed on its own,
    and as nearly every page's inked window has a shape of its own, onnxruntime's memory plan for a
    shape is seldom reused: ~450 MB a page mapped, faulted in and unmapped again, or, below glibc's
    mmap threshold, left as holes in its heap that made a worker's memory climb page after page. On
    the arena a run's tensors come from blocks kept while it runs, and the blocks it freed go back at
    its end (run option `memory.enable_memory_arena_shrinkage`). The same six fixture scans read bit
    for bit as without it (76 lines: text, boxes, confidences); 12 scanned pages read in 35.9 s
    against 44.1 s, peaking 826 MB against 867 (bench/memory_pages.py)."""

    def __init__(self, shipped) -> None:
        import onnxruntime as ort

        _shared_arena()
        options = shipped.get_session_options()
        options.enable_cpu_mem_arena = True
        options.add_session_config_entry("session.use_env_allocators", "1")
        self.session = ort.InferenceSession(shipped._model_path, sess_options=options,  # noqa: SLF001
                                            providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.outputs = [o.name for o in self.session.get_outputs()]
        self.run_options = ort.RunOptions()
        self.run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def __call__(self, tensor: np.ndarray) -> list[np.ndarray]:
        return self.session.run(self.outputs, {self.input: tensor}, self.run_options)


class InkDetector:
    """RapidOCR's text detector run on the inked window of its input (`ink_window`): the same input
    pixels, network and box post-processing as the shipped `TextDetector`, over the full page's
    probability map with the margins left at 0. Blank A4 margins are a third of a scan's pixels."""

    def __init__(self, shipped) -> None:
        self.shipped = shipped
        self.infer = ArenaSession(shipped.infer.session) if DETECTOR_ARENA else shipped.infer

    def __getattr__(self, name: str):
        return getattr(self.shipped, name)

    def __call__(self, img: np.ndarray):
        det = self.shipped
        start = time.perf_counter()
        height, width = img.shape[:2]
        prepro = det.get_preprocess(max(height, width))(img)
        if prepro is None:
            return None, 0
        window = ink_window(prepro[0, 0])
        if window is None:
            preds = self.infer(prepro)[0]
        else:
            y0, y1, x0, x1 = window
            preds = np.zeros((1, 1, *prepro.shape[2:]), dtype=np.float32)
            preds[:, :, y0:y1, x0:x1] = self.infer(np.ascontiguousarray(prepro[:, :, y0:y1, x0:x1]))[0]
        boxes, _scores = det.postprocess_op(preds, (height, width))
        return det.filter_tag_det_res(boxes, (height, width)), time.perf_counter() - start


def run_engine(bgr: np.ndarray, *, as_shipped: bool = False, **kwargs):
    """RapidOCR on a BGR array. `as_shipped`: the engine's own recognition batch and detector input
    step instead of ours (bench/cost.py's denominator)."""
    with _lock:  # one session per process; onnxruntime sessions are not re-entrant here
        engine = _rapidocr()
        ours = engine.text_det, engine.as_shipped["text_det"].get_preprocess
        if as_shipped:
            engine.text_rec.rec_batch_num = engine.as_shipped["rec_batch_num"]
            engine.text_det = engine.as_shipped["text_det"]
            engine.text_det.get_preprocess = engine.as_shipped["get_preprocess"]
        try:
            return engine(bgr, **kwargs)
        finally:
            engine.text_rec.rec_batch_num = REC_BATCH
            engine.text_det, engine.as_shipped["text_det"].get_preprocess = ours


def shipped_rec_batch() -> int:
    """Lines per recognition call in the wheel's own configuration (6 in 1.4.4)."""
    import rapidocr_onnxruntime
    import yaml

    config = Path(rapidocr_onnxruntime.__file__).with_name("config.yaml")
    return int(yaml.safe_load(config.read_text(encoding="utf-8"))["Rec"]["rec_batch_num"])


def memory_arenas() -> dict[str, str]:
    """How each of this process's RapidOCR sessions allocates, read from the sessions themselves (the
    engine is loaded): "off" (the wheel's setting in every session: with its arena on a process peaked
    at 0.7-1 GB), "shrunk after each run" (our detector, `ArenaSession`) or "on". bench/memory.py
    reports it beside the engine's peak."""
    engine = _rapidocr()
    sessions = {"detector": engine.text_det.infer, "classifier": engine.text_cls.infer.session,
                "recogniser": engine.text_rec.session.session}
    out = {}
    for name, session in sessions.items():
        shrunk = isinstance(session, ArenaSession)
        arena = (session.session if shrunk else getattr(session, "session", session)).get_session_options().enable_cpu_mem_arena
        out[name] = "shrunk after each run" if shrunk and arena else "on" if arena else "off"
    return out


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


# A page is read as it stands when its own detected lines say it is upright: most boxes wider than
# tall, and the 0/180 line classifier, over the UPRIGHT_LINES longest lines (weighted by length),
# giving "upside down" less than UPRIGHT_MAX_FLIPPED of the weight. The same detection tells a
# turned page's rotation when the lines agree as clearly (most boxes tall: the classifier judges their
# crops, which the engine turns a quarter anticlockwise); the page is then turned and read again.
# When the lines do not agree that clearly, normalisation's orientation detection (Tesseract OSD,
# then this classifier's vote) decides.
UPRIGHT_LINES = 24
UPRIGHT_MIN_LINES = 3
UPRIGHT_MAX_FLIPPED = 0.2


def box_size(box) -> tuple[float, float]:
    """(length, height) of a detected 4-point text box."""
    b = np.asarray(box, dtype=np.float32)
    return float(np.linalg.norm(b[0] - b[1])), float(np.linalg.norm(b[0] - b[3]))


def classifier_votes(engine, img: np.ndarray, boxes) -> dict[str, float]:
    """RapidOCR's 0/180 line classifier over `boxes` of `img`: each label's score summed, weighted
    by the line's length in pixels (a tall box's crop is turned a quarter anticlockwise first)."""
    crops = engine.get_crop_img_list(img, list(boxes))
    _, labels, _ = engine.text_cls(crops)
    votes = {"0": 0.0, "180": 0.0}
    for crop, (label, score) in zip(crops, labels):
        votes[str(label)] = votes.get(str(label), 0.0) + float(score) * crop.shape[1]
    return votes


def upright_share(engine, img: np.ndarray, boxes, *, tall: bool = False) -> tuple[float, int]:
    """(share of the line weight the classifier calls upright, lines judged) for detected `boxes`
    of `img` (both as the engine's detector saw them). Lines shorter than 3x their height skip;
    with `tall`, lines that run down the page are judged instead (their crops turned a quarter
    anticlockwise, so "upright" means the page stands upright after a quarter turn anticlockwise)."""
    def long_side(b) -> tuple[float, float]:
        length, height = box_size(b)
        return (height, length) if tall else (length, height)

    lines = [b for b in boxes if long_side(b)[0] >= 3 * max(long_side(b)[1], 1.0)]
    lines = sorted(lines, key=lambda b: -long_side(b)[0])[:UPRIGHT_LINES]
    if not lines:
        return 0.0, 0
    votes = classifier_votes(engine, img, lines)
    total = votes["0"] + votes["180"]
    return (votes["0"] / total if total else 0.0), len(lines)


def lines_rotation(engine, img: np.ndarray, boxes) -> tuple[int | None, str]:
    """(clockwise degrees that stand the page upright, why) from its detected `boxes`, or (None, why)
    when its lines do not say it clearly."""
    wide = sum(1 for b in boxes if box_size(b)[0] >= box_size(b)[1])
    tall = len(boxes) - wide
    if max(wide, tall) < UPRIGHT_MIN_LINES or wide == tall:
        return None, f"{wide} of {len(boxes)} boxes wide"
    share, judged = upright_share(engine, img, boxes, tall=tall > wide)
    why = f"{'tall' if tall > wide else 'wide'} lines, upright {share:.2f} of {judged}"
    if judged < UPRIGHT_MIN_LINES or UPRIGHT_MAX_FLIPPED < share < 1 - UPRIGHT_MAX_FLIPPED:
        return None, why
    if tall > wide:
        return (270 if share >= 0.5 else 90), why
    return (0 if share >= 0.5 else 180), why


def read_if_upright(image: Image.Image) -> tuple[tuple[Line, ...] | None, int | None, str]:
    """Detect the text of `image` once; if its lines show it upright, recognise them with those same
    boxes and return (lines, 0, why); else (None, rotation, why) without recognising anything, with
    the clockwise turn its lines call for (`lines_rotation`; None when they do not say clearly)."""
    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    with _lock:
        engine = _rapidocr()
        shipped_det = engine.auto_text_det
        seen: dict = {}

        def detect(img):
            boxes, elapse = shipped_det(img)
            seen["img"], seen["boxes"] = img, boxes
            return boxes, elapse

        try:
            engine.auto_text_det = detect
            engine(bgr, use_cls=False, use_rec=False)
            boxes = seen.get("boxes")
            if boxes is None or len(boxes) == 0:
                return (), 0, "no text"
            rotation, why = lines_rotation(engine, seen["img"], boxes)
            if rotation != 0:
                return None, rotation, why
            engine.auto_text_det = lambda img: (boxes, 0.0)  # the same image: the same preprocessing
            result, _ = engine(bgr, use_cls=False, return_word_box=True)
            return assemble(result), 0, why
        finally:
            engine.__dict__.pop("auto_text_det", None)


@ocr_engines.register("rapidocr", version="1")
class RapidOcr:
    name = "rapidocr"

    @property
    def version(self) -> str:
        return importlib.metadata.version("rapidocr-onnxruntime")

    def read(self, image: Image.Image, dpi: int) -> tuple[Line, ...]:
        """Lines of `image` (bbox in its pixels). `dpi` is unused: the detector rescales itself."""
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        # Pages arrive upright (extract/ocr/normalise.py turned them). The per-line angle
        # classifier then only does harm: it flips short number boxes, reading "90" as "06".
        result, _ = run_engine(bgr, use_cls=False, return_word_box=True)
        return assemble(result)

    def read_if_upright(self, image: Image.Image, dpi: int) -> tuple[tuple[Line, ...] | None, int | None, str]:
        """(`read`'s lines, 0, why) when the page's own lines show it upright (one detection serves
        both); else (None, the turn its lines call for or None, why). See `read_if_upright` (module)."""
        return read_if_upright(image)

    def describe(self) -> dict[str, str]:
        return {"engine": "rapidocr", "version": self.version, "models": "PP-OCRv4 det/rec (no line classifier: pages are upright)",
                "threads": "1", "mem_arena": "off",
                "recognition_batch": str(REC_BATCH)}
