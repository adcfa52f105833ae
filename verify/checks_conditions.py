"""Checks of the qualification conditions: seniority 三(三), the work report 三(四), annual appraisals
三(五), continuing education 三(六) and the unit's appraisal opinion 四(二) (issue 4).

They read the merged fields (extract/merge.py) and, where one field holds several readings of unequal
quality (appraisal years, continuing-education years), each reading of `dossier.values` on its own, so
that one faint year does not hide the others. A value read below the rules' confidence threshold
decides nothing (OCR.LOW_CONFIDENCE sends it to a human) unless it equals the declared value; a `block`
is never fired on a count that unread or unproven years could still change, nor on a missing document
that may lie in an unrecognised page or an unreadable file. A deciding document that is absent entirely
(probation form, appointment letter, appraisal forms) is EVID.MISSING's, except where the absence is
the rule itself (WORK.REPORT_MISSING, OPINION.MISSING, CE.MISSING).
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.records import Dossier, Evidence, ExtractedValue, FieldReport, Finding
from verify.catalogue import finding
from verify.checks import check
from verify.facts import day as _day, has_document, month as _month, readings as _readings, value as _value, zh as _zh
from verify.rules import NoticeRules

EDUCATION_ZH = {"doctorate": "博士研究生", "master": "硕士研究生", "second_bachelor": "第二学士学位",
                "bachelor": "大学本科", "junior_college": "大学专科", "secondary": "中等职业学校",
                "below_secondary": "中专以下"}
SENIORITY_CLAUSE = {"bachelor": "三(三)(2)", "junior_college": "三(三)(3)", "secondary": "三(三)(4)"}
REPORT_SECTION_ZH = {"education": "本人学历学位", "work_history": "工作简历", "technical_work": "专业技术工作情况",
                     "tasks_and_honours": "主要工作任务及荣誉"}
TITLE_LINES = 5  # a document's title stands in the first lines of its page


def _undecided(message: str, *, field: str | None = None, evidence: Iterable[Evidence] = ()) -> Finding:
    return finding("CHECK.UNDECIDED", message, field=field, evidence=tuple(evidence)[:3])


def _education(dossier: Dossier, rules: NoticeRules) -> str | None:
    edu, _ = _value(dossier.fields.get("education"), rules)
    return edu if edu in EDUCATION_ZH else None


def _unreadable_files(dossier: Dossier) -> list[str]:
    """Files (or pages) that could not be read: a missing document may be in one of them."""
    return [f.path for f in dossier.files if f.status != "ok" or f.issues]


def _pages_titled(dossier: Dossier, doc_type: str) -> list[tuple[str, int]]:
    """Pages not classified as `doc_type` but unclassified or `other`, whose text carries one of the
    titles extract/doctypes.yaml gives `doc_type`: a document the classifier may have missed."""
    from extract.classify import load_doctypes, normalise_text

    titles = load_doctypes().types[doc_type].titles
    typed = {(d.file, p) for d in dossier.documents if d.type != "other" for p in d.pages}
    return [(p.file, p.page) for p in dossier.pages if (p.file, p.page) not in typed
            and any(t in normalise_text(line.text) for line in p.lines[:TITLE_LINES] for t in titles)]


def _missing_or_undecided(dossier: Dossier, doc_type: str, rule: str, what: str, clause: str,
                          field: str) -> list[Finding]:
    """`rule` when the dossier shows no `doc_type`; CHECK.UNDECIDED instead when the document may be in a
    page the classifier did not recognise or in a file that could not be read."""
    lookalikes = _pages_titled(dossier, doc_type)
    if lookalikes:
        where = "、".join(f"{f}第{p}页" for f, p in lookalikes[:3])
        return [_undecided(f"未识别出{what}，但{where}疑似{what}，请人工确认（{clause}）", field=field,
                           evidence=[Evidence(file=f, page=p) for f, p in lookalikes[:3]])]
    unreadable = _unreadable_files(dossier)
    if unreadable:
        return [_undecided(f"未见{what}；另有文件无法读取（{'、'.join(unreadable[:3])}），{what}可能在其中，请人工确认"
                           f"（{clause}）", field=field, evidence=[Evidence(file=f) for f in unreadable[:3]])]
    return [finding(rule, f"申报材料中未见{what}（{clause}）", field=field)]


# --- 三(三) seniority -----------------------------------------------------------------------------------

def _after(text, limit: dt.date) -> bool | None:
    """Whether an ISO day, or every day of an ISO month, lies after `limit`; None when a month straddles
    it or the text is no date."""
    d = _day(text)
    if d is not None:
        return d > limit
    ym = _month(text)
    if ym is None:
        return None
    if dt.date(*ym, 1) > limit:
        return True
    if dt.date(*ym, calendar.monthrange(*ym)[1]) <= limit:
        return False
    return None


def _unread(field: FieldReport | None) -> bool:
    """No reading of the field at all (OCR.LOW_CONFIDENCE speaks for a reading that is weak or illegible)."""
    return field is None or (field.found is None and field.confidence is None)


@check("conditions.probation", emits=("SEN.PROBATION", "CHECK.UNDECIDED"))
def probation(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SEN.PROBATION, bachelor path: the one-year 见习 is not over by the intake date, or its assessment
    was not passed. A missing probation document is EVID.MISSING's."""
    if _education(dossier, rules) != "bachelor" or not has_document(dossier, "probation"):
        return []
    clause = SENIORITY_CLAUSE["bachelor"]
    passed_f, end_f = dossier.fields.get("probation_passed"), dossier.fields.get("probation_end_date")
    passed, passed_ev = _value(passed_f, rules)
    end, end_ev = _value(end_f, rules)
    if passed is False:
        return [finding("SEN.PROBATION", f"见习期满考核结果为不合格，不符合“见习{rules.probation_years}年期满，经考核合格”的条件"
                        f"（{clause}）", field="probation_passed", evidence=passed_ev[:2])]
    intake = rules.intake_date
    late = _after(end, intake) if end is not None else False
    if late:
        return [finding("SEN.PROBATION", f"见习期至{_zh(end)}，到{_zh(intake)}（收受申报材料之日）尚未期满"
                        f"{rules.probation_years}年（{clause}）", field="probation_end_date", evidence=end_ev[:2])]
    if late is None:
        return [_undecided(f"见习期满时间“{_zh(end)}”无法确定是否在{_zh(intake)}（收受申报材料之日）前（{clause}）",
                           field="probation_end_date", evidence=end_ev[:2])]
    if passed is None and _unread(passed_f):  # a result that was never read: nobody else says so
        return [_undecided(f"见习期满考核表中未能读出考核结果，“经考核合格”无法判断（{clause}）", field="probation_passed",
                           evidence=end_ev[:1])]
    return []


@check("conditions.technician_date", emits=("SEN.TECHNICIAN_DATE", "CHECK.UNDECIDED"))
def technician_date(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SEN.TECHNICIAN_DATE, 大专 / 中专 path: appointed 技术员 after the cutoff, or no appointment at all
    (neither an appointment document nor a declared date)."""
    edu = _education(dossier, rules)
    cutoff = rules.technician_cutoffs.get(edu) if edu else None
    if cutoff is None:
        return []
    clause = SENIORITY_CLAUSE.get(edu, "三(三)")
    need = f"{EDUCATION_ZH[edu]}学历须于{_zh(cutoff)}前任技术员且聘任"
    fr = dossier.fields.get("technician_date")
    when, evidence = _value(fr, rules)
    if when is None:
        if not _unread(fr):
            return []  # read weakly or illegibly: OCR.LOW_CONFIDENCE shows it to a human
        if has_document(dossier, "appointment"):
            return [_undecided(f"技术员聘任文件中未能读出聘任时间，申报表也未填写；{need}，无法判断（{clause}）",
                               field="technician_date")]
        unreadable = _unreadable_files(dossier)
        if unreadable:
            return [_undecided(f"未见技术员聘任文件，申报表也未填写任技术员时间；另有文件无法读取（{'、'.join(unreadable[:3])}），"
                               f"聘任文件可能在其中；{need}（{clause}）", field="technician_date",
                               evidence=[Evidence(file=f) for f in unreadable[:3]])]
        return [finding("SEN.TECHNICIAN_DATE", f"未见技术员聘任文件，申报表也未填写任技术员时间；{need}（{clause}）",
                        field="technician_date")]
    after = _after(when, cutoff)
    if after is None:
        return [_undecided(f"任技术员时间“{_zh(when)}”无法确定是否在{_zh(cutoff)}前（{need}，{clause}）",
                           field="technician_date", evidence=evidence[:2])]
    if not after:
        return []
    return [finding("SEN.TECHNICIAN_DATE", f"{_zh(when)}起任技术员，晚于{_zh(cutoff)}；{need}（{clause}）",
                    field="technician_date", evidence=evidence[:2])]


# --- 三(五) annual appraisals ---------------------------------------------------------------------------

@dataclass
class Year:
    """What the evidence (and the form) says about one appraisal year."""

    year: int
    grade: str | None = None  # the confident grade, if the confident readings agree
    seen: bool = False  # an evidence document shows the year
    unread: bool = False  # shown, but no confident reading of its grade
    conflict: bool = False  # confident readings of different grades (DOC.INCONSISTENT)
    declared: str | None = None  # the review form's grade for the year
    evidence: list[Evidence] = field(default_factory=list)

    def qualifies(self, rules: NoticeRules) -> bool:
        return self.grade in rules.appraisal_passing

    def could_qualify(self, rules: NoticeRules) -> bool:
        """Not proven, but unread or disagreeing evidence, or the form alone, could make it qualifying."""
        if self.grade is not None:
            return False
        return self.unread or self.conflict or (not self.seen and self.declared in rules.appraisal_passing)


def _by_year(v: ExtractedValue) -> list[tuple[int, object]]:
    """The (year, value) pairs of a year-keyed reading; keys that are no year are left out."""
    if not isinstance(v.value, dict):
        return []
    out = []
    for key, got in v.value.items():
        try:
            out.append((int(key), got))
        except (TypeError, ValueError):
            continue
    return out


def _years(dossier: Dossier, rules: NoticeRules) -> dict[int, Year]:
    """Per year: the grade its evidence shows when every confident reading agrees, else unread; and
    the grade the form declares."""
    out: dict[int, Year] = {}
    confident: dict[int, set[str]] = {}
    declared = sorted((v for v in dossier.values if v.field == "appraisals" and v.origin == "declared"),
                      key=lambda v: v.document != "review_form")  # the form before the 汇总表
    found = [v for v in dossier.values if v.field == "appraisals" and v.origin == "found"]
    for v in declared + found:
        for year, grade in _by_year(v):
            y = out.setdefault(year, Year(year))
            if v.origin == "declared":
                if y.declared is None and grade is not None:
                    y.declared = grade
                continue
            y.seen = True
            y.evidence.extend(v.evidence[:2])
            # a weak reading that lands on the grade the form declares is corroborated (facts.corroborated)
            if grade is not None and (v.confidence >= rules.ocr_low_confidence or grade == y.declared):
                confident.setdefault(year, set()).add(grade)
    for year, y in out.items():
        grades = confident.get(year, set())
        if len(grades) == 1:
            y.grade = next(iter(grades))
        elif len(grades) > 1:
            y.conflict = True
        elif y.seen:
            y.unread = True
    return out


def _employer_type(dossier: Dossier, rules: NoticeRules) -> tuple[str | None, tuple[Evidence, ...]]:
    """The employer_type field (evidence, else the form's 单位性质); else the kind the form names where it
    states that no appraisals are provided (非公有制经济组织人员，不提供年度考核材料), in the words of
    extract/declared_labels.yaml."""
    kind, evidence = _value(dossier.fields.get("employer_type"), rules)
    if kind is not None:
        return kind, evidence
    from extract.declared_grid import load_labels, norm

    for v in _readings(dossier, "appraisals", origin="declared"):
        if v.value != {}:
            continue
        said = norm(" ".join([*(e.text or "" for e in v.evidence), v.note or ""]))
        kind = next((k for word, k in load_labels().employer_types.items() if word in said), None)
        if kind is not None:
            return kind, v.evidence
    return None, ()


def _ev(years: Iterable[Year], limit: int = 4) -> tuple[Evidence, ...]:
    return tuple(e for y in years for e in y.evidence[:1])[:limit]


def _grade_list(years: Iterable[Year]) -> str:
    return "、".join(f"{y.year}年度{y.grade}" for y in years if y.grade) or "无"


def _why_open(years: list[Year]) -> list[str]:
    """Why years that could still qualify are not settled, where OCR.LOW_CONFIDENCE does not say it."""
    reasons = []
    claimed = [y.year for y in years if not y.seen]
    conflict = [y.year for y in years if y.conflict]
    if claimed:
        reasons.append(f"{'、'.join(map(str, claimed))}年度仅申报表填报考核合格，未见该年度考核材料")
    if conflict:
        reasons.append(f"{'、'.join(map(str, conflict))}年度多份考核材料等次不一致")
    return reasons


@check("conditions.appraisals", emits=("APPR.COUNT", "APPR.RECENT", "CHECK.UNDECIDED"))
def appraisals(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """APPR.COUNT: fewer qualifying appraisals since the appointment than the education requires.
    APPR.RECENT: neither the application year nor the year before is rated qualifying.
    Employers exempt from appraisal materials (三(五) last paragraph) get neither."""
    kind, _ = _employer_type(dossier, rules)
    if kind in rules.appraisal_exempt_employer_types:
        return []
    years = _years(dossier, rules)
    if not any(y.seen for y in years.values()):
        if has_document(dossier, "appraisal"):
            return [_undecided("年度考核材料中未能读出考核年度和等次，考核条件无法判断（三(五)）", field="appraisals")]
        if kind is None:
            declared = sorted((y for y in years.values() if y.declared), key=lambda y: y.year)
            said = (f"申报表填报{'、'.join(f'{y.year}年度{y.declared}' for y in declared)}，但" if declared else "")
            return [_undecided(f"{said}未见年度考核材料；单位性质不明（非公经济组织、灵活就业人员、自由职业者可不提供年度"
                               f"考核材料），考核条件无法判断（三(五)）", field="appraisals")]
        return []  # an employer that must show appraisals shows none: EVID.MISSING (appraisal)
    return _count(dossier, rules, years) + _recent(rules, years)


def _count(dossier: Dossier, rules: NoticeRules, years: dict[int, Year]) -> list[Finding]:
    edu = _education(dossier, rules)
    if edu is not None and edu not in rules.appraisal_min_count:
        return []  # below the minimum education: EDU.BELOW_MIN
    levels = [edu] if edu is not None else list(rules.appraisal_min_count)
    need_low = min(rules.appraisal_min_count[e] for e in levels)
    need_high = max(rules.appraisal_min_count[e] for e in levels)
    tech, tech_ev = _value(dossier.fields.get("technician_date"), rules)
    since = _month(tech)[0] if _month(tech) else None
    tech_f = dossier.fields.get("technician_date")
    said = _month(tech_f.declared) if tech_f is not None else None
    if since is not None and said is not None and said[0] < since:
        # evidence and form disagree (DECL.MISMATCH): count from the earlier year, the applicant's benefit
        tech, tech_ev, since = tech_f.declared, tech_f.evidence[-1:], said[0]
    counted = [y for y in sorted(years.values(), key=lambda y: y.year) if since is None or y.year >= since]
    qualifying = [y for y in counted if y.qualifies(rules)]
    maybe = [y for y in counted if y.could_qualify(rules)]
    if len(qualifying) >= need_high:
        return []
    post = f"任现职（{_zh(tech)}聘任技术员）以来" if since else "任现职时间不明，按全部年度计算，"
    who = f"{EDUCATION_ZH[edu]}学历" if edu else "学历不明，"
    if len(qualifying) + len(maybe) >= need_low:
        # not proven short: unread or unproven years, or the unknown education, decide
        reasons = _why_open(maybe) + (["学历不明，所需次数无法确定"] if edu is None else [])
        if not reasons:
            return []  # only weakly read years decide: OCR.LOW_CONFIDENCE shows them to a human
        return [_undecided(f"{post}年度考核合格及以上{len(qualifying)}次（{_grade_list(qualifying)}），{who}须不少于"
                           f"{need_high}次；{'；'.join(reasons)}，考核次数条件无法判断（三(五)）", field="appraisals",
                           evidence=_ev(counted))]
    before = sorted((y for y in years.values() if since is not None and y.year < since and y.qualifies(rules)),
                    key=lambda y: y.year)
    note = f"；{'、'.join(str(y.year) for y in before)}年度在任现职之前，不计算" if before else ""
    return [finding("APPR.COUNT", f"{post}年度考核合格（或称职）及以上仅{len(qualifying)}次（{_grade_list(qualifying)}"
                    f"{note}），{who}须不少于{need_low}次（三(五)）", field="appraisals",
                    evidence=_ev(counted) + tuple(tech_ev[:1]))]


def _recent(rules: NoticeRules, years: dict[int, Year]) -> list[Finding]:
    recent = [years.get(y, Year(y)) for y in rules.appraisal_recent_years]
    if any(y.qualifies(rules) for y in recent):
        return []
    names = "或".join(f"{y}年度" for y in rules.appraisal_recent_years)
    maybe = [y for y in recent if y.could_qualify(rules)]
    if maybe:
        reasons = _why_open(maybe)
        if not reasons:
            return []  # a weakly read recent year: OCR.LOW_CONFIDENCE shows it to a human
        return [_undecided(f"{'；'.join(reasons)}；申报评审当年或上一年度（{names}）考核等次须为合格及以上，无法判断（三(五)）",
                           field="appraisals", evidence=_ev(recent))]
    shown = "，".join(f"{y.year}年度考核为{y.grade}" if y.grade else f"{y.year}年度仅申报表填报{y.declared}，无考核材料"
                     if y.declared else f"{y.year}年度无考核材料" for y in recent)
    return [finding("APPR.RECENT", f"{shown}；申报评审当年或上一年度考核等次须为合格及以上（三(五)）",
                    field="appraisals", evidence=_ev(recent))]


# --- 三(六) continuing education --------------------------------------------------------------------------

def _source(v: ExtractedValue) -> tuple:
    """The page a reading comes from: readings of one page are one certificate."""
    e = v.evidence[0] if v.evidence else None
    return (e.file, e.page) if e else (id(v),)


def _ce_years(dossier: Dossier, rules: NoticeRules) -> tuple[dict[int, tuple[float, list[ExtractedValue]]],
                                                               dict[int, list[ExtractedValue]]]:
    """(year → (hours, readings) settled, year → the weak readings of the other years).

    A reading is settled when read confidently, or weakly but equal to the hours the form declares for the
    year. Several certificates of one year (公需科目 and 专业科目 apart) add up; two readings of one
    page count once, the lower."""
    field = dossier.fields.get("ce_hours")
    declared = {str(k): h for k, h in field.declared.items()} if field and isinstance(field.declared, dict) else {}
    per_source: dict[int, dict[tuple, tuple[float, ExtractedValue]]] = {}
    weak: dict[int, list[ExtractedValue]] = {}
    for v in _readings(dossier, "ce_hours"):
        for year, hours in _by_year(v):
            try:
                hours = float(hours)
            except (TypeError, ValueError):
                weak.setdefault(year, []).append(v)
                continue
            said = declared.get(str(year))
            if v.confidence >= rules.ocr_low_confidence or (said is not None and float(said) == hours):
                got = per_source.setdefault(year, {})
                if _source(v) not in got or hours < got[_source(v)][0]:
                    got[_source(v)] = (hours, v)
            else:
                weak.setdefault(year, []).append(v)
    sure = {y: (sum(h for h, _ in got.values()), [v for _, v in got.values()]) for y, got in per_source.items()}
    return sure, {y: vs for y, vs in weak.items() if y not in sure}


def _hours(h: float) -> str:
    return str(int(h)) if float(h).is_integer() else f"{h:g}"


@check("conditions.continuing_education", emits=("CE.MISSING", "CE.HOURS", "CHECK.UNDECIDED"))
def continuing_education(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """CE.MISSING: no continuing-education evidence at all. CE.HOURS: a required year below the yearly
    hours (or with no certificate while other years have one)."""
    sure, weak = _ce_years(dossier, rules)
    if not sure and not weak:
        if has_document(dossier, "ce_certificate"):
            return [_undecided("继续教育证明中未能读出学时，继续教育条件无法判断（三(六)）", field="ce_hours")]
        declared = dossier.fields.get("ce_hours")
        said = "（申报表填报了学时，但无证明材料）" if declared is not None and declared.declared else ""
        unreadable = _unreadable_files(dossier)
        if unreadable:
            said += f"；另有文件无法读取（{'、'.join(unreadable[:3])}），证明可能在其中"
        return [finding("CE.MISSING", f"申报材料中未见继续教育证明{said}（三(六)）", field="ce_certificate")]
    per_year = rules.ce_hours_per_year
    if per_year is None:
        return []
    wanted = list(rules.ce_years) or sorted(set(sure) | set(weak))
    out: list[Finding] = []
    short = [(y, *sure[y]) for y in wanted if y in sure and sure[y][0] < per_year]
    for year, hours, vs in short:
        parts = f"（{len(vs)}份证明合计）" if len(vs) > 1 else ""
        out.append(finding("CE.HOURS", f"{year}年度继续教育{_hours(hours)}学时{parts}，不足每年{per_year}学时"
                           f"（三(六)，《专业技术人员继续教育规定》）", field="ce_hours",
                           evidence=tuple(e for v in vs for e in v.evidence[:2])[:4]))
    missing = [y for y in wanted if y not in sure and y not in weak]
    if missing:
        shown = "、".join(f"{y}年度" for y in sorted(sure))
        out.append(finding("CE.HOURS", f"未见{'、'.join(f'{y}年度' for y in missing)}继续教育学时证明（已见{shown}），"
                           f"每年须{per_year}学时（三(六)）", field="ce_hours"))
    faint = [y for y in wanted if y in weak]
    if faint:
        ev = tuple(e for y in faint for v in weak[y] for e in v.evidence[:1])
        out.append(_undecided(f"{'、'.join(f'{y}年度' for y in faint)}继续教育学时未能读清，请核对是否达到每年{per_year}学时"
                              f"（三(六)）", field="ce_hours", evidence=ev))
    return out


# --- 三(四) the work report; 四(二) the unit opinion ----------------------------------------------------------

@check("conditions.work_report", emits=("WORK.REPORT_MISSING", "WORK.REPORT_INCOMPLETE", "CHECK.UNDECIDED"))
def work_report(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """WORK.REPORT_MISSING: no professional technical work report. WORK.REPORT_INCOMPLETE: the report
    lacks one of the parts the notice lists."""
    present = dossier.fields.get("report_present")
    if not has_document(dossier, "work_report") and not (present is not None and present.found is True):
        return _missing_or_undecided(dossier, "work_report", "WORK.REPORT_MISSING", "专业技术工作总结报告", "三(四)",
                                     "work_report")
    got = _readings(dossier, "report_sections")
    if not got:
        return []
    found = {s for v in got for s in (v.value or ())}
    if not found:  # not one part recognised: the report was more likely not read than written without them
        return [_undecided("专业技术工作总结报告中未能识别出任何必备部分（本人学历学位、工作简历、专业技术工作情况、主要工作任务及"
                           "荣誉），请人工核对（三(四)）", field="work_report",
                           evidence=[Evidence(file=d.file, page=d.pages[0] if d.pages else None)
                                     for d in dossier.documents if d.type == "work_report"][:2])]
    lacking = [s for s in rules.report_sections if s not in found]
    if not lacking:
        return []
    names = "、".join(REPORT_SECTION_ZH.get(s, s) for s in lacking)
    return [finding("WORK.REPORT_INCOMPLETE", f"专业技术工作总结报告中未见{names}部分；报告应包括本人学历、学位、工作简历，"
                    f"所从事专业技术工作情况，完成的主要工作任务及取得的荣誉（三(四)）", field="work_report",
                    evidence=tuple(e for v in got for e in v.evidence[:4])[:4])]


@check("conditions.unit_opinion", emits=("OPINION.MISSING", "OPINION.NOT_ITEMIZED", "CHECK.UNDECIDED"))
def unit_opinion(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """OPINION.MISSING: no unit appraisal opinion. OPINION.NOT_ITEMIZED: the opinion does not state the
    conditions met item by item."""
    present = dossier.fields.get("opinion_present")
    if not has_document(dossier, "unit_opinion") and not (present is not None and present.found is True):
        return _missing_or_undecided(dossier, "unit_opinion", "OPINION.MISSING", "单位鉴定意见", "四(二)", "unit_opinion")
    got = _readings(dossier, "opinion_itemized")
    if not got or any(v.value is True for v in got):
        return []
    return [finding("OPINION.NOT_ITEMIZED", "单位鉴定意见未逐项说明申报人具备的申报条件（品德、学历、资历、业务能力、考核、"
                    "继续教育）；鉴定意见中要逐项说明具备的申报条件（四(二)）", field="unit_opinion",
                    evidence=tuple(e for v in got for e in v.evidence[:1])[:2])]
