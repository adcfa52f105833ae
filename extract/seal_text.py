"""The ring text (印文) of round unit seals: what unit a seal names, read where the pixels allow.

A unit seal's name runs clockwise along the inside of its rim, each character upright towards the
centre. `ring_strip` unwraps the seal's ink (the red mask; on a grey copy the mid-grey mask of
extract/seals.py) along the fitted rim ellipse into one straight line: x = angle clockwise, outer
radius at the top, so the characters stand upright, between `TEXT_BAND` of the rim radius (the
star and the horizontal text below it stay out). The line starts in the middle of the text's gap
(the angle with least ink over a quarter turn), so the name is never cut in two. The strip is
`STRIP_HEIGHT` pixels high, the height RapidOCR's recogniser takes, and is read by the recogniser
alone: one call per seal, no text detection (the strip is already one line, and the detector costs
more than the reading). Every character keeps its own confidence and its place on the seal.

Cost: about 0.1 s per seal on this machine (the unwrap a few ms), against 1.8-4.6 s for a full
detect+read of a 1440-row strip; `MAX_SEALS` seals per dossier at most, those of the documents the
employer itself issues first (`READ_ORDER`).

Curved, faded, overprinted seal text is read worse than print: a reading is what OCR saw, with its
confidence, for a check to weigh (verify/checks_seals.py); extraction does not judge it.
"""
from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from core.records import Evidence, ExtractedValue

log = logging.getLogger("dossier.extract")

EXTRACTOR = "seal_text@1"
TEXT_BAND = (0.58, 0.99)  # the ring text lies between these fractions of the rim radius
STRIP_HEIGHT = 48  # px: RapidOCR's recogniser input height (rec_img_shape)
GAP_TURN = 0.25  # the text's gap is looked for as the least ink over this share of a turn
MAX_SEALS = 10  # seals read per dossier
READ_ORDER = ("unit_opinion", "publicity_record", "commitment", "appointment", "appraisal")
_lock = threading.Lock()


@dataclass(frozen=True)
class RingChar:
    char: str
    confidence: float
    angle: float  # degrees clockwise from the ellipse's first axis, where the character stands


@dataclass(frozen=True)
class RingText:
    text: str
    confidence: float  # mean of the characters'
    chars: tuple[RingChar, ...]


@dataclass(frozen=True)
class Impression:
    """One seal of a page, with the pixels around it kept (the page's image is let go)."""
    document: str
    file: str
    page: int
    bbox: tuple[float, float, float, float]
    ellipse: tuple  # ((cx, cy), (w, h), angle°) in the crop's pixels
    offset: tuple[int, int]  # the crop's top-left corner on the page
    ink: str
    mask: np.ndarray  # the seal's ink (0/1) around it


def impression(document: str, file: str, page: int, rgb: np.ndarray, seal, dpi: float) -> Impression | None:
    """The seal's ink mask cut from the page (RGB array), with a margin of a tenth of its size."""
    from extract.seals import grey_ink, red_ink  # extract/seals.py reads the rings through this module

    if seal.ellipse is None:
        return None
    (cx, cy), (ew, eh), ang = seal.ellipse
    r = 0.55 * max(ew, eh)
    x0, y0 = int(max(0, cx - r)), int(max(0, cy - r))
    x1, y1 = int(min(rgb.shape[1], cx + r + 1)), int(min(rgb.shape[0], cy + r + 1))
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    if crop.size == 0:
        return None
    if seal.ink == "red":
        mask = red_ink(cv2.cvtColor(crop, cv2.COLOR_RGB2HSV))
    else:
        mask = grey_ink(np.ascontiguousarray(crop[..., 1]), dpi)
    return Impression(document=document, file=file, page=page, bbox=seal.bbox, ellipse=((cx - x0, cy - y0), (ew, eh), ang),
                      offset=(x0, y0), ink=seal.ink, mask=mask)


def _on_ellipse(ellipse, rho: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates of relative radius `rho` at angle `theta` (radians) of the ellipse."""
    (cx, cy), (ew, eh), ang = ellipse
    t = math.radians(ang)
    u, v = rho * np.cos(theta) * ew / 2, rho * np.sin(theta) * eh / 2
    return cx + u * math.cos(t) - v * math.sin(t), cy + u * math.sin(t) + v * math.cos(t)


def fit_rim(mask: np.ndarray, ellipse) -> tuple:
    """The rim's ellipse fitted again at full resolution: in each direction the outer edge of the ink
    nearest the rim found on the reduced page, an ellipse fitted to those points (the worst fifth
    dropped and fitted again), moved in by half the rim's width. The text band follows the rim
    closely; a centre a few pixels off waves the unwrapped line. Returns `ellipse` when too few
    directions show the rim."""
    rho = np.arange(0.80, 1.20, 0.004)
    theta = np.linspace(0, 2 * math.pi, 360, endpoint=False)
    xs, ys = _on_ellipse(ellipse, rho[None, :], theta[:, None])
    polar = cv2.remap(mask.astype(np.float32), xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_NEAREST,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    pts, widths = [], []
    for a in range(len(theta)):
        ink = np.flatnonzero(polar[a])
        if not len(ink):
            continue
        outer = ink[-1]
        inner = outer
        while inner > 0 and polar[a, inner - 1]:
            inner -= 1
        pts.append((xs[a, outer], ys[a, outer]))
        widths.append(outer - inner + 1)
    if len(pts) < 0.5 * len(theta):
        return ellipse
    pts = np.array(pts, np.float32)
    fitted = cv2.fitEllipse(pts)
    for _ in range(2):
        (cx, cy), (ew, eh), ang = fitted
        t = math.radians(ang)
        dx, dy = pts[:, 0] - cx, pts[:, 1] - cy
        u, v = dx * math.cos(t) + dy * math.sin(t), -dx * math.sin(t) + dy * math.cos(t)
        off = np.abs(np.hypot(u / (ew / 2), v / (eh / 2)) - 1)
        pts = pts[off <= np.percentile(off, 80)]
        if len(pts) < 20:
            return ellipse
        fitted = cv2.fitEllipse(pts)
    (cx, cy), (ew, eh), ang = fitted
    half = float(np.median(widths)) * 0.004 / 2  # half the rim's width, relative
    return (cx, cy), (ew * (1 - half), eh * (1 - half)), ang


def ring_strip(mask: np.ndarray, ellipse) -> tuple[np.ndarray, float]:
    """(the ring's text band as one line, black ink on white, `STRIP_HEIGHT` high; the angle in degrees
    at which the line starts). Sampled at twice the size and reduced, so strokes stay smooth."""
    lo, hi = TEXT_BAND
    width = int(round(2 * math.pi * (lo + hi) / 2 / (hi - lo) * STRIP_HEIGHT))
    theta = np.linspace(0, 2 * math.pi, 2 * width, endpoint=False)[None, :]
    rho = np.linspace(hi, lo, 2 * STRIP_HEIGHT)[:, None]  # the outer edge (the characters' tops) first
    xs, ys = _on_ellipse(ellipse, rho, theta)
    band = cv2.remap(mask.astype(np.float32), xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    band = cv2.resize(band, (width, STRIP_HEIGHT), interpolation=cv2.INTER_AREA)
    ink = band.mean(axis=0)
    k = max(1, int(GAP_TURN * width))
    around = np.convolve(np.r_[ink, ink[:k - 1]], np.ones(k) / k, mode="valid")  # window starting at each column
    start = (int(np.argmin(around)) + k // 2) % width  # the middle of the emptiest quarter turn
    band = np.roll(band, -start, axis=1)
    strip = (255 - np.clip(band * 255, 0, 255)).astype(np.uint8)
    return strip, 360.0 * start / width


def recognise(strip: np.ndarray) -> list[tuple[str, float, float]]:
    """(character, confidence, x in strip pixels) of the one line of text in `strip` (grey, uint8), by
    RapidOCR's recogniser alone."""
    from extract.ocr.rapid import _rapidocr  # the page engine's one RapidOCR per process (models ~200 MB)

    bgr = cv2.cvtColor(strip, cv2.COLOR_GRAY2BGR)
    with _lock:
        got, _ = _rapidocr().text_rec([bgr], True)
    if not got or len(got[0]) < 3 or not got[0][0]:
        return []
    text, _, (steps, _, columns, _, confs) = got[0]
    h, w = strip.shape[:2]
    padded = max(320.0, STRIP_HEIGHT * w / h)  # the recogniser's input width (pads to its 320 minimum)
    cols = [c for word in columns for c in word]
    if len(cols) != len(text) or len(confs) != len(text):
        return [(ch, float(c), w / 2) for ch, c in zip(text, confs)]
    return [(ch, float(c), (col + 0.5) * padded / steps) for ch, c, col in zip(text, confs, cols)]


def read_ring(imp: Impression) -> RingText:
    """The text along the seal's ring, each character with its confidence and angle."""
    strip, start = ring_strip(imp.mask, fit_rim(imp.mask, imp.ellipse))
    if (strip < 128).mean() < 0.01:
        return RingText("", 0.0, ())
    width = strip.shape[1]
    chars = tuple(RingChar(ch, round(c, 3), round((start + 360.0 * x / width) % 360.0, 1))
                  for ch, c, x in recognise(strip) if ch.strip())
    text = "".join(c.char for c in chars)
    conf = round(sum(c.confidence for c in chars) / len(chars), 3) if chars else 0.0
    return RingText(text, conf, chars)


def _char_box(imp: Impression, angle: float) -> tuple[float, float, float, float]:
    """A character's box on the page: centred in the text band at its angle, as tall as the band."""
    lo, hi = TEXT_BAND
    x, y = _on_ellipse(imp.ellipse, np.array((lo + hi) / 2), np.array(math.radians(angle)))
    half = (hi - lo) / 2 * max(imp.ellipse[1]) / 2
    ox, oy = imp.offset
    return (round(float(x) + ox - half, 1), round(float(y) + oy - half, 1),
            round(float(x) + ox + half, 1), round(float(y) + oy + half, 1))


def ring_reading(imp: Impression, ring: RingText) -> ExtractedValue:
    """The `seal_text` reading: value the text read; evidence the seal (its box, the text, the mean
    confidence), then each character (its box on the ring and its own confidence)."""
    seal = Evidence(file=imp.file, page=imp.page, bbox=imp.bbox, text=ring.text, confidence=ring.confidence,
                    extractor=EXTRACTOR)
    chars = tuple(Evidence(file=imp.file, page=imp.page, bbox=_char_box(imp, c.angle), text=c.char,
                           confidence=c.confidence, extractor=EXTRACTOR) for c in ring.chars)
    note = f"{imp.ink} seal, read along its ring" + ("" if ring.text else ": no text recognised")
    return ExtractedValue(field="seal_text", value=ring.text, evidence=(seal,) + chars, extractor=EXTRACTOR,
                          document=imp.document, confidence=ring.confidence, note=note)


def ring_readings(impressions: list[Impression]) -> list[ExtractedValue]:
    """`seal_text` readings of at most `MAX_SEALS` impressions, the employer's own documents first."""
    rank = {t: i for i, t in enumerate(READ_ORDER)}
    chosen = sorted(impressions, key=lambda i: rank.get(i.document, len(rank)))[:MAX_SEALS]
    out = []
    for imp in chosen:
        try:
            out.append(ring_reading(imp, read_ring(imp)))
        except Exception as exc:  # a second look at a seal must not lose the dossier
            log.warning("reading the seal on %s page %s failed: %s", imp.file, imp.page, exc, exc_info=True)
    return out
