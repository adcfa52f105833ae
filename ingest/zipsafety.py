"""Checks on a zip before anything in it is decompressed: sizes, ratios, counts, member paths."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import TypeVar

from ingest import limits
from ingest.messages import ingest_error

_DRIVE = re.compile(r"^[A-Za-z]:")
_UNICODE_PATH_EXTRA = 0x7075


def check_office_zip(zf: zipfile.ZipFile) -> None:
    """Refuse a DOCX/XLSX whose parts would unpack to more than the office limit (a zip bomb)."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if total > limits.MAX_OFFICE_UNZIPPED_BYTES:
            raise ingest_error("too_large", "unpacks to more than "
                               f"{limits.MAX_OFFICE_UNZIPPED_BYTES // 2**20} MB")
        if info.file_size > limits.RATIO_MIN_BYTES and info.file_size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise ingest_error("too_large", f"{info.filename}: compression ratio above {limits.MAX_RATIO}")


T = TypeVar("T")


def load_office(data: bytes, loader: Callable[[io.BytesIO], T]) -> T:
    """Check a DOCX/XLSX container against the zip limits, then load it; failures are `corrupt`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_office_zip(zf)
    except zipfile.BadZipFile as exc:
        raise ingest_error("corrupt", str(exc)) from exc
    try:
        return loader(io.BytesIO(data))
    except Exception as exc:  # the libraries raise many types for a damaged part
        raise ingest_error("corrupt", f"{type(exc).__name__}: {exc}"[:160]) from exc


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's path as its creator meant it.

    UTF-8 when flag 0x800 is set or an Info-ZIP Unicode Path field matches; otherwise the raw bytes
    are tried as UTF-8 (macOS writes UTF-8 without the flag), then GB18030 (a superset of GBK, what
    Windows in Chinese writes), then CP437 (the zip default). Backslashes become slashes.
    """
    if info.flag_bits & 0x800:
        name = info.filename
    else:
        raw = info.filename.encode("cp437")
        name = _unicode_path_extra(info, raw) or _decode(raw)
    return name.replace("\\", "/")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp437")


def _unicode_path_extra(info: zipfile.ZipInfo, raw: bytes) -> str | None:
    extra, i = info.extra, 0
    while i + 4 <= len(extra):
        tag = int.from_bytes(extra[i:i + 2], "little")
        size = int.from_bytes(extra[i + 2:i + 4], "little")
        body = extra[i + 4:i + 4 + size]
        if tag == _UNICODE_PATH_EXTRA and len(body) > 5 and body[0] == 1:
            if int.from_bytes(body[1:5], "little") == zipfile.crc32(raw):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        i += 4 + size
    return None


def is_unsafe_path(name: str) -> bool:
    """Absolute paths, drive letters and '..' components (zip-slip)."""
    if not name or name.startswith("/") or _DRIVE.match(name):
        return True
    return any(part == ".." for part in name.split("/"))
