"""Page normalisation before OCR: red seals out, orientation and skew undone, light flattened,
and (only when asked) the contrast of a faint page stretched.

Every step is a pure function of the input image and the parameters recorded in
`NormalisedPage`, so `apply_normalisation(raw_image, ...)` rebuilds the exact image the OCR read
(reports crop evidence from it with the bboxes of the `PageText`).
"""
from __future__ import annotations

import math

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from core.errors import ExternalProgramError
from extract.ocr.tesseract import run_tesseract

MAX_SKEW = 5.0
# Share of the page in saturated red before we call it a seal (a red heading alone is smaller).
SEAL_MIN_FRACTION = 0.001


@dataclass(frozen=True)
class NormalisedPage:
    image: Image.Image  # what the OCR reads; bboxes are in its pixels
    rotation: int  # 0/90/180/270: degrees the page was turned clockwise to stand upright
    skew: float  # degrees the text lines leaned anticlockwise; undone before OCR
    seal_suppressed: bool
    flattened: bool = False  # background divided out (uneven light of phone photos)
    orientation_method: str = ""  # "osd", "rapidocr-vote", "given"
    ink: float = 0.0  # share of the page clearly darker than the paper (see `ink_levels`)
    levels: tuple[int, int] = (0, 255)  # (darkest ink level, paper level): what `stretch` would map
    stretch: tuple[int, int, int] | None = None  # (low, high, median kernel) applied, see `stretch_contrast`


# ---- red seals --------------------------------------------------------------------------------


def red_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of red ink: red hue, saturated, not dark (black print under the seal stays out)."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    return ((h <= 12) | (h >= 160)) & (s >= 70) & (v >= 90)


def suppress_seal(rgb: np.ndarray, background: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
    """Grey page with red ink turned paper-white; (grey, whether red ink was found).

    Red ink is read through the red channel, where it is nearly as light as the paper while black
    print under the seal stays dark; levels are stretched so the ink goes to white. `background`
    (from `page_background`) divides both first, so a flattened page has no halo around the seal.
    """
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    red = rgb[..., 0]
    if background is not None:
        grey = cv2.divide(grey, background, scale=255)
        red = cv2.divide(red, background, scale=255)
    mask = red_mask(rgb)
    if mask.mean() < SEAL_MIN_FRACTION:
        return grey, False
    ink_level = float(np.percentile(red[mask], 20))
    lifted = np.clip(red.astype(np.float32) * (255.0 / max(ink_level, 1.0)), 0, 255).astype(np.uint8)
    # widen the mask by a pixel so anti-aliased seal edges go too
    mask = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    out = grey.copy()
    out[mask] = np.maximum(grey[mask], lifted[mask])
    return out, True


# ---- light ---------------------------------------------------------------------------------------


def page_background(rgb: np.ndarray) -> np.ndarray:
    """The paper's brightness map (large closing + blur of the red channel, where seals vanish)."""
    red = np.ascontiguousarray(rgb[..., 0])
    h, w = red.shape
    k = max(15, (min(h, w) // 40) | 1)
    background = cv2.morphologyEx(red, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return np.maximum(cv2.GaussianBlur(background, (0, 0), k / 2), 1)


def needs_flattening(rgb: np.ndarray) -> bool:
    """Paper clearly not white or unevenly lit: the 95th percentile of tiles varies or is dark."""
    red = rgb[..., 0]
    h, w = red.shape
    tiles = [
        np.percentile(red[y : y + h // 4, x : x + w // 4], 95)
        for y in range(0, h - h // 4 + 1, h // 4)
        for x in range(0, w - w // 4 + 1, w // 4)
    ]
    return bool(min(tiles) < 200 or max(tiles) - min(tiles) > 30)


# ---- faint pages ---------------------------------------------------------------------------------

# A pixel is ink when clearly darker than the paper after a 3x3 median (which removes scanner
# speckle and most sensor noise). A blank scanned page measures 0; a normal page ~5 %; the faint
# appraisal scan of the fixtures (text at grey ~230-240 on 254 paper, blurred) 1.3 %.
INK_DELTA = 15
# The stretch: a 5x5 median first (the noise is amplified with the contrast; the faint text is
# blurred anyway), then [ink level, paper] -> [0, 255]; the ink level is this percentile.
STRETCH_MEDIAN = 5
STRETCH_INK_PERCENTILE = 0.5


def _percentile(hist: np.ndarray, q: float) -> int:
    """The grey level at percentile `q` (0-100) of a 256-bin histogram."""
    cum = np.cumsum(hist)
    return int(np.searchsorted(cum, cum[-1] * q / 100.0))


def ink_levels(grey: np.ndarray) -> tuple[float, tuple[int, int]]:
    """(share of ink pixels, (darkest ink level, paper level)) of a grey page.

    Paper is the median grey; ink the pixels more than `INK_DELTA` darker after a 3x3 median; the
    ink level is the `STRETCH_INK_PERCENTILE` of the 5x5-median page (what `stretch_contrast` maps
    to black)."""
    small = cv2.medianBlur(grey, 3)
    hist = np.bincount(small.ravel(), minlength=256)
    paper = _percentile(hist, 50)
    ink = float(hist[: max(paper - INK_DELTA, 0)].sum() / max(small.size, 1))
    denoised = np.bincount(cv2.medianBlur(grey, STRETCH_MEDIAN).ravel(), minlength=256)
    return ink, (min(_percentile(denoised, STRETCH_INK_PERCENTILE), paper), paper)


def stretch_contrast(pixels: np.ndarray, stretch: tuple[int, int, int]) -> np.ndarray:
    """`pixels` (grey or RGB, uint8) median-filtered with kernel `stretch[2]`, then levels
    [stretch[0], stretch[1]] mapped to [0, 255] (clipped). Geometry is unchanged."""
    low, high, kernel = stretch
    denoised = cv2.medianBlur(np.ascontiguousarray(pixels), kernel) if kernel > 1 else pixels
    scale = 255.0 / max(high - low, 1)
    return np.clip((denoised.astype(np.float32) - low) * scale, 0, 255).astype(np.uint8)


def format_stretch(stretch: tuple[int, int, int]) -> str:
    """The stretch as recorded in `PageText.meta["contrast_stretch"]`: "low,high,kernel"."""
    return ",".join(str(int(v)) for v in stretch)


def parse_stretch(recorded: str | None) -> tuple[int, int, int] | None:
    """`format_stretch`'s text back (None for none); a bare "low,high" means the default kernel."""
    if not recorded:
        return None
    parts = [int(v) for v in recorded.split(",")]
    if len(parts) == 2:
        parts.append(STRETCH_MEDIAN)
    low, high, kernel = parts
    return low, high, kernel


# ---- orientation -------------------------------------------------------------------------------


def rotate_upright(img: Image.Image, rotation: int) -> Image.Image:
    """Turn `img` clockwise by `rotation` (0/90/180/270)."""
    ops = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    return img.transpose(ops[rotation]) if rotation in ops else img


def osd_rotation(grey: Image.Image, dpi: int) -> tuple[int, float] | None:
    """Tesseract OSD: (clockwise degrees to stand upright, confidence), None when it cannot tell."""
    small, small_dpi = _downscale(grey, dpi, 1600)
    try:
        out = run_tesseract(small, small_dpi, psm=0, timeout=30, config="")
    except ExternalProgramError:  # too few characters, or OSD data missing: let the vote decide
        return None
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    try:
        return int(fields["Rotate"].strip()) % 360, float(fields["Orientation confidence"].strip())
    except (KeyError, ValueError):
        return None


def vote_rotation(grey: Image.Image, dpi: int) -> int:
    """RapidOCR's detector and 0/180 classifier, used when OSD is unsure.

    Text boxes taller than wide mean the lines run vertically (page turned 90/270); the
    classifier then votes 0 vs 180 per text box, weighted by box length.
    """
    from extract.ocr.rapid import _rapidocr, box_size, classifier_votes

    engine = _rapidocr()
    small, _ = _downscale(grey, dpi, 1200)
    arr = np.ascontiguousarray(np.asarray(small.convert("RGB"))[:, :, ::-1])
    boxes, _ = engine.text_det(arr)
    if boxes is None or len(boxes) == 0:
        return 0
    wide = sum(1 for b in boxes if box_size(b)[0] >= box_size(b)[1])
    base = 0 if wide >= len(boxes) - wide else 90
    if base:
        small = rotate_upright(small, 90)
        arr = np.ascontiguousarray(np.asarray(small.convert("RGB"))[:, :, ::-1])
        boxes, _ = engine.text_det(arr)
        if boxes is None or len(boxes) == 0:
            return base
    votes = classifier_votes(engine, arr, boxes)
    return (base + (180 if votes["180"] > votes["0"] else 0)) % 360


def detect_rotation(grey: Image.Image, dpi: int, min_osd_confidence: float = 2.0) -> tuple[int, str]:
    """(clockwise degrees to stand upright, method): OSD if confident, else the RapidOCR vote."""
    osd = osd_rotation(grey, dpi)
    if osd is not None and osd[1] >= min_osd_confidence:
        return osd[0], "osd"
    return vote_rotation(grey, dpi), "rapidocr-vote"


# ---- skew ----------------------------------------------------------------------------------------


def detect_skew(grey: np.ndarray, max_angle: float = MAX_SKEW) -> float:
    """Anticlockwise lean of the text lines in degrees (projection-profile search), 0 if unsure."""
    h, w = grey.shape
    scale = min(1.0, 1000.0 / max(h, w))
    small = cv2.resize(grey, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if ink.mean() < 0.5:  # blank page
        return 0.0
    sh, sw = ink.shape
    centre = (sw / 2, sh / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, -angle, 1.0)  # undo an anticlockwise lean
        rows = cv2.warpAffine(ink, m, (sw, sh), flags=cv2.INTER_NEAREST).sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    coarse = np.arange(-max_angle, max_angle + 1e-9, 0.5)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    best = float(max(fine, key=score))
    return round(best, 2) if abs(best) >= 0.1 else 0.0


def deskew(img: Image.Image, skew: float) -> Image.Image:
    """`img` turned by `skew` degrees clockwise, canvas expanded, bicubic: the geometry of Pillow's
    `img.rotate(-skew, expand=True)` (bboxes recorded against either agree), drawn by OpenCV, 3× faster."""
    if not skew:
        return img
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    w, h = img.size
    a = math.radians(skew)
    cos, sin = round(math.cos(a), 15), round(math.sin(a), 15)
    # expanded canvas as Pillow computes it: the turned corners' extent, rounded outwards
    corners = ((0, 0), (w, 0), (w, h), (0, h))
    xs = [cos * (x - w / 2) + sin * (y - h / 2) + w / 2 for x, y in corners]
    ys = [-sin * (x - w / 2) + cos * (y - h / 2) + h / 2 for x, y in corners]
    nw, nh = math.ceil(max(xs)) - math.floor(min(xs)), math.ceil(max(ys)) - math.floor(min(ys))
    # destination pixel index → source pixel index (Pillow samples at pixel centres, OpenCV at indices)
    ax, ay = 0.5 - nw / 2, 0.5 - nh / 2
    tx = cos * ax + sin * ay + w / 2 - 0.5
    ty = -sin * ax + cos * ay + h / 2 - 0.5
    matrix = np.array([[cos, sin, tx], [-sin, cos, ty]], dtype=np.float64)
    fill = 255 if img.mode == "L" else (255, 255, 255)
    out = cv2.warpAffine(np.asarray(img), matrix, (nw, nh), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    return Image.fromarray(out, mode=img.mode)


# ---- the whole step ------------------------------------------------------------------------------


def _downscale(img: Image.Image, dpi: int, max_side: int) -> tuple[Image.Image, int]:
    scale = min(1.0, max_side / max(img.size))
    if scale >= 1.0:
        return img, dpi
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS), max(1, round(dpi * scale))


def apply_normalisation(
    image: Image.Image,
    *,
    rotation: int,
    skew: float,
    flatten: bool | None = None,
    stretch: tuple[int, int, int] | None = None,
) -> Image.Image:
    """Rebuild the normalised image from the original and the recorded rotation, skew and stretch.

    Seal suppression and (with `flatten=None`) flattening follow from the pixels alone."""
    rgb = np.asarray(image.convert("RGB"))
    if flatten is None:
        flatten = needs_flattening(rgb)
    background = page_background(rgb) if flatten else None
    grey, _ = suppress_seal(rgb, background)
    if stretch is not None:
        grey = stretch_contrast(grey, stretch)
    return deskew(rotate_upright(Image.fromarray(grey), rotation), skew)


def normalise_page(
    image: Image.Image,
    dpi: int,
    *,
    flatten: bool | None = None,
    stretch: tuple[int, int, int] | None = None,
    rotation: int | None = None,
) -> NormalisedPage:
    """Upright, deskewed, seal-free grey page ready for OCR.

    `flatten`: divide out the background; None decides from the page's paper brightness.
    `stretch`: (low, high, median kernel) for `stretch_contrast`, applied before orientation and
    skew are detected (on a faint page OSD reads noise and may turn it upside down).
    `rotation`: the page's turn when already known (method "given"); None detects it.
    `ink` and `levels` are measured before any stretch.
    """
    rgb = np.asarray(image.convert("RGB"))
    if flatten is None:
        flatten = needs_flattening(rgb)
    grey, sealed = suppress_seal(rgb, page_background(rgb) if flatten else None)
    ink, levels = ink_levels(grey)
    if stretch is not None:
        grey = stretch_contrast(grey, stretch)
    page = Image.fromarray(grey)
    if rotation is None:
        rotation, method = detect_rotation(page, dpi)
    else:
        method = "given"
    page = rotate_upright(page, rotation)
    skew = detect_skew(np.asarray(page))
    return NormalisedPage(deskew(page, skew), rotation, skew, sealed, flatten, method, ink, levels, stretch)
