"""Checks across the whole batch: the same scan in two dossiers, one work report copied from another.

A worker checks one package and forgets its bytes; what the batch-level checks need of it travels back
as a small `Fingerprint` (made by `fingerprint()` in the worker while the pages are still at hand):
perceptual hashes of every image page with a reduced copy of the page on disk (written next to the
applicant's evidence crops, so the reviewer's report can show it), the lines of the work summary report
with their places, and the unit seals seen. Once every package is done, `cross_check()` runs every
registered batch check over all fingerprints and returns the findings per applicant; the pipeline adds
them to the reports and sets the verdicts again.

A batch check is registered with `@batch_check(name, emits=(...))`; its rule IDs count as checked
(CHECK.INCOMPLETE stops naming them) once the check is registered.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from core.records import Dossier, Evidence, Finding, Record
from core.registry import Registry
from verify.catalogue import load_catalogue
from verify.rules import NoticeRules

log = logging.getLogger("dossier.verify")

REPORT_TYPES = ("work_report",)


class PagePrint(Record):
    """One image page of a dossier, as the duplicate-image check compares it."""

    file: str
    page: int
    doc_type: str  # the document type the page belongs to
    kind: str  # "photo" (a camera picture: EXIF, publicity photo) or "scan"
    width: int  # of the page image the pipeline read (pixels)
    height: int
    hashes: dict[str, str] = {}  # imagehash name → hex (phash, dhash, ...)
    thumb: str | None = None  # the reduced page, relative to the batch's OUT folder ("<key>/evidence/x.jpg")


class TextLine(Record):
    """One line of the work report, with its place (for the side-by-side view of copied passages)."""

    file: str
    page: int
    bbox: tuple[float, float, float, float] | None = None
    text: str


class SealPrint(Record):
    """One unit seal impression seen on a page: its region, and its ink normalised for the pasted-seal
    check (verify/seal_impression.py)."""

    file: str
    page: int
    bbox: tuple[float, float, float, float]
    doc_type: str
    ink: str = "red"  # "red", or "grey" on a grey copy
    ellipse: tuple[float, float, float, float, float] | None = None  # the rim: centre x, y, axes w, h, angle (page px)
    impression: str | None = None  # base64 PNG of the ink's strength on the rim mapped to a circle (seal_impression.encode)


class Fingerprint(Record):
    """What the batch-level checks know of one applicant."""

    applicant: str
    name: str | None = None  # the applicant's name (found, else declared), for messages
    employer: str | None = None
    pages: tuple[PagePrint, ...] = ()
    report: tuple[TextLine, ...] = ()  # the work summary report's lines, in reading order
    seals: tuple[SealPrint, ...] = ()


BatchCheck = Callable[[list[Fingerprint], NoticeRules, Path | None], dict[str, list[Finding]]]
batch_checks: Registry[BatchCheck] = Registry("batch check")

# Builders of a fingerprint's parts, registered by the modules that compare them:
# name → fn(dossier, images, folder, out) returning {"pages": [...]} / {"report": [...]} / {"seals": [...]}.
FingerprintPart = Callable[[Dossier, object, Path | None, Path | None], dict]
fingerprint_parts: Registry[FingerprintPart] = Registry("fingerprint part")


def batch_check(name: str, *, emits: tuple[str, ...], version: str = "1"):
    """Register a batch-level check; `fn(prints, rules, out)` → {applicant key: [findings]}."""

    def decorate(fn: BatchCheck) -> BatchCheck:
        unknown = [rule for rule in emits if rule not in load_catalogue().rules]
        if unknown:
            raise ValueError(f"batch check {name} emits unknown rule IDs {unknown}")
        fn.emits = emits  # type: ignore[attr-defined]
        return batch_checks.register(name, version=version)(fn)

    return decorate


def emitted_batch_rules() -> set[str]:
    return {rule for _, fn in batch_checks.items() for rule in fn.emits}


def _value(dossier: Dossier, name: str) -> str | None:
    """The applicant's own statement first (a copied document may show someone else's name), else the evidence."""
    rep = dossier.fields.get(name)
    if rep is None:
        return None
    got = rep.declared if rep.declared is not None else rep.found
    return str(got) if got is not None else None


def report_lines(dossier: Dossier) -> tuple[TextLine, ...]:
    """The lines of the dossier's work summary report(s), in page order, with their boxes."""
    pages = {(p.file, p.page): p for p in dossier.pages}
    out: list[TextLine] = []
    for doc in dossier.documents:
        if doc.type not in REPORT_TYPES:
            continue
        for number in doc.pages:
            page = pages.get((doc.file, number))
            if page is None:
                continue
            out.extend(TextLine(file=page.file, page=page.page, bbox=line.bbox, text=line.text)
                       for line in page.lines if line.text.strip())
    return tuple(out)


def fingerprint(dossier: Dossier, images=None, folder: Path | None = None, out: Path | None = None) -> Fingerprint:
    """The applicant's fingerprint. `images` is the extraction's MemberImages (pixels of the pages),
    `folder` the applicant's output folder (reduced pages are written to its evidence/), `out` the batch's
    OUT folder. A part that fails is left out and logged: the batch checks then see less, never crash."""
    parts: dict = {"report": report_lines(dossier)}
    for name, build in fingerprint_parts.items():
        try:
            for key, value in build(dossier, images, folder, out).items():
                parts[key] = tuple(parts.get(key, ())) + tuple(value)
        except Exception as exc:  # noqa: BLE001
            log.warning("fingerprint part %s failed for %s: %s", name, dossier.applicant, exc)
    return Fingerprint(applicant=dossier.applicant, name=_value(dossier, "name"),
                       employer=_value(dossier, "employer"), **parts)


def cross_check(prints: Iterable[Fingerprint], rules: NoticeRules, out: Path | None = None) -> dict[str, list[Finding]]:
    """Every batch check over every fingerprint: {applicant key: findings}. A check that fails is logged
    and its rules are reported undecided for nobody — the reports keep CHECK.INCOMPLETE's word."""
    prints = [p for p in prints if p is not None]
    found: dict[str, list[Finding]] = {}
    for name, fn in batch_checks.items():
        try:
            for key, findings in fn(prints, rules, out).items():
                found.setdefault(key, []).extend(findings)
        except Exception as exc:  # noqa: BLE001
            log.exception("batch check %s failed: %s", name, exc)
    return found


def evidence_of(line: TextLine) -> Evidence:
    return Evidence(file=line.file, page=line.page, bbox=line.bbox, text=line.text)
