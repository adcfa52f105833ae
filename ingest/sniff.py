"""Format detection from content (magic bytes), never from the file name.

The name is used only to tell apart the old binary Office formats, which share one container
(OLE2) and are all refused anyway.
"""
from __future__ import annotations

import io
import zipfile

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

_BMP_HEADERS = {12, 16, 40, 52, 56, 64, 108, 124}
IMAGE_FORMATS = ("jpeg", "png", "tiff", "heic", "webp", "bmp", "gif")
OLD_OFFICE_FORMATS = ("doc", "xls", "ppt", "wps", "et", "dps", "ole")
ARCHIVE_FORMATS = ("rar", "7z", "gzip")


def detect_format(data: bytes, name: str = "") -> str:
    """pdf, jpeg, png, tiff, heic, webp, bmp, gif, docx, xlsx, pptx, ofd, zip, doc, xls, ppt, wps,
    et, dps, ole, rar, 7z, gzip, empty or unknown."""
    if not data:
        return "empty"
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:2] == b"BM" and len(data) > 26 and int.from_bytes(head[14:18], "little") in _BMP_HEADERS:
        return "bmp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    # Some producers put junk before the header; PDF readers accept it within the first KB.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return _ole_kind(data, name)
    if head[:4] in ZIP_MAGICS:
        return _zip_kind(data)
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    return "unknown"


def _ole_kind(data: bytes, name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if "EncryptedPackage".encode("utf-16-le") in data[:4 * 1024 * 1024]:
        return "encrypted_ooxml"  # a password-protected .docx/.xlsx is stored in an OLE2 wrapper
    if ext in ("wps", "et", "dps", "doc", "xls", "ppt"):
        return ext
    # Directory entries hold stream names in UTF-16LE; a byte search is enough to name the kind.
    probe = data[:4 * 1024 * 1024]
    for stream, kind in (("WordDocument", "doc"), ("Workbook", "xls"), ("Book", "xls"),
                         ("PowerPoint Document", "ppt")):
        if stream.encode("utf-16-le") in probe:
            return kind
    return "ole"


def zip_names(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def _zip_kind(data: bytes) -> str:
    names = zip_names(data)
    if names is None:
        return "zip"  # a broken zip: reported by whoever opens it
    return office_kind(names) or "zip"


def office_kind(names: list[str]) -> str | None:
    nameset = set(names)
    if "word/document.xml" in nameset or any(n.startswith("word/") for n in names[:50]):
        return "docx"
    if "xl/workbook.xml" in nameset or any(n.startswith("xl/") for n in names[:50]):
        return "xlsx"
    if any(n.startswith("ppt/") for n in names[:50]):
        return "pptx"
    if "OFD.xml" in nameset:
        return "ofd"
    return None


def sniff_path_kind(head: bytes, path_name: str, opener) -> str:
    """Kind of a file on disk from its first bytes; `opener()` returns full bytes if needed."""
    if head[:4] in ZIP_MAGICS:
        return _zip_kind_from_file(opener)
    return detect_format(head, path_name)


def _zip_kind_from_file(opener) -> str:
    try:
        with zipfile.ZipFile(opener()) as zf:
            return office_kind(zf.namelist()) or "zip"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip"
