"""Image backend: JPEG, PNG, TIFF (every frame a page), HEIC, WEBP, BMP, GIF (first frame).

Each page is upright (EXIF orientation applied) RGB; the EXIF tags reviewers rely on (when and with
what a photo was taken or edited) are kept in `meta` as strings, with the original Orientation.
Images whose declared size exceeds `limits.MAX_IMAGE_PIXELS` are refused before decoding (JPEGs
are decoded at a reduced scale instead when that brings them under the limit). A truncated image
is refused, not half-loaded.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import IngestError
from ingest import limits
from ingest.backends import Opened, format_backends
from ingest.messages import ingest_error, issue
from ingest.pages import RawPage

pillow_heif.register_heif_opener()

_IFD0_TAGS = {0x010F: "Make", 0x0110: "Model", 0x0131: "Software", 0x0132: "DateTime",
              0x0112: "Orientation"}
_EXIF_IFD = 0x8769
_EXIF_TAGS = {0x9003: "DateTimeOriginal", 0x9004: "DateTimeDigitized", 0x9011: "OffsetTimeOriginal"}
_MULTI_PAGE = {"tiff"}


@format_backends.register("jpeg", version="1")
@format_backends.register("png", version="1")
@format_backends.register("tiff", version="1")
@format_backends.register("heic", version="1")
@format_backends.register("webp", version="1")
@format_backends.register("bmp", version="1")
@format_backends.register("gif", version="1")
def open_image(path: str, data: bytes) -> Opened:
    img = _open(data)
    fmt = (img.format or "").lower()
    n_frames = getattr(img, "n_frames", 1) if fmt in ("tiff",) else 1
    if n_frames > limits.MAX_FRAMES:
        raise ingest_error("too_large", f"{n_frames} frames")
    first = decode_frame(img, path, 1)  # eager: a broken file fails as a whole, here
    return Opened(pages=n_frames, pages_iter=_frames(img, path, first, n_frames))


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise ingest_error("too_large", str(exc)[:160]) from exc
        except UnidentifiedImageError as exc:
            raise ingest_error("corrupt", "not a readable image") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _load_error(exc) from exc


def _frames(img: Image.Image, path: str, first: RawPage, n_frames: int):
    try:
        yield first
        for index in range(1, n_frames):
            try:
                img.seek(index)
                yield decode_frame(img, path, index + 1)
            except IngestError as err:
                yield issue("page", err.args[0][:200], stage="render", page=index + 1,
                            category=err.category)
            except Exception as exc:
                yield issue("page", f"{type(exc).__name__}: {exc}"[:200], stage="render", page=index + 1)
    finally:
        img.close()


def decode_frame(img: Image.Image, path: str, number: int, extra_meta: dict | None = None) -> RawPage:
    """The current frame of `img` as an upright RGB `RawPage`."""
    width, height = img.size
    scale = 1.0
    if width * height > limits.MAX_IMAGE_PIXELS:
        if img.format == "JPEG":
            # the JPEG decoder can scale by 1/2..1/8 for free: a huge photo is read smaller
            target = (limits.MAX_IMAGE_PIXELS / (width * height)) ** 0.5
            img.draft("RGB", (int(width * target), int(height * target)))
            scale = img.size[0] / width
        if img.size[0] * img.size[1] > limits.MAX_IMAGE_PIXELS:
            raise ingest_error("too_large", f"{width}×{height} pixels")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img.load()
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _load_error(exc) from exc
    meta = exif_meta(img)
    meta.update(extra_meta or {})
    meta["format"] = (img.format or "").lower()
    upright = ImageOps.exif_transpose(img)
    rgb = to_rgb(upright)
    dpi, source = _dpi(img, rgb.size, scale)
    meta["dpi_source"] = source
    return RawPage(file=path, page=number, kind="image", width=float(rgb.width),
                   height=float(rgb.height), image=rgb, dpi=dpi, meta=meta)


def _load_error(exc: Exception) -> IngestError:
    text = str(exc).lower()
    if isinstance(exc, EOFError) or "truncated" in text or "premature end" in text:
        return ingest_error("truncated", str(exc)[:160])
    return ingest_error("corrupt", f"{type(exc).__name__}: {exc}"[:160])


def exif_meta(img: Image.Image) -> dict[str, str]:
    try:
        exif = img.getexif()
    except Exception:
        return {}
    meta = {name: _text(exif[tag]) for tag, name in _IFD0_TAGS.items() if tag in exif}
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:
        sub = {}
    meta.update({name: _text(sub[tag]) for tag, name in _EXIF_TAGS.items() if tag in sub})
    return {k: v for k, v in meta.items() if v}


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "").strip()


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB of any mode: transparency onto white, 16/32-bit and float scaled to 8 bits."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode.startswith("I") or mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if arr.max(initial=0) > 255 else 255.0
        if mode == "F" and arr.max(initial=0) > 65535:
            top = float(arr.max())
        grey = np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "P" and "transparency" in img.info:
        img, mode = img.convert("RGBA"), "RGBA"
    if mode in ("LA", "PA", "La", "RGBa"):
        img, mode = img.convert("RGBA"), "RGBA"
    if mode == "RGBA":
        white = Image.new("RGB", img.size, (255, 255, 255))
        white.paste(img.convert("RGB"), mask=img.getchannel("A"))
        return white
    return img.convert("RGB")


def _dpi(img: Image.Image, size: tuple[int, int], scale: float) -> tuple[int, str]:
    raw = img.info.get("dpi")
    try:
        file_dpi = round(float(raw[0]) * scale) if raw else 0
    except (TypeError, ValueError, IndexError):
        file_dpi = 0
    lo, hi = limits.FILE_DPI_RANGE
    if lo <= file_dpi <= hi:
        return file_dpi, "file"
    lo, hi = limits.ESTIMATED_DPI_RANGE
    estimate = round(max(size) / limits.A4_LONG_SIDE_INCHES)
    return int(min(hi, max(lo, estimate))), "estimated"
