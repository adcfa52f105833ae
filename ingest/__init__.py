"""Ingest: from a batch folder to pages.

    for ref in find_packages(batch):                 # one per applicant
        for item in iter_members(ref):               # Member(path, source) or a failed SourceFile
            source, pages = read_file(item.path, item.source)  # in a child, under limits.READ_*_SECONDS
            for page in pages:                       # RawPage, or IngestIssue for a bad page
                ...

`item.source` is a zip member's bytes or a folder's file left on disk (`ingest.ondisk.OnDisk`, read
when needed; `item.data` gives the bytes either way). Formats are read by backends registered in
`format_backends` (see ingest/backends.py).
"""
from __future__ import annotations

from ingest import docx_backend, images, pdf, xlsx_backend  # noqa: F401  (register the backends)
from ingest.backends import Opened, format_backends, settle
from ingest.members import Member, iter_members
from ingest.packages import PackageRef, find_batch_files, find_packages
from ingest.pages import RawPage
from ingest.sniff import detect_format
from ingest.watchdog import read_file

__all__ = [
    "Member",
    "Opened",
    "PackageRef",
    "RawPage",
    "detect_format",
    "find_batch_files",
    "find_packages",
    "format_backends",
    "iter_members",
    "read_file",
    "settle",
]
