"""Signs that a submitted image or PDF was edited, read from the file's original bytes.

Readings only, no judgement: `forensic_readings` gives, per file that shows at least one sign, an
`edit_indicators` reading whose value is a list of `{kind, detail, strength, ...}` and whose evidence
names the page and, where a sign is local, the region (pixels of the normalised page, as OCR bboxes;
PDF points for a text-layer page). `verify/checks_fraud.py` turns them into FRAUD.* findings.

Images (this module):
- `editor_software`: EXIF Software names an image editor (extract/forensics.yaml);
- `modified_after_capture`: EXIF DateTime later than DateTimeOriginal by more than a few minutes;
- `no_camera_data`: a photo of the publicity posting (a JPEG/HEIC, not a screenshot) without camera
  make or model (weak: a photo forwarded through a messenger loses them too);
- `recompression_region`: error-level analysis. The page is recompressed at several JPEG qualities and
  the error per unit of edge energy is measured in each OCR text line's window; a window whose error
  stands out against the page's other text windows (robust z ≥ `ela_z`) was compressed fewer times
  or differently: a patch pasted into an already-compressed scan. Plain ELA lights up every character,
  hence windows of text against windows of text. A patch pasted before the file's only compression,
  or one matched in noise and compression, leaves no such trace: nothing is claimed then.
PDFs: extract/forensics_pdf.py.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from PIL import Image, ImageOps
from pydantic import BaseModel, ConfigDict

from core.records import Document, Evidence, ExtractedValue, PageText
from ingest.ondisk import FileData, whole

log = logging.getLogger("dossier.extract")
EXTRACTOR = "image_forensics@1"
PDF_EXTRACTOR = "pdf_forensics@1"
CONFIG_FILE = Path(__file__).with_name("forensics.yaml")
PHOTO_TYPES = ("publicity_photo",)  # documents submitted as a photo taken on the spot
CAMERA_FORMATS = ("jpeg", "heic")  # formats a phone camera writes (a PNG is a screenshot)
# ELA error per unit of edge energy below which windows are not told apart: recompressing at the file's
# own quality gives ~0 everywhere, where a few clipped pixels would make any z-score
MAD_FLOOR = 0.01


class ForensicsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    image_editors: tuple[str, ...]
    pdf_editors: tuple[str, ...]
    pdf_not_editors: tuple[str, ...]
    image_modified_after_minutes: float
    pdf_modified_after_hours: float
    ela_qualities: tuple[int, ...]
    ela_min_lines: int
    ela_z: float
    ela_ratio: float


@lru_cache(maxsize=1)
def load_config() -> ForensicsConfig:
    return ForensicsConfig(**yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8")))


def names_one_of(text: str | None, names: tuple[str, ...]) -> str | None:
    """The first of `names` that `text` contains (case-insensitive), else None."""
    low = (text or "").lower()
    return next((n for n in names if n.lower() in low), None)


def indicator(kind: str, detail: str, strength: str = "indicator", **extra) -> dict:
    """One sign of editing: `strength` is "indicator" (a human should look) or "info" (no warning)."""
    return {"kind": kind, "detail": detail, "strength": strength, **extra}


# ---- images: metadata ------------------------------------------------------------------------------


def _exif_time(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime((text or "").strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def metadata_indicators(meta: dict[str, str], doc_type: str | None, cfg: ForensicsConfig) -> list[dict]:
    """Signs in an image's EXIF (as ingest kept it in `PageText.meta`)."""
    out = []
    software = meta.get("Software")
    if names_one_of(software, cfg.image_editors):
        out.append(indicator("editor_software", f"EXIF Software: {software}", software=software))
    saved, taken = _exif_time(meta.get("DateTime")), _exif_time(meta.get("DateTimeOriginal"))
    if saved and taken and (saved - taken).total_seconds() > 60 * cfg.image_modified_after_minutes:
        out.append(indicator("modified_after_capture", f"DateTime {saved} is after DateTimeOriginal {taken}",
                             saved=saved.isoformat(sep=" "), taken=taken.isoformat(sep=" ")))
    if doc_type in PHOTO_TYPES and meta.get("format") in CAMERA_FORMATS and not (meta.get("Make") or meta.get("Model")):
        out.append(indicator("no_camera_data", "a photo without camera make or model in its EXIF"))
    return out


# ---- images: error-level analysis ------------------------------------------------------------------


def _to_page(values: np.ndarray, orientation: int, page: PageText) -> np.ndarray:
    """A per-pixel map of the stored image, turned as the page was for OCR (EXIF orientation, the
    page's rotation, its deskew with the canvas expanded), so that OCR bboxes index it."""
    m = Image.fromarray(values.astype(np.float32), "F")
    exif_ops = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
                5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                8: Image.Transpose.ROTATE_90}
    if orientation in exif_ops:
        m = m.transpose(exif_ops[orientation])
    turn = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    if page.rotation in turn:
        m = m.transpose(turn[page.rotation])
    if page.skew:  # as extract.ocr.normalise.deskew turns the page (same angle, same expanded canvas)
        m = m.rotate(-page.skew, resample=Image.BILINEAR, expand=True, fillcolor=0)
    return np.asarray(m)


def _window_sums(values: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    return np.array([float(values[y0:y1, x0:x1].sum(dtype=np.float64)) for x0, y0, x1, y1 in boxes])


def _robust_z(values: np.ndarray) -> tuple[np.ndarray, float]:
    """z against the median and MAD of all windows; the MAD floored at 5 % of the median and at
    `MAD_FLOOR`, since on a page that recompresses almost losslessly every window's error is near zero."""
    med = float(np.median(values))
    mad = 1.4826 * float(np.median(np.abs(values - med)))
    return (values - med) / max(mad, 0.05 * med, MAD_FLOOR), med


def ela_windows(data: bytes, page: PageText, cfg: ForensicsConfig) -> list[dict]:
    """Text windows of a JPEG page whose recompression error stands out, strongest first:
    `{bbox, z, ratio, quality, text}`; [] when none does or the page has too few lines to compare."""
    boxes = []
    texts = []
    for line in page.lines:
        if not line.bbox:
            continue
        x0, y0, x1, y1 = (int(round(v)) for v in line.bbox)
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, int(page.width)), min(y1, int(page.height))
        if x1 - x0 >= 8 and y1 - y0 >= 8:
            boxes.append((x0, y0, x1, y1))
            texts.append(line.text)
    if len(boxes) < cfg.ela_min_lines:
        return []
    src = Image.open(io.BytesIO(data))
    if (src.format or "").upper() != "JPEG":
        return []
    orientation = int(src.getexif().get(0x0112, 1) or 1)
    rgb = src.convert("RGB")
    # luminance only: chroma is subsampled and coarsely quantised, so red seal ink would stand out in it
    grey = np.asarray(rgb.convert("L"), np.float32)
    gy, gx = np.gradient(grey)
    edges = _to_page(np.hypot(gx, gy), orientation, page)
    if edges.shape != (int(page.height), int(page.width)):
        log.info("ELA skipped on %s page %s: map %s, page %sx%s", page.file, page.page, edges.shape,
                 page.width, page.height)
        return []
    edge_energy = np.maximum(_window_sums(edges, boxes), 1.0)
    hits: dict[int, dict] = {}
    for quality in cfg.ela_qualities:
        buf = io.BytesIO()
        rgb.save(buf, "JPEG", quality=quality)
        again = np.asarray(Image.open(buf).convert("L"), np.float32)
        error = _to_page(np.abs(grey - again), orientation, page)
        per_edge = _window_sums(error, boxes) / edge_energy
        z, med = _robust_z(per_edge)
        for i in np.flatnonzero((z >= cfg.ela_z) & (per_edge >= cfg.ela_ratio * med)):
            if i not in hits or z[i] > hits[i]["z"]:
                hits[i] = {"bbox": tuple(float(v) for v in boxes[i]), "z": round(float(z[i]), 1),
                           "ratio": round(float(per_edge[i] / max(med, 1e-9)), 2), "quality": quality,
                           "text": texts[i]}
    return sorted(hits.values(), key=lambda h: -h["z"])


# ---- the dossier -----------------------------------------------------------------------------------


def image_reading(file: str, data: bytes, pages: list[PageText], types: dict[int, str], cfg: ForensicsConfig
                  ) -> ExtractedValue | None:
    """The `edit_indicators` reading of one image file (its first page's EXIF, every page's ELA)."""
    first = pages[0]
    found = metadata_indicators(first.meta, types.get(first.page), cfg)
    evidence = [Evidence(file=file, page=first.page, extractor=EXTRACTOR,
                         text="; ".join(i["detail"] for i in found))] if found else []
    for page in pages:
        if not page.source.startswith("ocr:") or page.meta.get("format") != "jpeg":
            continue
        try:
            regions = ela_windows(data, page, cfg)
        except Exception as exc:  # a second look at the pixels must not lose the dossier
            log.warning("ELA of %s page %s failed: %s", file, page.page, exc)
            continue
        for r in regions[:3]:
            found.append(indicator("recompression_region",
                                   f"text window {r['text']!r} recompresses with {r['ratio']}× the page's median "
                                   f"error (z {r['z']}, quality {r['quality']})", page=page.page, **r))
            evidence.append(Evidence(file=file, page=page.page, bbox=r["bbox"], text=r["text"],
                                     confidence=min(1.0, r["z"] / 20), extractor=EXTRACTOR))
    if not found:
        return None
    return ExtractedValue(field="edit_indicators", value=found, evidence=tuple(evidence), extractor=EXTRACTOR,
                          document=types.get(first.page), confidence=1.0)


def member_bytes(images) -> dict[str, FileData]:
    """The package's original files (path → bytes, or the file on disk) that the extraction's
    `MemberImages` holds while the package is extracted; without them nothing is read."""
    members = getattr(images, "members", None)
    return members if isinstance(members, dict) else {}


def forensic_readings(dossier, documents: list[Document], ctx) -> list[ExtractedValue]:
    """`edit_indicators` readings of every image and PDF file of the dossier that shows a sign of
    editing (see the module docstring); [] without the package's bytes."""
    from extract.forensics_pdf import pdf_reading

    members = member_bytes(getattr(ctx, "images", None)) if ctx is not None else {}
    if not members:
        return []
    cfg = load_config()
    types = {(d.file, n): d.type for d in documents for n in d.pages}
    by_file: dict[str, list[PageText]] = {}
    for page in sorted(dossier.pages, key=lambda p: (p.file, p.page)):
        by_file.setdefault(page.file, []).append(page)
    formats = {f.path: f.format for f in dossier.files}
    out = []
    for file, pages in by_file.items():
        source = members.get(file)
        fmt = formats.get(file) or pages[0].meta.get("format", "")
        if source is None or fmt not in ("pdf", "jpeg", "png", "tiff", "heic", "webp", "bmp"):
            continue
        file_types = {n: t for (f, n), t in types.items() if f == file}
        try:
            data = whole(source)  # this file's bytes only while its own indicators are computed
            reading = (pdf_reading(file, data, pages, file_types, cfg, ctx.images) if fmt == "pdf"
                       else image_reading(file, data, pages, file_types, cfg))
        except Exception as exc:  # forensics are a second look; the file's readings stand without them
            log.warning("forensics of %s failed: %s", file, exc, exc_info=True)
            continue
        finally:
            data = None
        if reading is not None:
            out.append(reading)
    return out
