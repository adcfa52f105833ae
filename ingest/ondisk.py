"""A submitted file left on disk until a reader needs it: `OnDisk`, and `FileData` (bytes or `OnDisk`).

A folder's file is not held in memory while its pages are read and checked: a 200-page scan is a
70 MB PDF, and holding it in the worker (and in the reader child) for the whole package costs what
the pages themselves cost. Readers that can open a path lazily (pdfium, pdfplumber) get the path;
the others read the bytes when they need them and drop them after. Every read checks that the file
is still the one ingest found (size and modification time), so a file replaced during the run is
reported, not silently mixed with the first one's readings. Originals are only ever opened for reading.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ingest.sniff import ZIP_MAGICS, detect_format

CHANGED = "the file was changed on disk or removed during the check; check it again"
SNIFF_BYTES = 4 * 1024 * 1024  # as much as `detect_format` looks at, except a zip's directory


@dataclass(frozen=True)
class OnDisk:
    """A file on disk as ingest found it (size, modification time); read on demand."""

    path: Path
    size: int
    mtime_ns: int

    @classmethod
    def at(cls, path: Path) -> OnDisk:
        st = path.stat()
        return cls(path, st.st_size, st.st_mtime_ns)

    def unchanged(self) -> bool:
        try:
            st = self.path.stat()
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == (self.size, self.mtime_ns)

    def check(self) -> None:
        """Raises IngestError (category "corrupt") when the file changed or went since ingest found it."""
        from ingest.messages import ingest_error

        if not self.unchanged():
            raise ingest_error("corrupt", CHANGED)

    def read(self, start: int = 0, length: int | None = None) -> bytes:
        """The file's bytes (or `length` of them from `start`; a negative start counts from the end)."""
        self.check()
        with open(self.path, "rb") as fh:  # read-only, never modified
            if start:
                fh.seek(max(0, self.size + start) if start < 0 else start)
            return fh.read() if length is None else fh.read(length)

    def sha256(self) -> str:
        self.check()
        with open(self.path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()


FileData = bytes | OnDisk


def whole(data: FileData) -> bytes:
    """The file's bytes: for a file on disk, read now (the caller drops them when done)."""
    return data.read() if isinstance(data, OnDisk) else data


def size_of(data: FileData) -> int:
    return data.size if isinstance(data, OnDisk) else len(data)


def sha256_of(data: FileData) -> str:
    return data.sha256() if isinstance(data, OnDisk) else hashlib.sha256(data).hexdigest()


def head(data: FileData, n: int = SNIFF_BYTES) -> bytes:
    return data.read(0, n) if isinstance(data, OnDisk) else data[:n]


def tail(data: FileData, n: int) -> bytes:
    return data.read(-n) if isinstance(data, OnDisk) else data[-n:]


def format_of(data: FileData, name: str = "") -> str:
    """`detect_format` of the file, reading no more of it than needed (all of it only for a zip)."""
    if not isinstance(data, OnDisk):
        return detect_format(data, name)
    first = head(data)
    if first[:4] in ZIP_MAGICS:
        return detect_format(data.read(), name)  # the kind of zip is in its central directory
    return detect_format(first, name)


def pdfium_input(data: FileData) -> str | bytes:
    """What pypdfium2's PdfDocument opens: a path (pdfium then reads only what it parses) or the bytes."""
    if isinstance(data, OnDisk):
        data.check()
        return str(data.path)
    return data


def plumber_input(data: FileData):
    """What pdfplumber.open reads: a path (read as parsed) or a stream over the bytes."""
    import io

    if isinstance(data, OnDisk):
        data.check()
        return data.path
    return io.BytesIO(data)
