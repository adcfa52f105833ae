"""A seal impression as the pasted-seal check compares it: its ink, normalised, and its fine texture.

A unit seal pressed by hand leaves another impression each time: the ink lies thicker on one side, specks
of paper show through in other places, the seal sits at another angle. Every impression of one seal has
the same design (ring, star, the unit's name), so the design cannot tell a paste from a second stamping;
the ink's fine texture can. A seal cut out of one scan and pasted onto another document keeps that
texture, pixel for pixel, up to its size, its angle and the page's blur and recompression.

`normalise` (in the worker, on the page's colour image) maps the seal's ellipse — a circle on a scan, an
ellipse on a phone photo — onto a circle of radius RIM in a SIZE × SIZE square and keeps the ink's
strength there: paper minus grey level, proportional to the ink's density both for red ink on a colour
page and for its grey on a grey copy; the print under the ink (black, not ink) is masked out. `encode`
stores it as a PNG of LEVELS grey levels (about 10 KB: the texture is noise-like and does not compress
further; at 128 px impressions of one seal were no longer told apart, bench/fraud_seals.py).

`Impression` (in the batch check) derives what the comparison needs: the texture (strength minus its
local mean, on solid ink only, so that neither the design nor a fade across the seal counts); `polar`
finds the angle between two impressions, `onto` lays one on the other, `aligned_texture` compares two.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np
from PIL import Image

from extract.seals import MM_PER_IN, grey_ink, red_ink

SIZE = 224  # the normalised square (pixels); a 40 mm seal at 200 dpi is 315 px across
RIM = 0.45 * SIZE  # radius of the seal's outer rim in it
LEVELS = 32  # grey levels of the stored strength (0 = paper); INVALID marks print under the ink
TOP = 1.25  # strength (in units of the impression's 99th percentile) of the top level
FLOOR = 0.15  # weaker than this is paper
INVALID = 255
SOLID = 0.5  # strength (in units of the ink's 95th percentile) from which ink is solid: its texture is compared
# there, one pixel in from its edges (the edges carry the design, which every impression shares)
MIN_SOLID = 100  # pixels of solid ink both impressions must share for their texture to be compared (a faint
# photographed copy shares 100-200; other pairs there correlate no higher than elsewhere, sd 0.1)
TEXTURE_SIGMA = 5.25  # px: the local mean the texture is taken from (the fade, not the specks)
SMOOTH_SIGMA = 0.6  # px: the texture lightly smoothed first: pixel noise and JPEG blocks out, a photo's blur matched
ANGLES = 1440  # polar samples per turn for the angle between two impressions (0.25°)
RADII = SIZE // 4

_CENTRE = (SIZE / 2 - 0.5, SIZE / 2 - 0.5)
_YY, _XX = np.mgrid[0:SIZE, 0:SIZE]
_RADIUS = np.hypot(_XX - _CENTRE[0], _YY - _CENTRE[1])
DISC = _RADIUS <= RIM * 1.06
TEXT_BAND = (_RADIUS > 0.55 * RIM) & (_RADIUS < 0.93 * RIM)  # the unit's name along the rim


# --- the worker: a seal on a page, normalised -------------------------------------------------------

def _paper(grey: np.ndarray) -> np.ndarray:
    """The paper's grey level under the seal: a plane through the brighter half of the crop, raised to its
    bright end (a phone photo's light falls off across the sheet; a scan's paper is flat)."""
    h, w = grey.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bright = grey >= np.percentile(grey, 50)
    terms = np.column_stack([np.ones(int(bright.sum()), np.float32), xx[bright], yy[bright]])
    coef = np.linalg.lstsq(terms, grey[bright], rcond=None)[0]
    plane = coef[0] + coef[1] * xx + coef[2] * yy
    return plane + float(np.percentile(grey[bright] - plane[bright], 90))


def _ink_and_print(rgb: np.ndarray, red: bool, dpi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(strength = paper minus grey level, the seal's ink mask, print under the ink) of a colour crop.
    Print is what is darker than the seal's own ink ever is (and, on a colour page, what dims the red
    channel, which red ink leaves high); its blurred edges go with it."""
    f = rgb.astype(np.float32)
    grey = 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
    paper = _paper(grey)
    if red:
        ink = red_ink(cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV))
        dark = f[..., 0] < 0.7 * float(np.percentile(f[..., 0], 95))
    else:
        ink = grey_ink(np.ascontiguousarray(rgb[..., 1]), dpi)
        dark = grey < 0.45 * paper
    if ink.sum() >= 50:
        dark |= grey < float(np.percentile(grey[ink > 0], 2)) - 0.05 * float(paper.mean())
    k = max(3, 2 * int(round(0.25 * dpi / MM_PER_IN)) + 1)
    printed = cv2.dilate(dark.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
    return np.clip(paper - grey, 0, None), ink, printed


def rim_ellipse(ink: np.ndarray, centre: tuple[float, float], radius: float, directions: int = 180):
    """The ellipse through the seal's outer edge ((cx, cy), (w, h), angle), or None: in each direction
    from the box's centre the outermost ink within 0.75-1.2 radii, fitted, the worst fifth of the
    points (print or a stray mark touching the rim) dropped and fitted again."""
    th = np.linspace(0, 2 * np.pi, directions, endpoint=False)[:, None]
    steps = np.arange(0.75 * radius, 1.2 * radius, 0.5)[None, :]
    xs, ys = centre[0] + np.cos(th) * steps, centre[1] + np.sin(th) * steps
    xi, yi = np.rint(xs).astype(int), np.rint(ys).astype(int)
    on = (xi >= 0) & (yi >= 0) & (xi < ink.shape[1]) & (yi < ink.shape[0])
    hit = np.zeros(xi.shape, bool)
    hit[on] = ink[yi[on], xi[on]] > 0
    last = hit.shape[1] - 1 - np.argmax(hit[:, ::-1], axis=1)
    rows = np.nonzero(hit.any(axis=1))[0]
    points = np.column_stack([xs[rows, last[rows]], ys[rows, last[rows]]]).astype(np.float32)
    if len(points) < directions // 2:
        return None
    for _ in range(3):
        ellipse = cv2.fitEllipse(points)
        (cx, cy), (w, h), angle = ellipse
        t = np.deg2rad(angle)
        dx, dy = points[:, 0] - cx, points[:, 1] - cy
        u, v = (dx * np.cos(t) + dy * np.sin(t)) / (w / 2), (-dx * np.sin(t) + dy * np.cos(t)) / (h / 2)
        off = np.abs(np.hypot(u, v) - 1)
        keep = off <= max(float(np.percentile(off, 80)), 0.01)
        if keep.all() or keep.sum() < 20:
            break
        points = points[keep]
    return ellipse


def normalise(image: Image.Image, bbox, dpi: float) -> tuple[np.ndarray, np.ndarray, tuple, str] | None:
    """The seal in `bbox` (pixels of the page `image`) as (strength SIZE × SIZE in units of its 99th
    percentile, valid = not print and inside the disc, the ellipse in page pixels (cx, cy, w, h, angle),
    "red" or "grey"), or None when no rim is found."""
    x0, y0, x1, y1 = bbox
    radius = max(x1 - x0, y1 - y0) / 2
    pad = 0.25 * radius
    left, top = int(max(0, x0 - pad)), int(max(0, y0 - pad))
    crop = image.convert("RGB").crop((left, top, int(min(image.width, x1 + pad)), int(min(image.height, y1 + pad))))
    rgb = np.ascontiguousarray(np.asarray(crop))
    if rgb.size == 0:
        return None
    red = float(red_ink(cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)).mean()) >= 0.01
    strength, ink, printed = _ink_and_print(rgb, red, dpi)
    ellipse = rim_ellipse(ink, ((x0 + x1) / 2 - left, (y0 + y1) / 2 - top), radius)
    if ellipse is None:
        return None
    (cx, cy), (w, h), angle = ellipse
    t = np.deg2rad(angle)
    turn = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    stretch = turn @ np.diag([w / 2 / RIM, h / 2 / RIM]) @ turn.T  # the circle onto the ellipse, not turned
    to_crop = np.hstack([stretch, (np.array([cx, cy]) - stretch @ np.array(_CENTRE))[:, None]])
    scale = (w + h) / 4 / RIM
    if scale > 1.2:  # shrinking: average, do not sample
        strength = cv2.GaussianBlur(strength, (0, 0), 0.45 * scale)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    out = cv2.warpAffine(strength, to_crop, (SIZE, SIZE), flags=flags, borderValue=0)
    valid = cv2.warpAffine((~printed).astype(np.float32), to_crop, (SIZE, SIZE), flags=flags, borderValue=0) > 0.99
    valid &= DISC
    inked = cv2.warpAffine(ink.astype(np.float32), to_crop, (SIZE, SIZE), flags=flags, borderValue=0) > 0.5
    if valid.sum() < 0.3 * DISC.sum() or (inked & valid).sum() < 100:
        return None
    out /= max(float(np.percentile(out[inked & valid], 95)), 1.0)
    return out.astype(np.float32), valid, (cx + left, cy + top, w, h, angle), "red" if red else "grey"


def encode(strength: np.ndarray, valid: np.ndarray) -> str:
    """The impression as a base64 PNG: strength in LEVELS levels, INVALID where print covers the ink."""
    levels = np.clip(np.rint(strength / TOP * (LEVELS - 1)), 0, LEVELS - 1).astype(np.uint8)
    levels[strength < FLOOR] = 0
    levels[~valid & DISC] = INVALID
    levels[~DISC] = 0
    buf = io.BytesIO()
    Image.fromarray(levels).save(buf, "PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode(data: str) -> tuple[np.ndarray, np.ndarray]:
    """(strength, valid) of an `encode`d impression."""
    with Image.open(io.BytesIO(base64.b64decode(data))) as img:
        levels = np.asarray(img.convert("L"))
    valid = (levels != INVALID) & DISC
    strength = np.where(valid, levels.astype(np.float32) * (TOP / (LEVELS - 1)), 0.0).astype(np.float32)
    return strength, valid


# --- the check: two impressions compared ------------------------------------------------------------

def correlation(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    return float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum() + 1e-9))


@dataclass
class Impression:
    """A decoded impression and what the comparison derives from it (computed once per seal)."""

    strength: np.ndarray
    valid: np.ndarray

    @cached_property
    def solid(self) -> np.ndarray:
        """Solid ink (1.0), one pixel in from its edges."""
        solid = ((self.strength > SOLID) & self.valid).astype(np.uint8)
        return cv2.erode(solid, np.ones((3, 3), np.uint8)).astype(np.float32)

    @cached_property
    def texture(self) -> np.ndarray:
        """Strength (lightly smoothed) minus its local mean, both over solid ink only; on solid ink, 0 elsewhere."""
        return (self._mean(SMOOTH_SIGMA) - self._mean(TEXTURE_SIGMA)) * self.solid

    def _mean(self, sigma: float) -> np.ndarray:
        """The strength's Gaussian mean over solid ink alone (normalised convolution: no edge, no paper in it)."""
        near = cv2.GaussianBlur(self.strength * self.solid, (0, 0), sigma)
        return near / np.maximum(cv2.GaussianBlur(self.solid, (0, 0), sigma), 1e-3)



@dataclass(frozen=True)
class Polar:
    """An impression's polar image (angle × radius, weighted by radius: equal areas count equally),
    FFT'd along the angle: what finds the angle between two impressions."""

    spectrum: np.ndarray  # complex64, (ANGLES // 2 + 1) × RADII
    norm: float


def polar(imp: Impression) -> Polar:
    image = cv2.warpPolar(imp.strength * imp.valid, (RADII, ANGLES), _CENTRE, RIM * 1.08, cv2.WARP_POLAR_LINEAR)
    image -= image.mean()
    weight = np.arange(RADII, dtype=np.float32)[None, :]
    norm = float(np.sqrt((image * image * weight).sum())) or 1.0
    return Polar(np.fft.rfft(image * np.sqrt(weight), axis=0).astype(np.complex64), norm)


def _peak(xc: np.ndarray) -> tuple[float, float]:
    """(index of the maximum, refined to a fraction by the parabola through it and its neighbours; value)."""
    k = int(np.argmax(xc))
    y0, y1, y2 = xc[k - 1], xc[k], xc[(k + 1) % len(xc)]
    curve = y0 - 2 * y1 + y2
    return k + (0.5 * (y0 - y2) / curve if curve else 0.0), float(y1)


def angle_between(a: Polar, b: Polar) -> tuple[float, float]:
    """(degrees b is turned from a, counter-clockwise as cv2 counts, to a fraction of a quarter degree;
    the normalised cross-correlation of the two polar images at that angle)."""
    k, value = _peak(np.fft.irfft((a.spectrum * np.conj(b.spectrum)).sum(axis=1), n=ANGLES))
    return k * 360 / ANGLES, value / (a.norm * b.norm)


def polar_peaks(leaders: np.ndarray, norms: np.ndarray, b: Polar) -> np.ndarray:
    """`angle_between`'s correlation of b with each of many impressions at once (`leaders`: their stacked
    spectra, `norms` their norms): which designs b is worth laying on first."""
    xc = np.fft.irfft((leaders * np.conj(b.spectrum)[None]).sum(axis=2), n=ANGLES, axis=1)
    return xc.max(axis=1) / (norms * b.norm)


def onto(a: Impression, b: Impression, pa: Polar | None = None, pb: Polar | None = None) -> np.ndarray:
    """The 2 × 3 transform that lays b onto a: turned by the polar cross-correlation's angle, then
    shifted by the phase correlation of the two designs (the ellipses' centres are off by a pixel)."""
    turn = cv2.getRotationMatrix2D(_CENTRE, -angle_between(pa or polar(a), pb or polar(b))[0], 1.0)
    turned = cv2.warpAffine(b.strength * b.valid, turn, (SIZE, SIZE))
    (dx, dy), _ = cv2.phaseCorrelate(a.strength * a.valid, turned)
    turn[:, 2] -= (dx, dy)
    return turn


def design_match(a: Impression, b: Impression, transform: np.ndarray) -> float:
    """Correlation of the two designs' name bands once b lies on a (strength capped at solid ink)."""
    laid = cv2.warpAffine(b.strength, transform, (SIZE, SIZE))
    seen = cv2.warpAffine(b.valid.astype(np.float32), transform, (SIZE, SIZE)) > 0.5
    both = a.valid & seen & TEXT_BAND
    if both.sum() < 100:
        return 0.0
    return correlation(np.minimum(a.strength[both], 1.0), np.minimum(laid[both], 1.0))


def laid_texture(b: Impression, transform: np.ndarray, inverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """b's texture and solid ink in the frame `transform` takes it to (`inverse`: the ECC warp, which maps
    the other way)."""
    flags = cv2.INTER_LINEAR | (cv2.WARP_INVERSE_MAP if inverse else 0)
    solid = cv2.warpAffine(b.solid, transform, (SIZE, SIZE), flags=flags) > 0.99
    return cv2.warpAffine(b.texture, transform, (SIZE, SIZE), flags=flags) * solid, solid.astype(np.float32)


def aligned_texture(a: Impression, b: Impression) -> float:
    """The texture correlation of a and b with b aligned on a directly: `onto`, refined by ECC (affine,
    on the strength); where ECC does not converge the coarse alignment stands."""
    coarse = onto(a, b)
    warp, inverse = coarse, False
    try:
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-6)
        start = cv2.invertAffineTransform(coarse).astype(np.float32)
        _, warp = cv2.findTransformECC(a.strength, b.strength, start, cv2.MOTION_AFFINE, criteria,
                                       a.valid.astype(np.uint8), 5)
        inverse = True
    except cv2.error:
        pass
    texture, solid = laid_texture(b, warp, inverse)
    both = (a.solid > 0) & (solid > 0)
    return correlation(a.texture[both], texture[both]) if both.sum() >= MIN_SOLID else 0.0

