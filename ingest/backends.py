"""Dispatch of `read_file` to format backends, registered by decorator.

A backend is a callable `(path, data) -> Opened`; `data` is the file's bytes, or for a format in
`LAZY_FORMATS` possibly the file on disk (`ingest.ondisk.OnDisk`), opened by path. It validates the
whole file up front (so the `SourceFile` status is right when returned) and raises `IngestError`
when the file as a whole cannot be used; pages come lazily from `Opened.pages_iter`, one at a time,
with per-page failures yielded as `IngestIssue(stage="render", page=N)`. `open_file` runs a backend here, without a time
limit; `ingest.watchdog.read_file` runs it in a child process under `limits.READ_*_SECONDS`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from core.errors import IngestError
from core.records import IngestIssue, SourceFile
from core.registry import Registry
from ingest.messages import issue, issue_from
from ingest.ondisk import FileData, format_of, sha256_of, size_of, whole
from ingest.pages import RawPage

PageStream = Iterator["RawPage | IngestIssue"]


@dataclass
class Opened:
    pages: int  # 0 when not known cheaply
    pages_iter: PageStream
    issues: tuple[IngestIssue, ...] = field(default=())  # file-level: status becomes "partial"
    # the pages from page N on, without reading those before (PDF): reading goes on after a page
    # that could not be read in time; None where pages can only be read in order
    resume: Callable[[int], PageStream] | None = None


Backend = Callable[[str, FileData], Opened]
format_backends: Registry[Backend] = Registry("format backend")
# Formats whose backend opens a file on disk by its path, reading only what it parses (a 70 MB scan
# is not held while its pages are read); every other backend is given the bytes.
LAZY_FORMATS = frozenset({"pdf"})


def file_record(path: str, data: FileData) -> dict:
    """The fields of a `SourceFile` known from the bytes alone: path, sha256, size, format."""
    return dict(path=path, sha256=sha256_of(data), size=size_of(data), format=format_of(data, path))


def open_file(path: str, data: FileData) -> tuple[SourceFile, Opened | None]:
    """Open one submitted file in this process, with no time limit (`ingest.read_file` adds one).

    `path` is the path inside the package (only used for provenance and, for OLE2 files, to name
    the old Office kind); `data` its bytes or the file on disk. Returns the `SourceFile` (sha256,
    size, format from content, page count when cheap, status ok/partial/failed with issues) and what
    the backend opened (its lazy iterator of `RawPage` and per-page `IngestIssue`), None for a failed file.
    """
    try:
        base = file_record(path, data)
    except (IngestError, OSError) as exc:  # a file on disk that changed or went since ingest found it
        return failed_source(path, data, exc), None
    fmt = base["format"]
    if fmt == "empty":
        return _failed(base, issue("empty"))
    try:
        backend = format_backends.get(fmt)
    except Exception:  # RegistryError: no backend for this format
        return _failed(base, issue("unsupported", f"format: {fmt}"))
    try:
        opened = backend(path, data if fmt in LAZY_FORMATS else whole(data))
    except IngestError as err:
        return _failed(base, issue_from(err))
    except MemoryError:
        return _failed(base, issue("too_large"))
    except Exception as exc:  # a parser's own error on a bad file: the batch goes on
        return _failed(base, issue("corrupt", f"{type(exc).__name__}: {exc}"[:200]))
    status = "partial" if opened.issues else "ok"
    return SourceFile(**base, status=status, pages=opened.pages, issues=opened.issues), opened


def failed_source(path: str, data: FileData, problem: IngestIssue | Exception) -> SourceFile:
    """The record of a file that could not be read, with what is known of it (sha256 and format when
    its bytes can still be read), never raising: the file is listed with the reason."""
    if isinstance(problem, IngestError):
        problem = issue_from(problem)
    elif isinstance(problem, Exception):
        problem = issue("corrupt", f"{type(problem).__name__}: {problem}"[:200])
    try:
        base = file_record(path, data)
    except (IngestError, OSError):
        base = dict(path=path, sha256="", size=size_of(data), format="unknown")
    return SourceFile(**base, status="failed", issues=(problem,))


def settle(source: SourceFile, page_issues: list[IngestIssue] | tuple[IngestIssue, ...]) -> SourceFile:
    """The `SourceFile` once its pages were read: per-page issues added, status ok → partial."""
    if not page_issues:
        return source
    status = "failed" if source.status == "failed" else "partial"
    return source.model_copy(update={"status": status, "issues": source.issues + tuple(page_issues)})


def _failed(base: dict, problem: IngestIssue) -> tuple[SourceFile, None]:
    return SourceFile(**base, status="failed", issues=(problem,)), None


def _refuse(kind: str) -> Backend:
    def backend(path: str, data: FileData) -> Opened:
        from ingest.messages import ingest_error
        raise ingest_error(kind, f"format: {format_of(data, path)}")
    return backend


# Formats we recognise only to refuse them with the right advice.
_old_office = _refuse("old_office")
for _fmt in ("doc", "xls", "ppt", "wps", "et", "dps", "ole"):
    format_backends.register(_fmt, version="1")(_old_office)
format_backends.register("encrypted_ooxml", version="1")(_refuse("encrypted"))
_archive = _refuse("nested")
for _fmt in ("zip", "rar", "7z", "gzip"):
    format_backends.register(_fmt, version="1")(_archive)
