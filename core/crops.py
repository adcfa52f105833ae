"""Where an evidence item's picture lives: OUT/<key>/evidence/<crop_name(evidence)>.

Shared by the stages that write pictures (reports.evidence cuts regions from pages; verify.batch_images
keeps reduced pages for the checks across applicants) and the reports that show them.
"""
from __future__ import annotations

import hashlib

from core.records import Evidence

FOLDER = "evidence"


def crop_name(ev: Evidence) -> str | None:
    """The file name (inside `evidence/`) of `ev`'s picture — of the whole page, reduced, when the evidence
    names a page but no region (a photo's capture time, a page missing a signature); None without a page.
    An earlier revision of the page (`ev.revision`) has a picture of its own."""
    if ev.page is None:
        return None
    where = "page" if ev.bbox is None else ",".join(f"{v:.1f}" for v in ev.bbox)
    key = f"{ev.file}|{ev.page}|{where}" + (f"|r{ev.revision}" if ev.revision else "")
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16] + ".jpg"
