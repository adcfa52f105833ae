"""Writes the outputs of ../shared/spec/interface.md: per applicant report.json, report.html and
report.docx (evidence crops come from the pipeline: reports.evidence); per batch batch.json, summary.xlsx
and index.html. A report that cannot be drawn leaves report.json standing and is logged."""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from core.records import Dossier, DocumentEntry, Finding, Report, TimelineEvent, Verdict
from reports.docx_report import write_docx
from reports.html import render_index_html, render_report_html
from reports.summary import write_summary
from reports.view import applicant_view
from verify.rules import NoticeRules, load_rules

log = logging.getLogger("dossier.reports")


def build_report(
    dossier: Dossier, findings: Sequence[Finding], verdict: Verdict, timeline: Sequence[TimelineEvent] = ()
) -> Report:
    """The report of one applicant: one `documents` entry per page, in file and page order."""
    entries = [
        DocumentEntry(file=doc.file, page=page, type=doc.type, sha256=doc.sha256)
        for doc in dossier.documents
        for page in doc.pages
    ]
    entries.sort(key=lambda e: (e.file, e.page))
    return Report(
        applicant=dossier.applicant,
        verdict=verdict,
        fields=dict(dossier.fields),
        findings=tuple(findings),
        documents=tuple(entries),
        files=dossier.files,
        timeline=tuple(TimelineEvent.model_validate(e.model_dump()) for e in timeline),
    )


def write_report(report: Report, out: Path, rules: NoticeRules | None = None) -> Path:
    """OUT/<key>/report.json, then the reviewer's report.html from it (crops already in evidence/).

    A failure while drawing the HTML leaves report.json written and is logged with the reason."""
    folder = out / report.applicant
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.json"
    path.write_text(_dump(report.model_dump(mode="json")), encoding="utf-8")
    rules = rules or load_rules()
    try:
        view = applicant_view(report, rules, folder)
        (folder / "report.html").write_text(render_report_html(view), encoding="utf-8")
        try:  # its own try: a failed Word report keeps the HTML
            _write_docx(view, report, rules, folder)
        except Exception as exc:
            log.exception("cannot write report.docx of %s: %s", report.applicant, exc)
    except Exception as exc:  # the JSON report stands; the reviewer sees the problem in the log and index
        log.exception("cannot write the reports of %s: %s", report.applicant, exc)
    return path


DOCX_KIND = "docx"


def _write_docx(view, report: Report, rules: NoticeRules, folder: Path) -> None:
    """report.docx, from the OCR cache's folder when the same report was drawn before with the same
    rules, crops and code (python-docx took ~0.5 s a report: most of a re-run of an unchanged batch)."""
    from extract.ocr import cache as store

    path = folder / "report.docx"
    cache = store.current()
    key = _docx_key(report, rules, folder) if cache is not None else None
    drawn = cache.get(DOCX_KIND, key) if key is not None else None
    if drawn is not None:
        part = path.with_name(path.name + ".part")
        part.write_bytes(drawn)
        part.replace(path)
        return
    write_docx(view, path, folder)
    if key is not None:
        cache.put(DOCX_KIND, key, path.read_bytes())


def _docx_key(report: Report, rules: NoticeRules, folder: Path) -> str:
    """What a Word report is drawn from: the report, the rules, the crops in its evidence folder (their
    bytes are embedded) and the installed code and libraries."""
    import hashlib

    from extract.ocr.cache import installed_code_version

    crops = sorted((p.name, hashlib.sha256(p.read_bytes()).hexdigest())
                   for p in (folder / "evidence").glob("*") if p.is_file())
    parts = [DOCX_KIND, report.model_dump_json(), rules.model_dump_json(), crops, installed_code_version()]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def write_batch(
    reports: Sequence[Report], out: Path, *, rules: str | NoticeRules, batch_files: Sequence[dict] = ()
) -> None:
    """batch.json and a plain index.html (one row per applicant).

    `batch_files` are the files at the top of the batch (a unit's 汇总表), with their types.
    """
    out.mkdir(parents=True, exist_ok=True)
    batch = {
        "applicants": [r.model_dump(mode="json") for r in reports],
        "rules": rules if isinstance(rules, str) else rules.id,
        "batch_files": list(batch_files),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (out / "batch.json").write_text(_dump(batch), encoding="utf-8")
    notice = rules if isinstance(rules, NoticeRules) else load_rules()
    try:  # before index.html, and on its own: neither depends on the other
        write_summary(reports, out / "summary.xlsx")
    except Exception as exc:
        log.exception("cannot write summary.xlsx: %s", exc)
    (out / "index.html").write_text(render_index_html(reports, notice, batch_files), encoding="utf-8")


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
