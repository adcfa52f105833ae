"""report.html (one applicant) and index.html (the batch), drawn with Jinja2 from reports.view.

Autoescaping is on for every value: OCR text is untrusted input (a document may say <script>). The
pages ask for nothing over the network (a Content-Security-Policy says so to the browser); evidence
crops are files in the sibling folder evidence/, referenced relatively, so a report folder works from a
USB stick or an e-mail attachment.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from core.records import Report
from reports.chart import career_svg, days_svg
from reports.view import SEVERITIES, SEVERITY_ZH, VERDICT_ZH, ApplicantView, zh_date
from verify import BATCH_RULES  # findings across applicants: listed once
from verify.rules import NoticeRules

TEMPLATES = Path(__file__).with_name("templates")



@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def _now() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def render_report_html(view: ApplicantView) -> str:
    birth = next((e for e in view.events if e.kind == "birth"), None)
    return environment().get_template("report.html.j2").render(
        v=view, severities=SEVERITIES, severity_zh=SEVERITY_ZH, field_names={r.name for r in view.fields},
        career_svg=Markup(career_svg(view.events)), days_svg=Markup(days_svg(view.publicity)),
        birth=zh_date(birth.date) if birth else None, generated=_now(),
    )


def _name(report: Report) -> str:
    rep = report.fields.get("name")
    if rep is None:
        return ""
    return str(rep.found or rep.declared or "")


def render_index_html(reports: Sequence[Report], rules: NoticeRules, batch_files: Sequence[dict] = ()) -> str:
    rows, batch_level, seen = [], [], set()
    for r in reports:
        counts = Counter(f.severity for f in r.findings)
        top = next((f for s in SEVERITIES for f in r.findings if f.severity == s), None)
        rows.append(dict(key=r.applicant, name=_name(r), verdict=r.verdict, verdict_zh=VERDICT_ZH[r.verdict],
                         counts=[counts.get(s, 0) for s in SEVERITIES], top=top,
                         link=f"{r.applicant}/report.html"))
        for f in r.findings:
            if f.rule in BATCH_RULES and (f.rule, f.message) not in seen:
                seen.add((f.rule, f.message))
                batch_level.append(dict(rule=f.rule, message=f.message, applicant=r.applicant))
    verdicts = Counter(r.verdict for r in reports)
    from verify.batch import emitted_batch_rules

    unchecked = sorted(BATCH_RULES - emitted_batch_rules())
    return environment().get_template("index.html.j2").render(
        rows=rows, severities=SEVERITIES, severity_zh=SEVERITY_ZH, title=rules.title, notice=rules.notice,
        verdicts=[(v, VERDICT_ZH[v], verdicts.get(v, 0)) for v in VERDICT_ZH], batch_level=batch_level,
        batch_files=list(batch_files), generated=_now(), unchecked=unchecked,
    )
