"""Red round unit seals (公章) on page images: whether a page carries one, and where.

A unit seal is a ring of red ink about 38-42 mm across with the unit's name along it and a star
inside. `find_seals(image)` looks for it on the colour image of a normalised page (the image the
OCR bboxes index, before red ink was suppressed for OCR):

- red ink: an HSV mask of the two red hue bands (0-15 and 160-180 on OpenCV's 0-180 scale),
  saturated and not dark;
- on a page with no colour at all (a grey scan or photocopy, where red cannot show), mid-grey
  ink that is neither paper nor black print: a seal copies as a grey ring under black text;
- candidate circles and ellipses from a Hough transform of the ink and from the convex hull of each
  group of ink of about a seal's size (phone photos make circles ellipses); each is sampled on a
  polar grid, moved onto the radius where ink peaks, and kept when, in most directions
  (`RING_COVERAGE`), the rim holds ink with paper just outside it, and its inside is not filled (a
  ring, not a disc). Red headings, square frames and print do not pass.

Sizes come from the page's resolution, estimated from the image as an A4 sheet (its short side
8.27 in); the accepted diameters are wide (`DIAMETER_MM`) because a phone photo shows the sheet
smaller than the frame and certificates are A5.

`pixel_readings` (called by extract/run.py once every document was read) gives, per document of a
type the unit seals (`SEALED`), `unit_sealed`: True with the seal's page and bbox; False when a colour
page shows none, or a grey copy shows none while another page of the same scan, printed no fainter,
shows its seal as a grey ring; otherwise None with a note (a grey copy cannot show a red seal: no
accusation). For the commitment it also judges each signature slot (`applicant_signed`,
`unit_signed`): a name OCR read after the 签字 label, handwriting ink right of the label on the
seal-free page, or a red name stamp there; a label OCR lost under a grey seal is looked for again
in the seal's neighbourhood read once more with the seal's grey lifted to paper.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from core.records import Document, Evidence, ExtractedValue, PageText
from extract.doctext import DocText
from extract.seal_text import impression, ring_readings

log = logging.getLogger("dossier.extract")

A4_SHORT_SIDE_IN = 8.27
MM_PER_IN = 25.4
DIAMETER_MM = (16.0, 56.0)  # accepted seal diameters: a unit seal is 38-42 mm; a photo of a posting shows the sheet small
WORK_DPI = 120  # pages are examined at about this resolution
RING_COVERAGE = 0.7  # share of directions in which the rim must be ink with paper just outside
COLOUR_FRACTION = 2e-4  # share of saturated pixels for a page to count as a colour image


@dataclass(frozen=True)
class Seal:
    bbox: tuple[float, float, float, float]  # pixels of the page image
    score: float  # 0-1: share of directions in which the rim is ink with paper just outside
    ink: str  # "red", or "grey" on a page without colour
    diameter_mm: float
    ellipse: tuple | None = None  # ((cx, cy), (width, height), angle°) of the rim, page pixels (ring text unwrap)


@dataclass(frozen=True)
class SealScan:
    colour: bool  # the page shows colour anywhere (else a red seal could not show)
    seals: tuple[Seal, ...]
    contrast: float = 255.0  # paper minus the darkest print: a washed-out copy has little


def page_dpi(width: int, height: int) -> float:
    return float(min(max(min(width, height) / A4_SHORT_SIDE_IN, 70), 600))


def _hsv(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)


def has_colour(hsv: np.ndarray) -> bool:
    if hsv.size == 0:
        return False
    s, v = hsv[..., 1], hsv[..., 2]
    return float(((s >= 60) & (v >= 60)).mean()) >= COLOUR_FRACTION


def content_box(page: PageText) -> tuple[float, float, float, float] | None:
    """The box of a page's print (its OCR lines), a little wider: the sheet, not the desk around it."""
    boxes = [ln.bbox for ln in page.lines if ln.bbox]
    if not boxes:
        return None
    mx, my = 0.03 * page.width, 0.03 * page.height
    return (min(b[0] for b in boxes) - mx, min(b[1] for b in boxes) - my,
            max(b[2] for b in boxes) + mx, max(b[3] for b in boxes) + my)


def red_ink(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    return (((h <= 15) | (h >= 160)) & (s >= 60) & (v >= 70)).astype(np.uint8)


def grey_ink(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Mid-grey ink: darker than the paper, lighter than black print, and thicker than the grey
    edges of black strokes (an opening removes those)."""
    paper = float(np.percentile(grey, 90))
    lo, hi = 0.4 * paper, paper - max(12.0, 0.06 * paper)
    mask = ((grey > lo) & (grey < hi)).astype(np.uint8)
    k = max(2, int(round(0.35 * dpi / MM_PER_IN)))
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((k, k), np.uint8))


ANGLES = 180
RADII = np.arange(0.30, 1.40, 0.01)


def _polar(mask: np.ndarray, ellipse) -> np.ndarray:
    """mask sampled on the ellipse's polar grid: [angle, relative radius] → 0/1 (0 off the page)."""
    (cx, cy), (ew, eh), ang = ellipse
    t = np.deg2rad(ang)
    th = np.linspace(-np.pi, np.pi, ANGLES, endpoint=False)[:, None]
    u, v = RADII[None, :] * np.cos(th) * ew / 2, RADII[None, :] * np.sin(th) * eh / 2
    xs = np.rint(cx + u * np.cos(t) - v * np.sin(t)).astype(int)
    ys = np.rint(cy + u * np.sin(t) + v * np.cos(t)).astype(int)
    inside = (xs >= 0) & (ys >= 0) & (xs < mask.shape[1]) & (ys < mask.shape[0])
    out = np.zeros(xs.shape, np.float32)
    out[inside] = mask[ys[inside], xs[inside]]
    return out


def _ring(mask: np.ndarray, ellipse) -> tuple[float, tuple, float]:
    """(share of directions in which the ellipse's rim is ink with paper just outside it, the
    ellipse rescaled onto the rim, how full the inside is)."""
    polar = _polar(mask, ellipse)
    profile = polar.mean(axis=0)
    near = (RADII >= 0.85) & (RADII <= 1.15)
    peak = float(RADII[near][np.argmax(profile[near])])
    rim = (RADII >= peak - 0.04) & (RADII <= peak + 0.04)
    outer = (RADII >= peak + 0.08) & (RADII <= peak + 0.25)
    inner = (RADII >= 0.35 * peak) & (RADII <= 0.55 * peak)
    ringlike = (polar[:, rim].max(axis=1) > 0) & (polar[:, outer].mean(axis=1) < 0.3)
    (cx, cy), (ew, eh), ang = ellipse
    return float(ringlike.mean()), ((cx, cy), (ew * peak, eh * peak), ang), float(polar[:, inner].mean())


def _hough(mask: np.ndarray, rmin: float, rmax: float, px_per_mm: float) -> list:
    blurred = cv2.GaussianBlur(mask * 255, (0, 0), max(1.0, 0.7 * px_per_mm))
    found = cv2.HoughCircles(blurred, cv2.HOUGH_GRADIENT, dp=2, minDist=rmin, param1=100, param2=30,
                             minRadius=int(rmin), maxRadius=int(rmax) + 1)
    if found is None:
        return []
    return [((float(x), float(y)), (2 * float(r), 2 * float(r)), 0.0) for x, y, r in found[0][:12]]


def _blobs(mask: np.ndarray, dmin: float, dmax: float, px_per_mm: float) -> list:
    """Ellipses fitted to the convex hull of each group of ink of about a seal's size."""
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (max(3, int(1.5 * px_per_mm)),) * 2))
    grouped = cv2.dilate(closed, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max(3, int(2 * px_per_mm)),) * 2))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if not (0.8 * dmin <= max(w, h) <= 1.2 * dmax + 4 * px_per_mm) or max(w, h) > 1.8 * min(w, h):
            continue
        ys, xs = np.nonzero((labels[y:y + h, x:x + w] == i) & (mask[y:y + h, x:x + w] > 0))
        if len(xs) < 50:
            continue
        hull = cv2.convexHull(np.column_stack([xs + x, ys + y]).astype(np.float32))
        if len(hull) >= 5:
            out.append(cv2.fitEllipse(hull))
    return out


def _candidates(mask: np.ndarray, dpi: float, ink: str, scale: float) -> list[Seal]:
    px_per_mm = dpi / MM_PER_IN
    dmin, dmax = DIAMETER_MM[0] * px_per_mm, DIAMETER_MM[1] * px_per_mm
    out: list[Seal] = []
    for ellipse in _blobs(mask, dmin, dmax, px_per_mm) + _hough(mask, dmin / 2, dmax / 2, px_per_mm):
        coverage, ellipse, inner = _ring(mask, ellipse)
        (cx, cy), (ew, eh), _ = ellipse
        d = (ew + eh) / 2
        if not (dmin <= d <= dmax) or min(ew, eh) < 0.6 * max(ew, eh) or coverage < RING_COVERAGE or inner > 0.6:
            continue
        r = max(ew, eh) / 2
        if any(abs(cx - (s.bbox[0] + s.bbox[2]) * scale / 2) < r and abs(cy - (s.bbox[1] + s.bbox[3]) * scale / 2) < r
               for s in out):
            continue  # the same seal found twice
        bbox = tuple(float(round(v / scale, 1)) for v in (cx - r, cy - r, cx + r, cy + r))
        rim = ((round(cx / scale, 1), round(cy / scale, 1)), (round(ew / scale, 1), round(eh / scale, 1)), round(ellipse[2], 1))
        out.append(Seal(bbox=bbox, score=round(coverage, 3), ink=ink, diameter_mm=round(d / px_per_mm, 1), ellipse=rim))
    return sorted(out, key=lambda s: -s.score)


def find_seals(image: Image.Image, dpi: float | None = None, content: tuple | None = None) -> SealScan:
    """Round seals on a page image (RGB; a grey image is a page without colour). `content`: the box of
    the sheet's print (its OCR lines); only coloured ink there shows that the image can show colour
    (a phone photo of a grey photocopy on a brown desk is still a grey copy)."""
    rgb = np.asarray(image.convert("RGB"))
    h, w = rgb.shape[:2]
    dpi = dpi or page_dpi(w, h)
    scale = min(1.0, WORK_DPI / dpi)
    hsv = _hsv(rgb)
    if content is not None:
        x0, y0, x1, y1 = (int(v) for v in content)
        colour = has_colour(hsv[max(0, y0):max(0, y1), max(0, x0):max(0, x1)])
    else:
        colour = has_colour(hsv)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))

    def small(mask: np.ndarray) -> np.ndarray:
        if scale >= 1.0:
            return mask
        return (cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) >= 0.25).astype(np.uint8)

    red = red_ink(hsv)
    found = _candidates(small(red), dpi * scale, "red", scale) if colour or red.mean() >= COLOUR_FRACTION else []
    if found:
        colour = True  # a red seal shows, wherever it sits
    elif not colour:
        found = _candidates(small(grey_ink(np.ascontiguousarray(rgb[..., 1]), dpi)), dpi * scale, "grey", scale)
    return SealScan(colour=colour, seals=tuple(found), contrast=round(print_contrast(rgb[::2, ::2, 1]), 1))


PRINT_BELOW_PAPER = 50  # grey levels: a pixel this much darker than the paper is ink
MIN_PRINT_PIXELS = 500


def print_contrast(grey: np.ndarray) -> float:
    """Paper minus the darkest print (5th percentile of the ink's levels): how dark this copy printed,
    whatever the amount of text (a page's 0.5th percentile, used before, was paper on a sparse page:
    a half-empty 承诺书 looked washed out beside a full form of the same scan)."""
    paper = float(np.percentile(grey, 90))
    ink = grey[grey < paper - PRINT_BELOW_PAPER]
    if ink.size < MIN_PRINT_PIXELS:  # (almost) no print: as faint as a page can be
        return paper - float(np.percentile(grey, 0.5))
    return paper - float(np.percentile(ink, 5))


# --- the colour image of a page ---------------------------------------------------------------------

def colour_page(images, page: PageText) -> Image.Image | None:
    """The colour image of an OCR'd page, turned and deskewed exactly as the OCR read it (so its bboxes
    index it), from `images.colour` (`ExtractContext.images.get` gives the page with red ink suppressed
    for OCR, where no seal can be seen). Asked for one page at a time: a long scan is never held whole."""
    colour = getattr(images, "colour", None)
    return colour(page) if callable(colour) else None


# --- signatures: ink right of the 签字 label ----------------------------------------------------------

# A signature label opens its line or follows a space (never inside a sentence: 本单位对…负责). OCR often
# garbles the label where a seal covers it (单位负费人签字, 单位负羡燃): after 单位负, up to four
# characters ending in 字/名/章, or a token ending at a space or colon, still name the slot.
_SIGN = r"[ \t（(]*(?:签字|签名|签章|签.|.字)[ \t）)]*"
SIGN_LABELS = {
    "applicant_signed": re.compile(rf"(?:^|(?<=\s))[（(]?(?:申报人|承诺人|申请人|本人){_SIGN}[：:]?", re.M),
    "unit_signed": re.compile(rf"(?:^|(?<=\s))[（(]?(?:单位负(?:[^\s：:]{{0,4}}?[字名章][）)]?|[^\s：:）)]{{0,5}}[）)]|[^\s：:]{{0,3}}(?=[\s：:]|$))"
                              rf"|(?:法定代表人|法人代表|单位领导|负责人)(?:{_SIGN})?)[ \t]*[：:]?", re.M),
}
NOT_A_NAME = ("签", "盖", "日期", "年", "月", "单位", "公章")
STOP = re.compile(r"日期|[年月日]|\d")  # printed text further along the label's line: the slot ends there


@dataclass(frozen=True)
class Ink:
    area: float  # ink of stroke-sized marks, in squares of the label's height
    span: float  # their horizontal extent, in label heights
    marks: int

    def __str__(self) -> str:
        return f"{self.marks} marks, {self.area:.2f} h² of ink over {self.span:.1f} h"


def seal_free(rgb: np.ndarray, scan: SealScan) -> np.ndarray:
    """The page in grey with its seals' ink turned to paper: red ink lifted through the red channel as
    for OCR; on a grey copy, levels stretched so the found seals' grey goes to white (black print
    and handwriting, darker than the seal, stay)."""
    if scan.colour:
        from extract.ocr.normalise import suppress_seal

        return suppress_seal(rgb)[0]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    values = []
    for s in scan.seals:
        x0, y0, x1, y1 = (max(0, int(v)) for v in s.bbox)
        part = grey[y0:y1, x0:x1]
        if part.size:
            values.append(part[grey_ink(part, page_dpi(*grey.shape[::-1])) > 0])
    values = np.concatenate(values) if values else np.array([])
    if values.size < 50:
        return grey
    level = max(float(np.percentile(values, 15)), 1.0)
    return np.clip(grey.astype(np.float32) * (255.0 / level), 0, 255).astype(np.uint8)


def ink_right_of(grey: np.ndarray, label: tuple[float, float, float, float], stop_x: float | None,
                 others: list[tuple[float, float, float, float]]) -> tuple[Ink, tuple]:
    """Stroke-sized dark marks in the slot right of a label (a handwritten name), and the slot's box,
    on the seal-free grey page (`seal_free`).

    The slot is up to nine label heights wide and reaches a little above and below the label's line
    (names are written larger than print). Ruled lines, speckle and other printed lines' boxes do
    not count."""
    x0, y0, x1, y1 = label
    h = max(y1 - y0, 4.0)
    H, W = grey.shape[:2]
    sx0, sx1 = int(min(W, x1 + 0.15 * h)), int(min(W, x1 + 9 * h, stop_x if stop_x else W))
    sy0, sy1 = int(max(0, y0 - 0.8 * h)), int(min(H, y1 + 0.6 * h))
    if sx1 - sx0 < 3 * h:  # the label ends at the margin: the name goes under it
        sx0, sx1 = int(max(0, x0)), int(min(W, x0 + 9 * h))
        sy0, sy1 = int(min(H, y1 + 0.1 * h)), int(min(H, y1 + 2.2 * h))
    slot = (float(sx0), float(sy0), float(sx1), float(sy1))
    if sx1 - sx0 < h or sy1 - sy0 < h:
        return Ink(0.0, 0.0, 0), slot
    crop = grey[sy0:sy1, sx0:sx1].astype(np.float32)
    lab = grey[max(0, int(y0)):int(y1) + 1, max(0, int(x0)):int(x1) + 1]
    paper = float(np.percentile(crop, 90))
    dark = float(np.percentile(lab, 5)) if lab.size else 0.0
    ink = crop < paper - 0.5 * max(paper - dark, 40.0)
    keep_out = np.zeros(ink.shape, bool)
    for ox0, oy0, ox1, oy1 in others:  # printed lines that reach into the slot
        keep_out[max(0, int(oy0) - sy0):max(0, int(oy1) - sy0), max(0, int(ox0) - sx0):max(0, int(ox1) - sx0)] = True
    ink &= ~keep_out
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    area, xs, marks = 0.0, [], 0
    for i in range(1, n):
        x, y, w, hh, a = stats[i]
        if a < max(4.0, 0.004 * h * h) or max(w, hh) < 0.15 * h:
            continue  # speckle, a dot
        if (hh <= 0.15 * h and w >= 1.2 * h) or (w <= 0.15 * h and hh >= 1.2 * h):
            continue  # a ruled line or a cell border
        if hh >= 0.95 * (sy1 - sy0) or (a > 1.5 * h * h and a > 0.6 * w * hh):
            continue  # the slot's whole height, or a solid patch: the desk beyond the sheet, a shadow
        area += a
        xs += [x, x + w]
        marks += 1
    span = (max(xs) - min(xs)) / h if xs else 0.0
    return Ink(round(float(area) / (h * h), 3), round(float(span), 2), marks), slot


# --- readings ------------------------------------------------------------------------------------------

SEALED = ("commitment", "unit_opinion", "publicity_record", "appraisal", "appointment")  # unit-issued, sealed
SEAL_EXTRACTOR = "seals@1"
SIGN_EXTRACTOR = "signature_pixels@1"
SIGNED_AREA = 0.1  # ink of a handwritten name, in squares of the label height (see ink_right_of)
SIGNED_SPAN = 0.6  # its width, in label heights
STAMP_AREA = 0.3  # red ink of a name stamp (名章) in the slot, outside the unit seal
NAME = re.compile(r"[ \t]*([\u4e00-\u9fff]{2,4})")


def pixel_readings(documents, by_page: dict, ctx) -> list[ExtractedValue]:
    """`unit_sealed` for each document of a type the unit seals, and for the commitment whether each
    signature slot holds ink (`applicant_signed`, `unit_signed`), from the pages' colour images; the
    `seal_text` of the seals found (extract/seal_text.py)."""
    docs = [d for d in documents if d.type in SEALED]
    if not docs or ctx is None or ctx.images is None:
        return []
    pages = {id(d): [by_page[(d.file, n)] for n in d.pages if (d.file, n) in by_page] for d in docs}
    scans: dict[tuple[str, int], tuple] = {}  # (file, page) → (SealScan, rgb, seal-free grey or None)
    impressions = []  # every seal with its ink, for its ring text
    for doc in docs:
        for p in pages[id(doc)]:
            img = colour_page(ctx.images, p)
            if img is not None:
                rgb = np.asarray(img.convert("RGB"))
                scan = find_seals(img, content=content_box(p))
                dpi = page_dpi(rgb.shape[1], rgb.shape[0])
                impressions += [i for s in scan.seals if (i := impression(doc.type, p.file, p.page, rgb, s, dpi))]
                sign = doc.type == "commitment"  # its signatures are read from the pixels too
                scans[(p.file, p.page)] = (scan, rgb if sign else None, seal_free(rgb, scan) if sign else None)
    out: list[ExtractedValue] = []
    for doc in docs:
        mine = {k: scans[k] for p in pages[id(doc)] if (k := (p.file, p.page)) in scans}
        try:
            control = None
            if mine and not any(v[0].seals or v[0].colour for v in mine.values()):
                control = grey_control(doc, by_page, scans, ctx.images)
            out.append(seal_reading(doc, pages[id(doc)], mine, control))
            if doc.type == "commitment":
                out += signature_readings(doc, pages[id(doc)], mine, ctx.engine)
        except Exception as exc:  # a second look at the pixels must not lose the dossier
            log.warning("seal/signature reading of %s in %s failed: %s", doc.type, doc.file, exc, exc_info=True)
    return out + ring_readings(impressions)


def grey_control(doc: Document, by_page: dict, scans: dict, images) -> tuple[tuple[str, int], Seal] | None:
    """Another page of the same grey scan that shows a seal as a grey ring, its print no darker than
    on this document's pages: the scan kept the seals' ink, so a seal here would show too. (A page
    washed out on its own, a faint copy, has no such control.)"""
    mine = min((scans[(doc.file, n)][0].contrast for n in doc.pages if (doc.file, n) in scans), default=0.0)

    def comparable(scan: SealScan) -> bool:
        return not scan.colour and bool(scan.seals) and scan.seals[0].ink == "grey" and mine >= 0.8 * scan.contrast

    for key, (scan, _, _) in scans.items():
        if key[0] == doc.file and comparable(scan):
            return key, scan.seals[0]
    rest = [p for (f, n), p in by_page.items() if f == doc.file and (f, n) not in scans and n not in doc.pages]
    for page in rest:
        img = colour_page(images, page)
        scan = find_seals(img, content=content_box(page)) if img is not None else None
        if scan is not None and comparable(scan):
            return (page.file, page.page), scan.seals[0]
    return None


def seal_reading(doc: Document, pages: list[PageText], scans: dict, control=None) -> ExtractedValue:
    """True with the seal's page and box; False when a colour page shows none, or a grey copy shows
    none while another page of the same scan shows its seal (`grey_control`); None when only grey
    copies (or no images) were seen and nothing shows that a seal would have shown on them."""
    found = [(key, s) for key, (scan, _, _) in scans.items() for s in scan.seals[:1]]
    base = dict(field="unit_sealed", extractor=SEAL_EXTRACTOR, document=doc.type)
    if found:
        ev = tuple(Evidence(file=f, page=n, bbox=s.bbox, text=f"{s.ink} seal ⌀{s.diameter_mm:.0f} mm",
                            confidence=s.score, extractor=SEAL_EXTRACTOR) for (f, n), s in found)
        grey = all(s.ink == "grey" for _, s in found)
        return ExtractedValue(**base, value=True, evidence=ev, confidence=max(s.score for _, s in found),
                              note="a seal-shaped grey ring on a grey copy" if grey else None)
    seen = tuple(Evidence(file=p.file, page=p.page, extractor=SEAL_EXTRACTOR, text="no seal")
                 for p in pages if (p.file, p.page) in scans)
    if not scans:
        return ExtractedValue(**base, value=None, confidence=0.0,
                              evidence=tuple(Evidence(file=p.file, page=p.page) for p in pages),
                              note="no page image to look for a seal on (a DOCX or a PDF's text layer)")
    if any(scan.colour for scan, _, _ in scans.values()):
        return ExtractedValue(**base, value=False, evidence=seen, confidence=0.9,
                              note="no round red seal on the colour page(s)")
    if control is not None:
        (f, n), s = control
        ev = seen + (Evidence(file=f, page=n, bbox=s.bbox, text=f"grey seal ⌀{s.diameter_mm:.0f} mm on the same scan",
                              confidence=s.score, extractor=SEAL_EXTRACTOR),)
        return ExtractedValue(**base, value=False, evidence=ev, confidence=0.85,
                              note=f"a grey copy without a seal; page {n} of the same scan shows its seal as a grey "
                                   f"ring, so a seal here would show too")
    return ExtractedValue(**base, value=None, evidence=seen, confidence=0.0,
                          note="only a grey copy: a red seal cannot show on it, and no seal-shaped ring was found")


def signature_readings(doc: Document, pages: list[PageText], scans: dict, engine: str | None = None) -> list[ExtractedValue]:
    """Per signature label of the commitment: a name read after it, or handwriting ink in its slot.

    A label OCR lost under a seal (a grey copy keeps the seal's ink over it), or read only up to where
    the seal covers it (单位负责 without 人（签字）, whose print would count as ink in the slot), is
    looked for again in the seal's neighbourhood read once more with the seal's ink lifted away."""
    text = DocText(pages)
    out = []
    again: dict[tuple[str, int], PageText | None] = {}
    for field, pattern in SIGN_LABELS.items():
        slots = _slots(text, pattern, scans)
        if not slots or any(s["cut"] and not s["name"] and _under_seal(s, scans) for s in slots):
            found = []
            for p in pages:
                scan = scans.get((p.file, p.page))
                if scan is None or not scan[0].seals:
                    continue
                if (p.file, p.page) not in again:
                    again[(p.file, p.page)] = _without_seal(p, scan, engine)
                if again[(p.file, p.page)] is not None:
                    found += _slots(DocText([again[(p.file, p.page)]]), pattern, scans, reread=True)
            slots = [s for s in found if not s["cut"]] or slots or found
        if not slots:
            continue
        signed = [s for s in slots if s["signed"]]
        pick = signed[0] if signed else slots[0]
        label, slot, ink, name = pick["label"], pick["slot"], pick["ink"], pick["name"]
        ev = (label,) + ((Evidence(file=label.file, page=label.page, bbox=slot, extractor=SIGN_EXTRACTOR,
                                   text="signature slot"),) if slot else ())
        where = " (label read again without the seal)" if pick["reread"] else ""
        if signed:
            how = f"name read: {name}; " if name else ""
            how += f"a name stamp in the slot ({pick['stamp']}); " if pick["stamp"] else ""
            out.append(ExtractedValue(field=field, value=True, evidence=ev, extractor=SIGN_EXTRACTOR, document=doc.type,
                                      confidence=0.9, note=f"{how}ink in the slot: {ink}{where}"))
        elif all(s["ink"] is not None for s in slots):
            out.append(ExtractedValue(field=field, value=False, evidence=ev, extractor=SIGN_EXTRACTOR, document=doc.type,
                                      confidence=0.9, note=f"no name read and no handwriting in the slot: {ink}{where}"))
    return out


def _slots(text: DocText, pattern: re.Pattern, scans: dict, reread: bool = False) -> list[dict]:
    slots = []
    for m in pattern.finditer(text.text):
        ev = text.evidence(m.start(), m.end(), SIGN_EXTRACTOR)
        line = text.line_at(m.start())
        if len(ev) != 1 or ev[0].bbox is None or line is None:
            continue
        label = ev[0]
        after = text.text[m.end():line.end]
        name = NAME.match(after)
        name = name.group(1) if name and not name.group(1).startswith(NOT_A_NAME) else None
        stop = STOP.search(after)
        stop_x = None
        if stop:
            sev = text.evidence(m.end() + stop.start(), m.end() + stop.end())
            stop_x = sev[0].bbox[0] if sev and sev[0].bbox else None
        scan = scans.get((label.file, label.page))
        ink, slot, stamp = None, None, None
        if scan is not None:
            h = label.bbox[3] - label.bbox[1]
            others = [ln.line.bbox for ln in text.lines if ln.page is line.page and ln is not line and ln.line.bbox
                      and len(ln.line.text.strip()) >= 5 and ln.line.bbox[3] - ln.line.bbox[1] <= 1.6 * h]
            ink, slot = ink_right_of(scan[2], label.bbox, stop_x, others)
            stamp = stamp_in(scan[1], slot, scan[0], h)
        written = ink is not None and ink.area >= SIGNED_AREA and ink.span >= SIGNED_SPAN
        stamped = stamp is not None and stamp.area >= STAMP_AREA and stamp.span >= SIGNED_SPAN
        slots.append(dict(signed=bool(name) or written or stamped, label=label, name=name, ink=ink, slot=slot,
                          reread=reread, stamp=stamp if stamped else None, cut="签" not in m.group()
                          and not re.search(r"[字名章][）)]?[ \t]*[：:]?$", m.group().strip())))
    return slots


def _under_seal(slot: dict, scans: dict) -> bool:
    """The slot starts under a seal found on its page (the rest of a cut label may be there)."""
    label = slot["label"]
    scan = scans.get((label.file, label.page))
    if scan is None or slot["slot"] is None:
        return False
    x0, y0, _, y1 = slot["slot"]
    return any(s.bbox[0] <= x0 + (y1 - y0) <= s.bbox[2] and s.bbox[1] <= (y0 + y1) / 2 <= s.bbox[3]
               for s in scan[0].seals)


def stamp_in(rgb: np.ndarray, slot: tuple, scan: SealScan, h: float) -> Ink:
    """A name stamp (名章) in the slot instead of a handwritten name: red ink (on a grey copy, thick
    mid-grey ink) outside the unit seal(s) found on the page."""
    x0, y0, x1, y1 = (int(v) for v in slot)
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    if crop.size == 0:
        return Ink(0.0, 0.0, 0)
    if scan.colour:
        mask = red_ink(_hsv(crop))
    else:
        mask = grey_ink(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), page_dpi(rgb.shape[1], rgb.shape[0]))
    for s in scan.seals:
        bx0, by0, bx1, by1 = s.bbox
        m = 0.08 * (bx1 - bx0)
        mask[max(0, int(by0 - m) - y0):max(0, int(by1 + m) - y0), max(0, int(bx0 - m) - x0):max(0, int(bx1 + m) - x0)] = 0
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return Ink(0.0, 0.0, 0)
    return Ink(round(float(len(xs)) / (h * h), 3), round(float(xs.max() - xs.min()) / h, 2), 1)


def _without_seal(page: PageText, scan: tuple, engine: str | None) -> PageText | None:
    """The page's lines around its seals, read again with the seals' ink turned to paper."""
    from core.records import Line, Word
    from extract.ocr import DEFAULT_ENGINE, get_engine

    free = scan[2]
    H, W = free.shape[:2]
    dpi = page_dpi(W, H)
    lines = []
    for seal in scan[0].seals:
        x0, y0, x1, y1 = seal.bbox
        d = x1 - x0
        cx0, cy0, cy1 = int(max(0, x0 - 1.3 * d)), int(max(0, y0 - 0.3 * d)), int(min(H, y1 + 0.1 * d))
        crop = np.ascontiguousarray(free[cy0:cy1, cx0:W])
        try:
            read = get_engine(engine or DEFAULT_ENGINE).read(Image.fromarray(crop), int(dpi))
        except Exception as exc:  # a second look only
            log.warning("reading %s page %s again without its seal failed: %s", page.file, page.page, exc)
            continue

        def shift(b):
            return (b[0] + cx0, b[1] + cy0, b[2] + cx0, b[3] + cy0) if b else b

        lines += [Line(text=ln.text, bbox=shift(ln.bbox), confidence=ln.confidence,
                       words=tuple(Word(text=w.text, bbox=shift(w.bbox), confidence=w.confidence) for w in ln.words))
                  for ln in read]
    if not lines:
        return None
    return page.model_copy(update={"lines": tuple(lines)})
