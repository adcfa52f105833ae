"""The files of one package, safely: `iter_members(ref)`.

Nothing is extracted to disk and the originals are opened read-only. A folder's file stays on disk
(`ingest.ondisk.OnDisk`, read when a reader needs it); a zip's members are held as bytes. Members
that are refused (unsafe path, too large, too many, nested too deep, encrypted, unreadable) come out
as failed `SourceFile`s, so every submitted file appears in the report.
"""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import IngestError
from core.records import IngestIssue, SourceFile
from ingest import limits
from ingest.messages import issue
from ingest.ondisk import FileData, OnDisk, head, whole
from ingest.packages import PackageRef, is_junk, is_junk_dir
from ingest.sniff import ZIP_MAGICS, detect_format
from ingest.zipsafety import is_unsafe_path, member_name


@dataclass(frozen=True)
class Member:
    path: str  # inside the package; for a zip, as stored (top folder included), decoded
    source: FileData  # the bytes (a zip's member) or the file on disk (a folder's)

    @property
    def data(self) -> bytes:
        """The file's bytes, read now for a file on disk: hold them no longer than needed."""
        return whole(self.source)

    def held(self) -> Member:
        """The member with its bytes in memory (for a worker that cannot see this disk)."""
        return self if isinstance(self.source, bytes) else Member(self.path, self.data)


class _Budget:
    """What one package may still unpack, shared by a zip and the zips inside it."""

    def __init__(self) -> None:
        self.bytes_left = limits.MAX_PACKAGE_BYTES
        self.members_left = limits.MAX_MEMBERS

    def refuse(self, size: int, compressed: int | None = None) -> str | None:
        """Why a member of `size` bytes is refused, or None (and the budget is charged)."""
        if self.members_left <= 0:
            return f"more than {limits.MAX_MEMBERS} files in the package"
        if size > limits.MAX_MEMBER_BYTES:
            return f"{size} bytes, limit {limits.MAX_MEMBER_BYTES}"
        if (compressed is not None and size > limits.RATIO_MIN_BYTES
                and size > limits.MAX_RATIO * max(compressed, 1)):
            return f"compression ratio {size // max(compressed, 1)}:1 above {limits.MAX_RATIO}:1"
        if size > self.bytes_left:
            return f"package unpacks to more than {limits.MAX_PACKAGE_BYTES} bytes"
        self.members_left -= 1
        self.bytes_left -= size
        return None


def iter_members(ref: PackageRef) -> Iterator[Member | SourceFile]:
    """Each file of the package in path order: `Member(path, data)`, or a failed `SourceFile`
    (status "failed", one issue) for a file that was refused. Directories and OS junk are skipped."""
    budget = _Budget()
    if ref.kind == "dir":
        yield from _dir_members(ref.path, budget)
    elif ref.kind == "zip":
        try:
            data = ref.path.read_bytes()
        except OSError as exc:
            yield _refused(ref.path.name, issue("corrupt", str(exc)))
            return
        yield from _zip_members(data, "", ref.path.name, budget, depth=0)
    else:
        yield _refused(ref.path.name, issue("archive", ref.path.name))


def _dir_members(root: Path, budget: _Budget) -> Iterator[Member | SourceFile]:
    root_real = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not is_junk_dir(d) and not d.startswith("."))
        for name in sorted(filenames):
            full = Path(dirpath) / name
            rel = full.relative_to(root).as_posix()
            try:
                size = full.stat().st_size
            except OSError as exc:  # a dangling link
                yield _refused(rel, issue("corrupt", str(exc)))
                continue
            if is_junk(name, size):
                continue
            if full.is_symlink() and not full.resolve().is_relative_to(root_real):
                yield _refused(rel, issue("unsafe_path", "link to a file outside the package"))
                continue
            why = budget.refuse(size)
            if why:
                yield _refused(rel, issue("too_large", why))
                continue
            try:
                found = OnDisk.at(full)
                zipped = head(found, 4)[:4] in ZIP_MAGICS
                data = found.read() if zipped else b""
            except (OSError, IngestError) as exc:  # unreadable, or gone since the walk
                yield _refused(rel, issue("corrupt", str(exc)[:200]))
                continue
            if zipped and _is_package_zip(data):
                yield from _zip_members(data, rel + "/", rel, budget, depth=1)
            elif zipped:
                yield Member(rel, data)  # a .docx/.xlsx: small, and read whole by its backend anyway
            else:
                yield Member(rel, found)


def _is_package_zip(data: bytes) -> bool:
    return data[:4] in ZIP_MAGICS and detect_format(data) == "zip"


def _zip_members(data: bytes, prefix: str, label: str, budget: _Budget,
                 depth: int) -> Iterator[Member | SourceFile]:
    """Members of the zip in `data`; `prefix` is prepended to their paths (nested zips)."""
    if depth > limits.NESTED_ZIP_DEPTH:
        yield _refused(label, issue("nested"), data)
        return
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        yield _refused(label, issue("corrupt", f"zip: {exc}"), data)
        return
    with zf:
        entries = sorted(((member_name(info), info) for info in zf.infolist()), key=lambda e: e[0])
        for name, info in entries:
            path = prefix + name
            if name.endswith("/") or info.is_dir():
                continue
            if is_junk_dir(name.rsplit("/", 1)[0] if "/" in name else "") or is_junk(name, info.file_size):
                continue
            if is_unsafe_path(name):
                yield _refused(path, issue("unsafe_path", name))
                continue
            if info.flag_bits & 0x1:
                yield _refused(path, issue("encrypted", "password-protected zip member"))
                continue
            why = budget.refuse(info.file_size, info.compress_size)
            if why:
                yield _refused(path, issue("too_large", why))
                continue
            try:
                member = _read_capped(zf, info)
            except _TooLarge as exc:
                yield _refused(path, issue("too_large", str(exc)))
                continue
            except NotImplementedError as exc:
                yield _refused(path, issue("unsupported", f"compression method: {exc}"))
                continue
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
                kind = "truncated" if isinstance(exc, EOFError) else "corrupt"
                yield _refused(path, issue(kind, f"{type(exc).__name__}: {exc}"[:160]))
                continue
            if _is_package_zip(member):
                yield from _zip_members(member, path + "/", path, budget, depth + 1)
            else:
                yield Member(path, member)


class _TooLarge(Exception):
    pass


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read a member, never more than its declared size allows (the header may lie)."""
    cap = min(info.file_size, limits.MAX_MEMBER_BYTES)
    with zf.open(info) as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise _TooLarge(f"more data than the declared {info.file_size} bytes")
    return data


def _refused(path: str, problem: IngestIssue, data: bytes | None = None) -> SourceFile:
    """A refused file: sha256/size of its bytes when they were read, else empty."""
    data_ = data or b""
    return SourceFile(path=path, sha256=hashlib.sha256(data_).hexdigest() if data else "",
                      size=len(data_), format=detect_format(data_, path) if data else "unknown",
                      status="failed", issues=(problem,))
