"""A batch folder: one package per applicant (sub-folder or zip), plus batch-level files.

Zips are recognised by content; the applicant key is the folder or zip name without extension.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.errors import InputNotFoundError
from ingest.sniff import ARCHIVE_FORMATS, OLD_OFFICE_FORMATS, detect_format, office_kind

PackageKind = Literal["dir", "zip", "archive"]  # archive: RAR/7z/gzip, reported as unsupported

# Written by operating systems and Office, never by an applicant.
JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".localized"})
JUNK_DIRS = frozenset({"__macosx", ".spotlight-v100", ".trashes", ".fseventsd", "$recycle.bin"})
_BATCH_FILE_FORMATS = frozenset({"pdf", "docx", "xlsx", *OLD_OFFICE_FORMATS, "encrypted_ooxml"})
_HEAD_BYTES = 8192


@dataclass(frozen=True)
class PackageRef:
    key: str  # the applicant key: folder or zip name without extension
    path: Path
    kind: PackageKind


def package_bytes(ref: PackageRef) -> int:
    """The package's size on disk (a folder's files summed, links not followed): what its checking will
    cost, roughly, known without reading it. 0 when it cannot be measured."""
    try:
        if ref.kind != "dir":
            return ref.path.stat().st_size
        return sum(f.stat().st_size for f in ref.path.rglob("*") if f.is_file() and not f.is_symlink())
    except OSError:
        return 0


def is_junk(name: str, size: int | None = None) -> bool:
    """OS/Office litter: .DS_Store, Thumbs.db, desktop.ini, AppleDouble '._x', Office '~$x' owner files."""
    base = name.rstrip("/").rsplit("/", 1)[-1]
    low = base.lower()
    if low in JUNK_NAMES or low.startswith("._"):
        return True
    # Office's lock file is a 162-byte owner record; a real file named '~$…' is larger
    return low.startswith("~$") and size is not None and size <= 512


def is_junk_dir(name: str) -> bool:
    return any(part.lower() in JUNK_DIRS for part in name.split("/") if part)


def find_packages(batch: Path) -> list[PackageRef]:
    """Every sub-folder and every zip (by content) at the top of `batch`, sorted by key.

    RAR/7z archives are returned too (kind "archive") so the applicant is reported, not lost.
    Keys are unique: when a folder and a zip share a stem, the later one keeps its full name.
    """
    refs: list[PackageRef] = []
    for entry in _entries(batch):
        if entry.is_dir():
            if not is_junk_dir(entry.name):
                refs.append(PackageRef(entry.name, entry, "dir"))
            continue
        kind = _top_file_kind(entry)
        if kind == "zip":
            refs.append(PackageRef(_stem(entry.name), entry, "zip"))
        elif kind in ARCHIVE_FORMATS:
            refs.append(PackageRef(_stem(entry.name), entry, "archive"))
    seen: set[str] = set()
    unique = []
    for ref in refs:
        key = ref.key if ref.key not in seen else ref.path.name
        seen.add(key)
        unique.append(PackageRef(key, ref.path, ref.kind))
    return sorted(unique, key=lambda r: r.key)


def find_batch_files(batch: Path) -> list[Path]:
    """Top-level documents that belong to no single applicant (the unit's summary table):
    PDF, DOCX, XLSX by content, and old .doc/.xls so they can be reported as unsupported."""
    return [e for e in _entries(batch)
            if e.is_file() and _top_file_kind(e) in _BATCH_FILE_FORMATS]


def _entries(batch: Path) -> list[Path]:
    batch = Path(batch)
    if not batch.is_dir():
        raise InputNotFoundError(f"batch folder not found: {batch}")
    out = []
    for entry in sorted(batch.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.is_symlink() and entry.is_dir():
            continue
        if entry.is_file() and is_junk(entry.name, entry.stat().st_size):
            continue
        out.append(entry)
    return out


def _top_file_kind(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    fmt = detect_format(head, path.name)
    if fmt in ("zip", "docx", "xlsx", "pptx", "ofd"):
        # the head alone cannot tell a zip from an Office file: read the central directory
        names = _names(path)
        return office_kind(names or []) or "zip"
    return fmt


def _names(path: Path) -> list[str]:
    import zipfile
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return []


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
