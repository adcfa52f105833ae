"""The same photo or scan in two applicants' dossiers (FRAUD.DUPLICATE_IMAGE).

Fingerprint part (in the worker, while the pixels are at hand): every image page (OCR'd) gets
perceptual hashes (imagehash phash and dhash of the page and of its inner part, dhash of each tile of
a 4 × 4 grid) and a reduced colour copy (`THUMB_WIDTH` px wide) written to OUT/<key>/evidence/ under
the whole page's crop name, so both applicants' reports can show it. The unit seals on the page become
SealPrints while its colour image is at hand (verify/batch_seals.py compares them).

Batch check: pages of DIFFERENT applicants whose page hashes and every tile's hash lie close are
candidates. Two documents printed from one template hash close as pages, so a candidate is confirmed
only by comparing the two reduced pages aligned (ORB keypoints, RANSAC homography refined by ECC):
every block of about one character that holds strokes must correlate, the variable fields (names,
dates, numbers, the portrait) included. Different diplomas of one school differ in their name and date
blocks (hundreds of blocks on the fixtures); a copy, re-compressed or rescaled, differs in none.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import cv2
import imagehash
import numpy as np
from PIL import Image

from core.records import Dossier, Evidence, Finding
from core.crops import FOLDER, crop_name  # the whole page's picture: both reports show it
from verify.batch import Fingerprint, PagePrint, SealPrint, batch_check, fingerprint_parts
from verify.catalogue import finding
from verify.rules import NoticeRules

log = logging.getLogger("dossier.verify")

THUMB_WIDTH = 900  # the reduced page: the comparison's pixels and the reviewer's view
PHOTO_TYPES = ("publicity_photo",)
CAMERA_TAGS = ("Make", "Model", "DateTimeOriginal")
HASHES = ("phash", "dhash", "phash_inner", "dhash_inner")  # 64 bits each
INNER = 0.12  # share of each side cut away for the inner hashes (borders, the desk around a sheet)
NEAR = 14  # Hamming distance (of 64 bits) of a page hash under which two pages may be one picture ...
TILES = 4  # ... and of every tile of a TILES × TILES grid (dhash each): one template's pages hash close as
TILE_NEAR = 10  # pages, but a tile holding a name or a date differs; re-compression moved a tile ≤ 7 bits


# --- fingerprint ------------------------------------------------------------------------------------

def page_hashes(image: Image.Image) -> dict[str, str]:
    """phash and dhash of the whole page and of its inner part, as hex."""
    grey = image.convert("L")
    w, h = grey.size
    inner = grey.crop((int(w * INNER), int(h * INNER), int(w * (1 - INNER)), int(h * (1 - INNER))))
    tiles = "".join(str(imagehash.dhash(grey.crop((j * w // TILES, i * h // TILES, (j + 1) * w // TILES,
                                                        (i + 1) * h // TILES))))
                    for i in range(TILES) for j in range(TILES))
    return {"phash": str(imagehash.phash(grey)), "dhash": str(imagehash.dhash(grey)),
            "phash_inner": str(imagehash.phash(inner)), "dhash_inner": str(imagehash.dhash(inner)),
            "dhash_tiles": tiles}


def reduced(image: Image.Image, width: int = THUMB_WIDTH) -> Image.Image:
    page = image.convert("RGB")
    if page.width > width:
        page = page.resize((width, max(1, round(page.height * width / page.width))), Image.LANCZOS)
    return page


def page_kind(meta: dict, doc_type: str) -> str:
    return "photo" if doc_type in PHOTO_TYPES or any(meta.get(t) for t in CAMERA_TAGS) else "scan"


@fingerprint_parts.register("image_pages")
def image_pages(dossier: Dossier, images, folder: Path | None, out: Path | None) -> dict:
    """PagePrints of every OCR'd page (hashes, kind, the reduced page on disk) and SealPrints of the
    seals the extraction found on them."""
    if images is None:
        return {}

    from verify.batch_seals import page_seals, seal_boxes  # it compares what this part keeps of the seals

    doc_type = {(d.file, n): d.type for d in dossier.documents for n in d.pages}
    boxes = seal_boxes(dossier)
    pages: list[PagePrint] = []
    seals: list[SealPrint] = []
    order = {(p.file, p.page): n for n, p in enumerate(dossier.pages)}
    # the pages the evidence crops left rendered first, before new renders push them out
    for page in images.rendered_first(p for p in dossier.pages if p.source.startswith("ocr:")):
        image = images.colour(page)
        if image is None:
            continue
        kind = doc_type.get((page.file, page.page), "unknown")
        thumb_path = None
        small = reduced(image)
        if folder is not None:
            name = crop_name(Evidence(file=page.file, page=page.page))
            target = folder / FOLDER / name
            target.parent.mkdir(parents=True, exist_ok=True)
            small.save(target, "JPEG", quality=85, optimize=True)
            base = out if out is not None else folder.parent
            thumb_path = target.relative_to(base).as_posix() if target.is_relative_to(base) else str(target)
        pages.append(PagePrint(file=page.file, page=page.page, doc_type=kind, kind=page_kind(page.meta, kind),
                               width=image.width, height=image.height, hashes=page_hashes(small), thumb=thumb_path))
        seals.extend(page_seals(page, image, kind, boxes.get((page.file, page.page), [])))
    pages.sort(key=lambda p: order[(p.file, p.page)])
    seals.sort(key=lambda p: order[(p.file, p.page)])
    return {"pages": pages, "seals": seals}


# --- the aligned comparison ------------------------------------------------------------------------

BLOCK = 16  # pixels of the reduced page per compared block (about one character of print)
BLOCK_SAME = 0.5  # a block matches when its strokes correlate at least this well after alignment
STROKE_CONTRAST = 5.0  # standard deviation of the band-passed pixels for a block to hold strokes
MAX_DIFFERING = 0.003  # share of blocks that may differ in a copy (re-compression, a stray edge) ...
MIN_DIFFERING = 2  # ... or this many: one character changed is one character too many
MIN_BLOCKS = 200  # blocks holding print or picture that the comparison needs
MIN_OVERLAP = 0.5  # share of each page the other must cover once aligned
MIN_INLIERS = 40  # keypoint matches that agree with the alignment
EDGE = 0.04  # share of the width left out along each image's edges


@dataclass(frozen=True)
class Match:
    """Two reduced pages compared once aligned: how much of them overlaps, how many blocks carried
    print or picture, and how many of those differ."""

    inliers: int
    overlap: float
    blocks: int
    differing: int

    @property
    def same(self) -> bool:
        return (self.inliers >= MIN_INLIERS and self.overlap >= MIN_OVERLAP and self.blocks >= MIN_BLOCKS
                and self.differing <= max(MIN_DIFFERING, MAX_DIFFERING * self.blocks))


def features(grey: np.ndarray) -> tuple:
    """ORB keypoints and descriptors of a reduced page (computed once per page by the check)."""
    return cv2.ORB_create(4000).detectAndCompute(grey, None)


def _homography(a: np.ndarray, b: np.ndarray, fa: tuple | None = None, fb: tuple | None = None) -> tuple[np.ndarray | None, int]:
    """The transform taking b onto a (ORB keypoints, ratio test, RANSAC) and how many matches agree."""
    ka, da = fa or features(a)
    kb, db = fb or features(b)
    if da is None or db is None or len(ka) < 20 or len(kb) < 20:
        return None, 0
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(db, da, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < 15:
        return None, len(good)
    src = np.float32([kb[g.queryIdx].pt for g in good])
    dst = np.float32([ka[g.trainIdx].pt for g in good])
    H, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    if H is None or int(inliers.sum()) < MIN_INLIERS:
        return None, 0 if H is None else int(inliers.sum())
    return _refined(a, b, H), int(inliers.sum())


def _refined(a: np.ndarray, b: np.ndarray, H: np.ndarray) -> np.ndarray:
    """The keypoints' transform brought to a fraction of a pixel (ECC on the pages' strokes): strokes
    are compared, and keypoints from coarse pyramid levels leave a pixel or two of error."""
    half = np.diag([0.5, 0.5, 1.0])  # at half size: a quarter of the cost, still well under a pixel
    small = [cv2.resize(x, (x.shape[1] // 2, x.shape[0] // 2), interpolation=cv2.INTER_AREA).astype(np.float32)
             for x in (a, b)]
    try:
        warp = (half @ np.linalg.inv(H) @ np.linalg.inv(half)).astype(np.float32)  # ECC maps a's points into b
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 1e-4)
        _, warp = cv2.findTransformECC(small[0], small[1], warp, cv2.MOTION_HOMOGRAPHY, criteria, None, 3)
        return np.linalg.inv(np.linalg.inv(half) @ warp.astype(np.float64) @ half)
    except cv2.error:  # ECC did not converge: the keypoints' transform stands
        return H


def _strokes(grey: np.ndarray) -> np.ndarray:
    """The page band-passed to the scale of strokes: the shapes of characters, not where lines of
    print lie (two lines of different text at one place correlate as lines, not as strokes)."""
    g = grey.astype(np.float32)
    return cv2.GaussianBlur(g, (0, 0), 0.7) - cv2.GaussianBlur(g, (0, 0), 2.5)


def _block_sums(x: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Sums of x over the BLOCK × BLOCK squares whose top-left corners are (ys × xs)."""
    s = cv2.integral(x.astype(np.float64))
    y0, x0 = ys[:, None], xs[None, :]
    return s[y0 + BLOCK, x0 + BLOCK] - s[y0, x0 + BLOCK] - s[y0 + BLOCK, x0] + s[y0, x0]


def compare_pages(a: np.ndarray, b: np.ndarray, fa: tuple | None = None, fb: tuple | None = None) -> Match:
    """`a`, `b`: the two reduced pages in grey (`fa`, `fb` their `features`, if known). b is aligned
    onto a; then every block of a that both pages cover and that holds strokes (not blank paper) is
    correlated with b's: in a copy every such block matches, the variable fields (names, dates,
    numbers, the portrait) included, where two prints of one template differ."""
    if b.shape[1] != a.shape[1]:
        b = cv2.resize(b, (a.shape[1], max(1, round(b.shape[0] * a.shape[1] / b.shape[1]))), interpolation=cv2.INTER_AREA)
        fb = None
    H, inliers = _homography(a, b, fa, fb)
    if H is None:
        return Match(inliers, 0.0, 0, 0)
    h, w = a.shape
    warped = cv2.warpPerspective(b, H, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    valid = cv2.warpPerspective(np.full(b.shape, 255, np.uint8), H, (w, h), flags=cv2.INTER_NEAREST) > 0
    back = cv2.warpPerspective(np.full(a.shape, 255, np.uint8), np.linalg.inv(H), b.shape[::-1],
                               flags=cv2.INTER_NEAREST) > 0
    overlap = min(float(valid.mean()), float(back.mean()))
    # off both images' edges: a scan's rotation fill and a photo's desk end there, a copy's crop too
    margin = 2 * int(EDGE * w) + 1
    valid = cv2.erode(valid.astype(np.uint8), np.ones((margin, margin), np.uint8),
                      borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    sa, sb = _strokes(a), _strokes(warped)
    ys, xs = np.arange(0, h - BLOCK + 1, BLOCK // 2), np.arange(0, w - BLOCK + 1, BLOCK // 2)
    n = float(BLOCK * BLOCK)
    inside = _block_sums(valid.astype(np.float32), ys, xs) >= n
    ma, mb = _block_sums(sa, ys, xs) / n, _block_sums(sb, ys, xs) / n
    va = np.maximum(_block_sums(sa * sa, ys, xs) / n - ma * ma, 0.0)
    vb = np.maximum(_block_sums(sb * sb, ys, xs) / n - mb * mb, 0.0)
    cov = _block_sums(sa * sb, ys, xs) / n - ma * mb
    strokes = inside & ((va >= STROKE_CONTRAST ** 2) | (vb >= STROKE_CONTRAST ** 2))  # not blank paper or desk
    r = cov / np.sqrt(va * vb + 1e-6)
    return Match(inliers, round(overlap, 3), int(strokes.sum()), int((strokes & (r < BLOCK_SAME)).sum()))


# --- the check ----------------------------------------------------------------------------------------

def _bits(page: PagePrint) -> tuple[list[int | None], list[int]]:
    """The page's hashes as integers: the page hashes (None where missing), the tiles'."""
    tiles = page.hashes.get("dhash_tiles", "")
    return ([int(page.hashes[n], 16) if n in page.hashes else None for n in HASHES],
            [int(tiles[i:i + 16], 16) for i in range(0, len(tiles), 16)])


def hash_distance(a: PagePrint, b: PagePrint) -> int:
    """The smallest Hamming distance over the page hashes both pages carry (64 when none is shared)."""
    return _page_distance(_bits(a)[0], _bits(b)[0])


def tile_distance(a: PagePrint, b: PagePrint) -> int:
    """The largest Hamming distance between the pages' tiles at one place (64 without tile hashes)."""
    return _tile_distance(_bits(a)[1], _bits(b)[1])


def _page_distance(a: list, b: list) -> int:
    return min(((x ^ y).bit_count() for x, y in zip(a, b) if x is not None and y is not None), default=64)


def _tile_distance(a: list[int], b: list[int]) -> int:
    if not a or len(a) != len(b):
        return 64
    return max((x ^ y).bit_count() for x, y in zip(a, b))


def candidates(prints: list[Fingerprint], near: int = NEAR,
               tile_near: int = TILE_NEAR) -> list[tuple[Fingerprint, PagePrint, Fingerprint, PagePrint]]:
    """Pairs of image pages of different applicants whose page hashes lie within `near` bits and whose
    tiles each lie within `tile_near` (so a copy cropped or turned is missed here)."""
    bits = {id(p): _bits(p) for fp in prints for p in fp.pages}
    out = []
    for fa, fb in combinations(prints, 2):
        if fa.applicant == fb.applicant:
            continue
        for pa in fa.pages:
            for pb in fb.pages:
                (ha, ta), (hb, tb) = bits[id(pa)], bits[id(pb)]
                if _page_distance(ha, hb) <= near and _tile_distance(ta, tb) <= tile_near:
                    out.append((fa, pa, fb, pb))
    return out


class _Thumbs:
    """The reduced pages in grey with their keypoints, read once each."""

    def __init__(self, out: Path | None):
        self.out, self._cache = out, {}

    def get(self, page: PagePrint) -> tuple[np.ndarray, tuple] | None:
        if page.thumb is None:
            return None
        if page.thumb not in self._cache:
            path = Path(page.thumb) if self.out is None else self.out / page.thumb
            try:
                with Image.open(path) as img:
                    grey = np.asarray(img.convert("L"))
                self._cache[page.thumb] = grey, features(grey)
            except OSError as exc:
                log.warning("cannot read the reduced page %s: %s", path, exc)
                self._cache[page.thumb] = None
        return self._cache[page.thumb]


def _who(fp: Fingerprint) -> str:
    return f"{fp.name}（{fp.applicant}）" if fp.name and fp.name not in fp.applicant else fp.applicant


def _where(page: PagePrint) -> str:
    from verify.checks_cross import DOC_ZH

    return f"{DOC_ZH.get(page.doc_type, '材料')}（{page.file} 第{page.page}页）"


def duplicate_finding(mine: PagePrint, other_fp: Fingerprint, other: PagePrint, match: Match) -> Finding:
    return finding(
        "FRAUD.DUPLICATE_IMAGE",
        f"本申报材料中的{_where(mine)}与申报人{_who(other_fp)}的{_where(other)}为同一{'照片' if mine.kind == 'photo' else '扫描图像'}："
        f"两页对齐后比对有内容的 {match.blocks} 块，{match.blocks - match.differing} 块一致（含姓名、日期等各人不同的内容），"
        f"不是同一模板的两份材料。疑似重复使用他人材料，请人工核对。",
        evidence=[Evidence(file=mine.file, page=mine.page), Evidence(file=other.file, page=other.page)],
    )


@batch_check("images.duplicates", emits=("FRAUD.DUPLICATE_IMAGE",))
def duplicate_images(prints: list[Fingerprint], rules: NoticeRules, out: Path | None) -> dict[str, list[Finding]]:
    """FRAUD.DUPLICATE_IMAGE for both applicants of every image page found in two dossiers: hash
    candidates confirmed by `compare_pages` on the reduced pages (a candidate without them is left)."""
    thumbs = _Thumbs(out)
    found: dict[str, list[Finding]] = {}
    for fa, pa, fb, pb in candidates(prints):
        a, b = thumbs.get(pa), thumbs.get(pb)
        if a is None or b is None:
            continue
        match = compare_pages(a[0], b[0], a[1], b[1])
        log.debug("duplicate candidate %s %s / %s %s: %s", fa.applicant, pa.file, fb.applicant, pb.file, match)
        if match.same:
            found.setdefault(fa.applicant, []).append(duplicate_finding(pa, fb, pb, match))
            found.setdefault(fb.applicant, []).append(duplicate_finding(pb, fa, pa, match))
    return found
