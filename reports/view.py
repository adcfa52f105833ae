"""What a reviewer reads about one applicant, as plain data: the HTML and the Word report both draw it.

`applicant_view(report, rules, folder)` turns a `Report` (report.json) into an `ApplicantView`:
the header (name, ID, employer, specialty, verdict in words, counts by severity), the findings grouped by
severity with the notice's clauses quoted in full and their evidence crops (a PDF page's region in an earlier
revision paired with the same region as submitted: 修改前 / 现在), the declared-vs-found table of every field, the timeline, and the checklist of the materials the notice asks for. Every string here is
raw (OCR text included): the renderers escape it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.records import Evidence, Report, TimelineEvent
from reports.evidence import FOLDER, crop_name
from verify.calendar import CalendarUnknown, working_days
from verify.checks_conditions import REPORT_SECTION_ZH
from verify.checks_cross import DEGREE_ZH, DOC_ZH, EDUCATION_ZH, FIELD_ZH
from verify.checks_publicity import ITEM_ZH
from verify.checks_scope import KIND_ZH
from verify.rules import NoticeRules

SEVERITIES = ("block", "error", "warn", "info")
SEVERITY_ZH = {"block": "否决", "error": "错误", "warn": "提示复核", "info": "信息"}
VERDICT_ZH = {"eligible": "符合条件", "needs_review": "需人工复核", "ineligible": "不符合条件"}
REVISION_ZH = ("修改前", "现在")  # a PDF page's region in its earlier revision and as submitted, side by side
FIELD_LABELS = FIELD_ZH
WORDS_ZH = {"publicity_items": ITEM_ZH, "report_sections": REPORT_SECTION_ZH}  # list fields of coded words
DATE_FIELDS = ("birth_date", "graduation_date", "work_start_date", "technician_date", "probation_end_date",
               "submission_date", "publicity_start", "publicity_end", "opinion_date")
# a document type → the rule that reports it absent (EVID.MISSING names the type in `field`)
MISSING_RULES = {"work_report": "WORK.REPORT_MISSING", "unit_opinion": "OPINION.MISSING",
                 "publicity_record": "PUB.MISSING", "publicity_photo": "PUB.PHOTO_MISSING",
                 "ce_certificate": "CE.MISSING"}
# the materials the notice asks for, in the order a clerk binds them: (types that count, label, clause)
MATERIALS = (
    (("review_form",), "专业技术职务任职资格评审表", "四(三)"),
    (("summary_table",), "专业技术人员申报汇总表", "四(三)"),
    (("id_card",), "居民身份证", "二(二)2"),
    (("diploma", "degree_certificate", "chsi_report"), "毕业证书、学位证书或学历电子注册备案表", "三(二)"),
    (("probation",), "见习期满考核表（本科）", "三(三)(2)"),
    (("appointment",), "技术员聘任文件", "三(三)(3)(4)"),
    (("appraisal",), "年度考核表", "三(五)"),
    (("ce_certificate",), "继续教育证明", "三(六)"),
    (("work_report",), "专业技术工作总结", "三(四)"),
    (("unit_opinion",), "单位鉴定意见", "四(二)"),
    (("publicity_record",), "三公示纪实表（公示原件）", "五(一)"),
    (("publicity_photo",), "公示现场照片", "五(一)"),
    (("commitment", "review_form"), "申报人及单位“双承诺”", "五(二)"),
)


@dataclass
class EvidenceView:
    file: str
    page: int | None
    text: str | None
    confidence: float | None
    crop: str | None  # path relative to the report's folder, when the crop exists
    low: bool  # read below the rules' confidence threshold
    revision: int | None = None  # the page as it stood in this earlier revision of the file (Evidence.revision)
    label: str | None = None  # 修改前 / 现在, in a pair of revisions shown side by side

    @property
    def where(self) -> str:
        where = f"{self.file} 第{self.page}页" if self.page else self.file
        if self.revision:
            where += "（首次保存时）" if self.revision == 1 else f"（第{self.revision}次保存时）"
        return where


@dataclass
class FindingView:
    rule: str
    severity: str
    severity_zh: str
    field: str | None
    field_zh: str | None
    message: str
    clauses: list[tuple[str, str]]  # (code, the notice's words)
    evidence: list[EvidenceView]
    revisions: list[tuple[EvidenceView, EvidenceView]] = field(default_factory=list)  # (earlier, current) regions


@dataclass
class FieldRow:
    name: str
    label: str
    declared: str
    found: str
    differs: bool
    low: bool  # the found value was read below the threshold
    confidence: float | None
    declared_in: str
    found_in: str
    note: str | None
    evidence: list[EvidenceView]
    anchor: str  # id of the row, for links from findings


@dataclass
class MaterialRow:
    label: str
    clause: str
    status: str  # present / missing / not_seen
    status_zh: str
    pages: list[str]
    rule: str | None  # the finding that reports it missing


@dataclass
class TimelineRow:
    date: str  # as shown: 2024年11月27日 / 2023年度
    label: str
    source: str  # found / declared / notice
    source_zh: str
    weak: bool
    where: str
    evidence: list[EvidenceView]


@dataclass
class PublicityView:
    start: dt.date
    end: dt.date
    working_days: int | None  # None: the year's holiday schedule is unknown
    minimum: int
    window: tuple[dt.date, dt.date]
    submission: dt.date | None


@dataclass
class ApplicantView:
    key: str
    name: str
    id_number: str
    employer: str
    specialty: str
    verdict: str
    verdict_zh: str
    counts: dict[str, int]
    findings: dict[str, list[FindingView]]  # severity → findings, in SEVERITIES order
    fields: list[FieldRow]
    timeline: list[TimelineRow]
    events: list[TimelineEvent]
    publicity: PublicityView | None
    materials: list[MaterialRow]
    notice: str
    title: str
    top: FindingView | None = None
    files_failed: list[str] = field(default_factory=list)

    @property
    def all_findings(self) -> list[FindingView]:
        return [f for s in SEVERITIES for f in self.findings.get(s, [])]


def show(name: str, value) -> str:
    """A normalised value as a reviewer reads it."""
    if value is None or value == "":
        return "—"
    if name in DATE_FIELDS or name == "photo_taken":
        return zh_date(str(value))
    if name == "education":
        return EDUCATION_ZH.get(value, str(value))
    if name == "degree":
        return DEGREE_ZH.get(value, str(value))
    if name == "employer_type":
        return KIND_ZH.get(value, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "appraisals" and isinstance(value, dict):
        return "；".join(f"{y}年度 {g}" for y, g in sorted(value.items())) or "（无）"
    if name == "ce_hours" and isinstance(value, dict):
        return "；".join(f"{y}年 {h:g}学时" if isinstance(h, (int, float)) else f"{y}年 {h}"
                        for y, h in sorted(value.items())) or "（无）"
    if isinstance(value, dict):
        return "；".join(f"{k}：{show(name, v)}" for k, v in value.items())
    if name in WORDS_ZH and isinstance(value, (list, tuple)):
        return "、".join(WORDS_ZH[name].get(v, str(v)) for v in value) or "（无）"
    if isinstance(value, (list, tuple)):
        return "、".join(show(name, v) for v in value) or "（无）"
    return str(value)


def zh_date(text: str) -> str:
    """2024-11-27 → 2024年11月27日, 2024-11 → 2024年11月, 2023 → 2023年; anything else unchanged."""
    parts = text[:10].split("-")
    if not all(p.isdigit() for p in parts) or not 1 <= len(parts) <= 3:
        return text
    out = f"{int(parts[0])}年"
    if len(parts) > 1:
        out += f"{int(parts[1])}月"
    if len(parts) > 2:
        out += f"{int(parts[2])}日"
    return out + (f" {text[11:19]}" if len(text) > 11 and text[10] in " T" else "")


def _evidence(items, folder: Path | None, threshold: float, limit: int = 4) -> list[EvidenceView]:
    return [_evidence_view(ev, folder, threshold) for ev in list(items)[:limit]]


def _evidence_view(ev: Evidence, folder: Path | None, threshold: float, label: str | None = None) -> EvidenceView:
    name = crop_name(ev)
    crop = f"{FOLDER}/{name}" if name and folder is not None and (folder / FOLDER / name).exists() else None
    return EvidenceView(file=ev.file, page=ev.page, text=ev.text, confidence=ev.confidence, crop=crop,
                        low=ev.confidence is not None and ev.confidence < threshold, revision=ev.revision, label=label)


def _revision_pairs(items: list[Evidence]) -> tuple[list[tuple[Evidence, Evidence]], list[Evidence]]:
    """(earlier, current) for each evidence item of an earlier revision of a page whose current region is
    also evidence (the same file, page and box: FRAUD.PDF_EDITED), and the items left over."""
    current = {(e.file, e.page, e.bbox): e for e in items if e.revision is None}
    pairs = [(e, current[(e.file, e.page, e.bbox)]) for e in items
             if e.revision is not None and (e.file, e.page, e.bbox) in current]
    paired = {id(e) for pair in pairs for e in pair}
    return pairs, [e for e in items if id(e) not in paired]


def _finding_view(f, rules: NoticeRules, folder: Path | None) -> FindingView:
    threshold = rules.ocr_low_confidence
    pairs, single = _revision_pairs(list(f.evidence)[:6])
    return FindingView(
        rule=f.rule, severity=f.severity, severity_zh=SEVERITY_ZH.get(f.severity, f.severity), field=f.field,
        field_zh=FIELD_LABELS.get(f.field or "", DOC_ZH.get(f.field or "", f.field)) if f.field else None,
        message=f.message, clauses=rules.clause_texts(f.clause), evidence=_evidence(single, folder, threshold, 6),
        revisions=[(_evidence_view(before, folder, threshold, REVISION_ZH[0]),
                    _evidence_view(now, folder, threshold, REVISION_ZH[1])) for before, now in pairs],
    )


def _same(name: str, declared, found) -> bool:
    if declared is None or found is None:
        return True  # nothing to compare: not a difference (an absent value shows as —)
    if name in DATE_FIELDS:  # at the precision both have
        a, b = str(declared), str(found)
        n = min(len(a), len(b))
        return a[:n] == b[:n]
    if isinstance(declared, dict) and isinstance(found, dict):
        return all(found.get(k) == v for k, v in declared.items() if k in found)
    return declared == found


def _field_rows(report: Report, rules: NoticeRules, folder: Path | None) -> list[FieldRow]:
    rows = []
    for name, rep in report.fields.items():
        low = rep.found is not None and rep.confidence is not None and rep.confidence < rules.ocr_low_confidence
        found_in = "、".join(DOC_ZH.get(d, d) for d in rep.found_in)
        rows.append(FieldRow(
            name=name, label=FIELD_LABELS.get(name, name), declared=show(name, rep.declared), found=show(name, rep.found),
            differs=not _same(name, rep.declared, rep.found), low=low, confidence=rep.confidence,
            declared_in=DOC_ZH.get(rep.declared_in or "", rep.declared_in or ""), found_in=found_in, note=rep.note,
            evidence=_evidence(rep.evidence, folder, rules.ocr_low_confidence, limit=3), anchor=f"field-{name}",
        ))
    return rows


def _materials(report: Report, rules: NoticeRules) -> list[MaterialRow]:
    pages: dict[str, list[str]] = {}
    for d in report.documents:
        pages.setdefault(d.type, []).append(f"{d.file} 第{d.page}页")
    missing = {f.field for f in report.findings if f.rule == "EVID.MISSING" and f.field}
    missing |= {t for t, rule in MISSING_RULES.items() if any(f.rule == rule for f in report.findings)}
    declared_in_summary = any(rep.declared_in == "summary_table" for rep in report.fields.values())
    rows = []
    for types, label, clause in MATERIALS:
        found = [p for t in types for p in pages.get(t, [])]
        if types == ("summary_table",) and not found and declared_in_summary:
            found = ["批次汇总表（与申报包同批提交）"]
        if types[0] == "commitment" and not pages.get("commitment"):  # the review form's 双承诺 section counts
            found = [] if "commitment" in missing else pages.get("review_form", [])
        rule = next((f.rule for f in report.findings if (f.rule == "EVID.MISSING" and f.field in types)
                     or f.rule == MISSING_RULES.get(types[0])), None)
        if found:
            status, status_zh = "present", "已提交"
        elif any(t in missing for t in types):
            status, status_zh = "missing", "缺少"
        else:
            status, status_zh = "not_seen", "未见（本人不需要或不适用）"
        rows.append(MaterialRow(label=label, clause=clause, status=status, status_zh=status_zh,
                                pages=found[:8] + ([f"等共{len(found)}页"] if len(found) > 8 else []), rule=rule))
    return rows


def _timeline(report: Report, rules: NoticeRules, folder: Path | None) -> list[TimelineRow]:
    rows = []
    for e in report.timeline:
        date = f"{e.date}年度" if e.kind == "appraisal" else zh_date(e.date + (f" {e.time}" if e.time else ""))
        where = "通知" if e.source == "notice" else DOC_ZH.get(e.document or "", e.document or "")
        rows.append(TimelineRow(date=date, label=e.label, source=e.source,
                                source_zh={"found": "材料所示", "declared": "申报填写", "notice": "通知规定"}[e.source],
                                weak=e.weak, where=where, evidence=_evidence(e.evidence, folder, rules.ocr_low_confidence, 1)))
    return rows


def _day(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _publicity(report: Report, rules: NoticeRules) -> PublicityView | None:
    def pick(name):
        rep = report.fields.get(name)
        if rep is None:
            return None
        return _day(rep.found) or _day(rep.declared)

    start, end = pick("publicity_start"), pick("publicity_end")
    if start is None or end is None or end < start or (end - start).days > 120:
        return None
    try:
        days = working_days(start, end, first_day_counts=rules.publicity_first_day_counts)
    except CalendarUnknown:
        days = None
    return PublicityView(start=start, end=end, working_days=days, minimum=rules.publicity_min_working_days,
                         window=rules.submission_window, submission=pick("submission_date"))


def _text(report: Report, name: str) -> str:
    rep = report.fields.get(name)
    if rep is None:
        return "—"
    return show(name, rep.found if rep.found is not None else rep.declared)


def applicant_view(report: Report, rules: NoticeRules, folder: Path | None = None) -> ApplicantView:
    """The view of `report`; `folder` is the applicant's output folder (crops are looked up there)."""
    grouped = {s: [] for s in SEVERITIES}
    for f in report.findings:
        grouped.setdefault(f.severity, []).append(_finding_view(f, rules, folder))
    counts = Counter(f.severity for f in report.findings)
    view = ApplicantView(
        key=report.applicant, name=_text(report, "name"), id_number=_text(report, "id_number"),
        employer=_text(report, "employer"), specialty=_text(report, "specialty"), verdict=report.verdict,
        verdict_zh=VERDICT_ZH[report.verdict], counts={s: counts.get(s, 0) for s in SEVERITIES},
        findings=grouped, fields=_field_rows(report, rules, folder), timeline=_timeline(report, rules, folder),
        events=list(report.timeline), publicity=_publicity(report, rules), materials=_materials(report, rules),
        notice=rules.notice, title=rules.title,
        files_failed=[f.path for f in report.files if f.status != "ok"],
    )
    view.top = next(iter(view.all_findings), None)
    return view
