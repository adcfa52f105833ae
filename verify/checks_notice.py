"""Checks of single conditions of the notice that read one or two fields (issue 4, first part).

Each check takes the dossier's merged fields (extract/merge.py) and the notice's rules; it never
parses text. Messages are in Chinese, for the reviewer, and cite the clause.
"""
from __future__ import annotations

import datetime as dt

from core.records import Dossier, Evidence, FieldReport, Finding
from extract.values import id_checksum_ok
from verify.calendar import CalendarUnknown, working_days
from verify.catalogue import finding
from verify.checks import check
from verify.facts import day as _day, value as _value, zh as _zh
from verify.rules import NoticeRules


# GB/T 2260 province-level codes (the first two digits of every resident ID since 1984; 83 for the residence
# permits of Taiwan residents). Finer area codes change with every redistricting and old ones stay on IDs:
# only the province is certain enough to judge.
PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
             "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"}


@check("notice.id_number", emits=("ID.INVALID",))
def id_number(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """ID.INVALID: an 18-character resident ID that fails GB 11643 (check digit, embedded birth date,
    sex digit against the sex shown)."""
    out = []
    sex, _ = _value(dossier.fields.get("sex"), rules)
    for side in ("found", "declared"):
        field = dossier.fields.get("id_number")
        number = getattr(field, side) if field else None
        if not isinstance(number, str) or len(number) != 18:
            continue
        problems = []
        if not id_checksum_ok(number):
            problems.append("校验码不符")
        try:
            dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            problems.append(f"出生日期{number[6:14]}不存在")
        if number[:2].isdigit() and number[:2] not in PROVINCES:
            problems.append(f"前两位{number[:2]}不是任何省级行政区代码")
        if number[16].isdigit() and sex in ("男", "女") and ("男" if int(number[16]) % 2 else "女") != sex:
            problems.append(f"性别码与性别“{sex}”不符")
        if problems:
            where = "证件所示" if side == "found" else "申报填写"
            out.append(finding("ID.INVALID", f"{where}身份证号{number}不符合GB 11643：{'；'.join(problems)}",
                               field="id_number", evidence=field.evidence[:2]))
            break  # the same number on both sides is one finding
    return out


@check("notice.specialty", emits=("SCOPE.SPECIALTY",))
def specialty_in_scope(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SCOPE.SPECIALTY: the specialty applied for (as declared, else as the evidence shows) is not in
    the notice's list."""
    value, evidence = _value(dossier.fields.get("specialty"), rules, prefer="declared")
    if value is None or value in rules.specialty_names:
        return []
    series = "、".join(rules.specialties)
    return [finding("SCOPE.SPECIALTY", f"申报专业“{value}”不在本次评审专业范围（{series}）内，不予受理（二(三)）",
                    field="specialty", evidence=evidence[:2])]


@check("notice.submission_window", emits=("SUBMIT.WINDOW",))
def submission_window(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SUBMIT.WINDOW: the materials are dated outside the submission window."""
    value, evidence = _value(dossier.fields.get("submission_date"), rules)
    day = _day(value)
    first, last = rules.submission_window
    if day is None or first <= day <= last:
        return []
    return [finding("SUBMIT.WINDOW", f"申报材料日期{_zh(day)}不在报送时间{_zh(first)}至{_zh(last)}内（五(三)）",
                    field="submission_date", evidence=evidence[:2])]


@check("notice.publicity_duration", emits=("PUB.DURATION", "CHECK.UNDECIDED"))
def publicity_duration(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """PUB.DURATION: the publicity period has fewer working days than the notice requires (official
    holidays and adjusted working days counted)."""
    start_f, end_f = dossier.fields.get("publicity_start"), dossier.fields.get("publicity_end")
    start, start_ev = _value(start_f, rules)
    end, end_ev = _value(end_f, rules)
    start, end = _day(start), _day(end)
    if start is None or end is None:
        return []
    evidence: tuple[Evidence, ...] = tuple(start_ev[:1]) + tuple(end_ev[:1])
    try:
        days = working_days(start, end, first_day_counts=rules.publicity_first_day_counts)
    except CalendarUnknown as exc:
        return [finding("CHECK.UNDECIDED", f"公示期{_zh(start)}至{_zh(end)}的工作日无法计算：{exc}", field="publicity_start",
                        evidence=evidence)]
    if days >= rules.publicity_min_working_days:
        return []
    return [finding("PUB.DURATION", f"公示期{_zh(start)}至{_zh(end)}，仅{days}个工作日，不足"
                    f"{rules.publicity_min_working_days}个工作日（五(一)）", field="publicity_start", evidence=evidence)]
