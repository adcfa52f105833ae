"""Writes the outputs of ../shared/spec/interface.md (report.json, batch.json, index.html)."""
from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from core.records import Dossier, DocumentEntry, Finding, Report, Verdict

SEVERITIES = ("block", "error", "warn", "info")
VERDICT_ZH = {"eligible": "符合条件", "needs_review": "需人工复核", "ineligible": "不符合条件"}


def build_report(dossier: Dossier, findings: Sequence[Finding], verdict: Verdict) -> Report:
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
    )


def write_report(report: Report, out: Path) -> Path:
    folder = out / report.applicant
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.json"
    path.write_text(_dump(report.model_dump(mode="json")), encoding="utf-8")
    return path


def write_batch(
    reports: Sequence[Report], out: Path, *, rules: str, batch_files: Sequence[dict] = ()
) -> None:
    """batch.json and a plain index.html (one row per applicant).

    `batch_files` are the files at the top of the batch (a unit's 汇总表), with their types.
    """
    out.mkdir(parents=True, exist_ok=True)
    batch = {
        "applicants": [r.model_dump(mode="json") for r in reports],
        "rules": rules,
        "batch_files": list(batch_files),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (out / "batch.json").write_text(_dump(batch), encoding="utf-8")
    (out / "index.html").write_text(_index_html(reports), encoding="utf-8")


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def _index_html(reports: Sequence[Report]) -> str:
    rows = []
    for r in reports:
        counts = Counter(f.severity for f in r.findings)
        top = next((f for s in SEVERITIES for f in r.findings if f.severity == s), None)
        cells = [
            f'<a href="{html.escape(r.applicant)}/report.json">{html.escape(r.applicant)}</a>',
            f'<span class="{r.verdict}">{VERDICT_ZH[r.verdict]}</span>',
            *(str(counts.get(s, 0)) for s in SEVERITIES),
            html.escape(f"{top.rule}: {top.message}"[:200]) if top else "",
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>" for h in ("申报人", "结论", "block", "error", "warn", "info", "首要问题")
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>职称评审材料核查</title>
<style>body{{font-family:"Noto Sans CJK SC",sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:4px 8px}}.eligible{{color:#070}}.needs_review{{color:#a60}}
.ineligible{{color:#c00}}</style></head>
<body><h1>职称评审材料核查 — 批次总览</h1><table><thead><tr>{head}</tr></thead>
<tbody>{''.join(rows)}</tbody></table></body></html>
"""
