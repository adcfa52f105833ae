"""Who may apply, and with what education: the scope of the notice 二(二), the specialty against the work
二(三), and the education requirement 三(二) (issue 4).

SCOPE.RETIRED, SCOPE.CIVIL_SERVANT, SCOPE.DISCIPLINE, SCOPE.SPECIALTY_MISMATCH, EDU.BELOW_MIN and
EDU.MAJOR_UNRELATED. Every date, list and threshold comes from the rules file. A value read below the
rules' confidence threshold decides nothing; where the evidence leaves the answer open (a woman whose
retirement category is unknown, an employer whose kind its name does not settle, a sanction whose period
cannot be read) the check says CHECK.UNDECIDED and why, never a `block`.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from difflib import SequenceMatcher

from core.records import Dossier, Evidence, ExtractedValue, Finding
from extract.lexicon import load_lexicon
from verify.catalogue import finding
from verify.checks import check
from verify.facts import day as _day, evidence_of, month as _month, readings as _readings
from verify.facts import value as _value, zh as _zh
from verify.rules import EDUCATION_LEVELS, NoticeRules, Retirement

EDUCATION_ZH = {"doctorate": "博士研究生", "master": "硕士研究生", "second_bachelor": "第二学士学位",
                "bachelor": "大学本科", "junior_college": "大学专科", "secondary": "中专（中等职业学校）",
                "below_secondary": "中专以下（高中、初中等）"}


def _undecided(message: str, *, field: str | None = None, evidence: Iterable[Evidence] = ()) -> Finding:
    return finding("CHECK.UNDECIDED", message, field=field, evidence=tuple(evidence)[:3])


def _trusted_readings(dossier: Dossier, name: str, rules: NoticeRules) -> list[ExtractedValue]:
    """The found readings of `name` that may decide: read at or above the threshold. (Agreement with the
    declaration vouches only for dates, verify/facts.corroborated; these fields are not dates.)"""
    return [v for v in _readings(dossier, name) if v.confidence >= rules.ocr_low_confidence]


# --- SCOPE.RETIRED 二(二)2 ---------------------------------------------------------------------------

def _add_months(year: int, month0: int, months: int) -> tuple[int, int]:
    """(year, 0-based month) plus `months`."""
    y, m = divmod(year * 12 + month0 + months, 12)
    return y, m


def retirement_age_months(birth_year: int, birth_month: int, category: str, retirement: Retirement,
                          reference: dt.date) -> int:
    """The statutory retirement age, in months, of a person of `category` (男 / 女干部 / 女工人) born in
    that month, by the law in force on `reference`: the old age before `reform_start`; from it the
    gradual increase, delay = 0 if k < 0 else min(cap, k // step + 1), k = (birth_year − base)·12 +
    (birth_month − 1)."""
    months = retirement.old_age[category] * 12
    reform = retirement.reform.get(category)
    if reference >= retirement.reform_start and reform is not None:
        k = (birth_year - reform.base) * 12 + (birth_month - 1)
        months += 0 if k < 0 else min(reform.cap, k // reform.step + 1)
    return months


def retirement_month(birth_year: int, birth_month: int, category: str, retirement: Retirement,
                     reference: dt.date) -> tuple[int, int]:
    """(year, month) in which the person reaches the statutory retirement age (and retires): the birth
    month plus the age. Man born 1965-01 → (2025, 2) under the reform; 1965-12 → (2026, 3)."""
    age = retirement_age_months(birth_year, birth_month, category, retirement, reference)
    y, m0 = _add_months(birth_year, birth_month - 1, age)
    return y, m0 + 1


def retirement_day(birth: dt.date, category: str, retirement: Retirement, reference: dt.date) -> dt.date:
    """The day the person reaches the statutory retirement age (the birthday in the retirement month;
    the month's last day for a birthday the month lacks, 29 February)."""
    y, m = retirement_month(birth.year, birth.month, category, retirement, reference)
    return dt.date(y, m, min(birth.day, calendar.monthrange(y, m)[1]))


def retired_on(birth: str, category: str, retirement: Retirement, reference: dt.date) -> bool | None:
    """Whether a person born on `birth` (ISO day, or month) is at or over the statutory retirement age on
    `reference`; None when only the birth month is known and the age is reached in the reference month."""
    if (d := _day(birth)) is not None:
        return reference >= retirement_day(d, category, retirement, reference)
    ym = _month(birth)
    if ym is None:
        return None
    reached = retirement_month(ym[0], ym[1], category, retirement, reference)
    if reached == (reference.year, reference.month):
        return None
    return reached < (reference.year, reference.month)


def _age_zh(months: int) -> str:
    years, rest = divmod(months, 12)
    return f"{years}周岁" + (f"{rest}个月" if rest else "")


def _birth_dates(dossier: Dossier, rules: NoticeRules) -> list[tuple[str, tuple[Evidence, ...], str]]:
    """(ISO birth date, evidence, where) from the birth-date field and from the ID number; where both give a
    whole day, both are kept (they must agree for a decision); a month only is kept only without a day."""
    out = []
    birth, ev = _value(dossier.fields.get("birth_date"), rules)
    if _month(birth) is not None:
        out.append((birth, tuple(ev), "出生日期"))
    number, id_ev = _value(dossier.fields.get("id_number"), rules)
    if isinstance(number, str) and len(number) == 18:
        iso = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
        if _day(iso) is not None:
            out.append((iso, tuple(id_ev), "身份证号"))
    if any(_day(b) for b, _, _ in out):
        out = [c for c in out if _day(c[0]) is not None]
    return out


def _sex(dossier: Dossier, rules: NoticeRules) -> tuple[str | None, tuple[Evidence, ...]]:
    sex, ev = _value(dossier.fields.get("sex"), rules)
    if sex in ("男", "女"):
        return sex, tuple(ev)
    number, id_ev = _value(dossier.fields.get("id_number"), rules)
    if isinstance(number, str) and len(number) == 18 and number[16].isdigit():
        return ("男" if int(number[16]) % 2 else "女"), tuple(id_ev)
    return None, ()


@check("scope.retired", emits=("SCOPE.RETIRED", "CHECK.UNDECIDED"))
def retired(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SCOPE.RETIRED: at or over the statutory retirement age on the first day of intake (二(二)2). A woman's
    category (cadre or worker) is not on the papers: where it changes the answer, a human decides."""
    births = _birth_dates(dossier, rules)
    if not births:
        return []
    sex, sex_ev = _sex(dossier, rules)
    r, ref = rules.retirement, rules.intake_date
    categories = [c for c in r.old_age if sex is None or c.startswith(sex)] or list(r.old_age)
    outcome = {(b, c): retired_on(b, c, r, ref) for b, _, _ in births for c in categories}
    evidence = tuple(e for _, ev, _ in births for e in ev[:1]) + sex_ev[:1]
    birth, _, _ = births[0]
    who = f"出生于{_zh(birth)}（{sex or '性别不明'}）"
    statuses = set(outcome.values())
    if statuses == {False}:
        return []
    if statuses == {True}:
        ages = []
        for c in categories:
            age = retirement_age_months(*_month(birth), c, r, ref)
            y, m = retirement_month(*_month(birth), c, r, ref)
            ages.append(f"{'按' + c if len(categories) > 1 or c != '男' else ''}法定退休年龄{_age_zh(age)}，{y}年{m}月已达到")
        return [finding("SCOPE.RETIRED", f"{who}，{'；'.join(ages)}；以开始收受申报材料之日{_zh(ref)}为界，"
                        f"属达到国家法定退休年龄人员，不在申报范围（二(二)2）", field="birth_date", evidence=evidence)]
    # open: the categories, or the two sources of the birth date, or a birth month alone, disagree
    if len({b for b, _, _ in births}) > 1 and any(outcome[(b1, c)] != outcome[(b2, c)] for c in categories
                                                  for b1, _, _ in births for b2, _, _ in births):
        why = "出生日期与身份证号所示出生日期不一致，且结论不同"
    elif None in statuses:
        why = "仅知出生年月，恰于当月达到法定退休年龄"
    else:
        split = [f"按{c}（{r.old_age[c]}周岁）{'已' if outcome[(birth, c)] else '未'}达到" for c in categories]
        why = "，".join(split) + "；材料未显示其身份类别（干部或工人）"
    return [_undecided(f"{who}，{_zh(ref)}是否达到国家法定退休年龄无法确定：{why}，请人工确认（二(二)2）",
                       field="birth_date", evidence=evidence)]


# --- SCOPE.CIVIL_SERVANT 二(二)1 ----------------------------------------------------------------------

# Bodies whose names end like a government bureau (…局) but that are usually enterprises or public
# institutions (a 矿务局 is a state coal enterprise, a 地质勘查局 a public institution): the name alone
# does not make their staff civil servants.
BUREAU_NOT_GOVERNMENT = ("矿务局", "地质局", "勘查局", "勘探局", "供电局", "电业局", "铁路局", "邮政局", "工程局",
                         "煤田地质局", "水文局", "气象局")


KIND_ZH = {"public_institution": "事业单位", "enterprise": "企业", "non_public": "非公有制单位", "flexible": "灵活就业",
           "freelance": "自由职业", "civil_service": "机关单位"}
# An employer whose name ends so is an enterprise (state-owned or private): neither a government body nor
# a public institution, whatever else its name holds.
ENTERPRISE_ENDINGS = ("公司", "集团", "厂", "矿", "合作社", "事务所")


def _employer_names(dossier: Dossier, rules: NoticeRules) -> list[ExtractedValue]:
    """The employer names that may decide: trusted found readings and the declared one."""
    return [v for v in _trusted_readings(dossier, "employer", rules) + _readings(dossier, "employer", origin="declared")
            if isinstance(v.value, str) and v.value]


def _employer_kinds(dossier: Dossier, rules: NoticeRules) -> tuple[dict[str, list[ExtractedValue]], list[ExtractedValue]]:
    """The employer's kind as the papers settle it: {kind: readings} from found readings at or above the
    threshold (extract/run.py reads it from the name's ending), the declared kind, and employer names that
    end like an enterprise's (`enterprise`); and the weak readings."""
    kinds: dict[str, list[ExtractedValue]] = {}
    weak = []
    for v in _readings(dossier, "employer_type"):
        if v.confidence >= rules.ocr_low_confidence:
            kinds.setdefault(v.value, []).append(v)
        else:
            weak.append(v)
    for v in _readings(dossier, "employer_type", origin="declared"):
        kinds.setdefault(v.value, []).append(v)
    endings = load_lexicon().employer_name_endings
    for v in _employer_names(dossier, rules):
        if v.value.endswith(ENTERPRISE_ENDINGS):
            kinds.setdefault("enterprise", []).append(v)
        elif v.origin == "declared":  # the form's 工作单位 says what its name says, as a found name does (extract/run.py)
            kind = next((k for k, words in endings.items() if v.value.endswith(tuple(words))), None)
            if kind is not None:
                kinds.setdefault(kind, []).append(v.model_copy(update={"field": "employer_type", "value": kind}))
    return kinds, weak


def _name_of(kind_reading: ExtractedValue, dossier: Dossier) -> str | None:
    """The employer name a found employer_type reading was read from (same document, same evidence)."""
    return next((v.value for v in dossier.values if v.field == "employer" and v.document == kind_reading.document
                 and v.evidence == kind_reading.evidence and isinstance(v.value, str)), None)


@check("scope.civil_servant", emits=("SCOPE.CIVIL_SERVANT", "CHECK.UNDECIDED"))
def civil_servant(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SCOPE.CIVIL_SERVANT: the employer is a government body (机关) or a unit managed under the civil-service
    law (参公), as its name shows (…局, …委员会: extract/lexicon.yaml) or as declared (二(二)1).

    A block needs every trusted reading of the employer's kind to agree: where another document shows an
    enterprise or a public institution (the probation form may name a former employer), or the bureau is
    of a kind that is usually an enterprise (矿务局, 供电局), or the name was read weakly, a human decides."""
    civil = set(rules.civil_service_employer_types)
    kinds, weak = _employer_kinds(dossier, rules)
    civil_readings = [v for k, vs in kinds.items() if k in civil for v in vs]
    if civil_readings:
        names = sorted({n for v in civil_readings if (n := _name_of(v, dossier))})
        shown = "、".join(names) or "（申报为机关单位）"
        evidence = evidence_of(civil_readings)
        if any(n.endswith(BUREAU_NOT_GOVERNMENT) for n in names):
            return [_undecided(f"工作单位“{shown}”名称以“局”结尾，但此类单位多为企业或事业单位；是否属于机关或参照公务员法"
                               f"管理单位，请人工确认（二(二)1）", field="employer_type", evidence=evidence)]
        if {v.document for v in civil_readings} <= {"publicity_record"}:
            # the 公示 names the 推荐单位, which may be the supervising department rather than the employer
            return [_undecided(f"仅公示材料的推荐单位为“{shown}”（机关），推荐单位可能是主管部门而非工作单位；申报人是否为公务员，"
                               f"请人工确认（二(二)1）", field="employer_type", evidence=evidence)]
        others = [v for k, vs in kinds.items() if k not in civil for v in vs]
        if others:
            also = "、".join(dict.fromkeys(_name_of(v, dossier) or KIND_ZH.get(v.value, v.value) for v in others))
            return [_undecided(f"材料显示工作单位“{shown}”为机关单位，另有材料显示工作单位为“{also}”；申报人现是否为公务员"
                               f"（含参照公务员法管理单位工作人员），请人工确认（二(二)1）", field="employer_type",
                               evidence=evidence + evidence_of(others, limit=1))]
        return [finding("SCOPE.CIVIL_SERVANT", f"工作单位“{shown}”为国家机关，申报人属国家公务员（含参照公务员法管理单位的"
                        f"工作人员），不在申报范围（二(二)1）", field="employer_type", evidence=evidence)]
    weak_civil = [v for v in weak if v.value in civil]
    if weak_civil and not kinds:
        names = "、".join(sorted({n for v in weak_civil if (n := _name_of(v, dossier))}))
        return [_undecided(f"工作单位“{names}”似为机关单位，但名称识别置信度不足，请人工确认申报人是否为公务员（二(二)1）",
                           field="employer_type", evidence=evidence_of(weak_civil))]
    return []


# --- SCOPE.DISCIPLINE 二(二)3 ------------------------------------------------------------------------

# How heavy each sanction is: 事业单位工作人员处分规定 (中组部、人社部 2023) 第五条 警告、记过、降低岗位等级、开除,
# and the 公职人员政务处分法 (2020) 第七条 警告、记过、记大过、降级、撤职、开除. "记过以上" (二(二)3) takes in every
# sanction at least as heavy as the lightest one the rules file lists.
SANCTION_RANK = {"警告": 0, "记过": 1, "记大过": 2, "降低岗位等级": 3, "降级": 3, "撤职": 4, "开除": 5}
# The period of a sanction whose end the papers do not print: 事业单位工作人员处分规定 (2023) 第八条 警告6个月、
# 记过12个月、降低岗位等级24个月 (暂行规定 2012 第六条: 降低岗位等级或者撤职 24个月); 政务处分法 第八条 记大过18个月、
# 降级、撤职24个月. 开除 has no end. The period runs from the day the decision takes effect.
SANCTION_MONTHS = {"警告": 6, "记过": 12, "记大过": 18, "降低岗位等级": 24, "降级": 24, "撤职": 24}


def _disqualifying(sanction: str, rules: NoticeRules) -> bool | None:
    """Whether the sanction excludes a public-institution technician; None for one the rules cannot place
    (a party sanction such as 严重警告)."""
    if sanction in rules.discipline_disqualifying:
        return True
    listed = [SANCTION_RANK[s] for s in rules.discipline_disqualifying if s in SANCTION_RANK]
    if sanction in SANCTION_RANK and listed:
        return SANCTION_RANK[sanction] >= min(listed)
    return None


def _month_bounds(iso: str) -> tuple[dt.date, dt.date] | None:
    """(first, last) day an ISO day or month can be."""
    if (d := _day(iso)) is not None:
        return d, d
    ym = _month(iso)
    if ym is None:
        return None
    return dt.date(ym[0], ym[1], 1), dt.date(ym[0], ym[1], calendar.monthrange(*ym)[1])


def _plus_months(d: dt.date, months: int) -> dt.date:
    y, m0 = _add_months(d.year, d.month - 1, months)
    return dt.date(y, m0 + 1, min(d.day, calendar.monthrange(y, m0 + 1)[1]))


def sanction_in_force(value: dict, on: dt.date, periods: dict[str, int] | None = None) -> tuple[bool | None, str]:
    """Whether the sanction {"sanction", "start", "end", "months"} is in its period on `on`, and the
    period as the reviewer should read it; None when the papers do not settle it. `periods`: the months
    a sanction lasts where the papers print no end (default SANCTION_MONTHS)."""
    sanction = value.get("sanction")
    start = _month_bounds(value["start"]) if value.get("start") else None
    end = _month_bounds(value["end"]) if value.get("end") else None
    if sanction == "开除":
        return (None if start and start[0] > on else True), "开除"
    months = value.get("months") or (SANCTION_MONTHS if periods is None else periods).get(sanction)
    how = ""
    if end is None and start is not None and months:
        # the period ends the day before the same day `months` later
        end = (_plus_months(start[0], months) - dt.timedelta(days=1), _plus_months(start[1], months) - dt.timedelta(days=1))
        how = f"（未写明截止日期，按处分期{months}个月推算）"
    period = (f"{_zh(value['start']) if value.get('start') else '起始日期不详'}至"
              f"{_zh(value['end']) if value.get('end') else (_zh(end[1]) if end else '截止日期不详')}{how}")
    if end is None:
        return None, period
    if start is not None and start[0] > on:
        return None, period  # sanctioned after the intake date: a human decides
    if on <= end[0] and (start is None or start[1] <= on):
        return True, period
    if on > end[1]:
        return False, period
    return None, period


@check("scope.discipline", emits=("SCOPE.DISCIPLINE", "CHECK.UNDECIDED"))
def discipline(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SCOPE.DISCIPLINE: a public-institution technician inside the period of a 记过-or-heavier sanction on
    the first day of intake (二(二)3), as the unit opinion, an appraisal form or the 处分决定 says."""
    found = [v for v in _readings(dossier, "discipline") if isinstance(v.value, dict) and v.value.get("sanction")]
    if not found:
        return []
    ref = rules.intake_date
    in_force, ended, open_ = [], [], []
    for v in found:
        heavy = _disqualifying(v.value["sanction"], rules)
        if heavy is False:
            continue
        state, period = sanction_in_force(v.value, ref, rules.discipline_period_months or SANCTION_MONTHS)
        if state is True and heavy and v.confidence >= rules.ocr_low_confidence:
            in_force.append((v, period))
        elif state is False and v.confidence >= rules.ocr_low_confidence:
            ended.append((v, period))
        elif state is not False:
            open_.append((v, period, heavy, state))
    kinds, _ = _employer_kinds(dossier, rules)
    public = set(rules.discipline_employer_types)
    kind_known = bool(kinds)
    is_public = bool(set(kinds) & public)
    if in_force:
        v, period = in_force[0]
        what = f"{v.value['sanction']}处分，处分期{period}"
        evidence = evidence_of([x for x, _ in in_force])
        same = [(e, p) for e, p in ended if e.value["sanction"] == v.value["sanction"]]
        if same:
            e, e_period = same[0]
            return [_undecided(f"材料对处分期记载不一：{what}；另一材料为{e.value['sanction']}处分，处分期{e_period}；"
                               f"{_zh(ref)}是否在受处分期间，请人工确认（二(二)3）", field="discipline",
                               evidence=evidence + evidence_of([e]))]
        if is_public and "enterprise" in kinds:
            return [_undecided(f"申报人受到{what}，{_zh(ref)}仍在受处分期间；材料所示工作单位既有事业单位也有企业，是否为事业单位"
                               f"专业技术人员，请人工确认（二(二)3）", field="discipline", evidence=evidence)]
        if is_public:
            return [finding("SCOPE.DISCIPLINE", f"申报人系事业单位专业技术人员，受到{what}，{_zh(ref)}仍在受处分期间，"
                            f"不在申报范围（二(二)3）", field="discipline", evidence=evidence)]
        if not kind_known:
            return [_undecided(f"申报人受到{what}，{_zh(ref)}仍在受处分期间；工作单位是否为事业单位无法从材料判断，"
                               f"请人工确认（二(二)3 仅适用于事业单位专业技术人员）", field="discipline", evidence=evidence)]
        return []  # an enterprise's staff: 二(二)3 does not apply
    if open_ and (is_public or not kind_known):
        v, period, heavy, state = open_[0]
        if heavy is None:
            why = f"处分种类“{v.value['sanction']}”是否属记过以上处分无法确定"
        elif v.confidence < rules.ocr_low_confidence:
            why = f"处分记载识别置信度不足（{v.confidence:.2f}）"
        else:
            why = "处分期无法从材料确定"
        return [_undecided(f"材料显示申报人受到{v.value['sanction']}处分（处分期{period}），{why}；{_zh(ref)}是否在受处分期间，"
                           f"请人工确认（二(二)3）", field="discipline", evidence=evidence_of([v]))]
    return []


# --- SCOPE.SPECIALTY_MISMATCH 二(三) -----------------------------------------------------------------

def _category(specialty: str, rules: NoticeRules) -> str | None:
    return next((c for c, names in rules.specialties.items() if specialty in names), None)


@check("scope.specialty_mismatch", emits=("SCOPE.SPECIALTY_MISMATCH",))
def specialty_mismatch(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SCOPE.SPECIALTY_MISMATCH: the work report and the unit opinion say the applicant works in another
    specialty than the one applied for (二(三) 申报专业应与本人所从事专业一致).

    Conservative: every document that names the work's specialty must leave the declared one out, and
    they must agree on another. Only a difference of category counts (矿山工程 against 燃气开发与利用工程, or
    a specialty outside the list): the notice has applicants apply "按以上确定的专业类别", and the
    sub-specialties of one category overlap in practice (矿山机电 and 矿山机械 describe the same work from
    two sides), so a report of 矿山机械 work under 矿山机电 is no mismatch of what was applied for."""
    declared, declared_ev = _value(dossier.fields.get("specialty"), rules, prefer="declared")
    if not isinstance(declared, str) or declared not in rules.specialty_names:
        return []  # none, or outside the list: SCOPE.SPECIALTY's
    docs = [v for v in _readings(dossier, "work_specialties")
            if v.document in ("work_report", "unit_opinion") and v.confidence >= rules.ocr_low_confidence
            and isinstance(v.value, list) and v.value]
    if not docs or any(declared in v.value for v in docs):
        return []
    common = [s for s in docs[0].value if all(s in v.value for v in docs[1:])]
    if not common:
        return []
    work = common[0]
    mine, theirs = _category(declared, rules), _category(work, rules)
    if mine == theirs:
        return []
    where = "、".join(dict.fromkeys({"work_report": "专业技术工作总结", "unit_opinion": "单位鉴定意见"}[v.document]
                                    for v in docs))
    return [finding("SCOPE.SPECIALTY_MISMATCH",
                    f"申报专业为“{declared}”（{mine}），而{where}所述从事的是“{work}”"
                    f"（{theirs or '不属本次评审专业范围'}）工作；申报专业应与本人所从事专业一致（二(三)）",
                    field="specialty", evidence=tuple(declared_ev[:1]) + evidence_of(docs, limit=2))]


# --- EDU.BELOW_MIN 三(二) ----------------------------------------------------------------------------

@check("education.minimum", emits=("EDU.BELOW_MIN", "CHECK.UNDECIDED"))
def education_minimum(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """EDU.BELOW_MIN: the highest education the evidence shows (else the declared one) ranks below the
    notice's minimum (中专). Every trusted diploma or CHSI reading counts: an applicant may hand in a school
    certificate beside the diploma that qualifies."""
    field = dossier.fields.get("education")
    declared = field.declared if field is not None and field.declared in EDUCATION_LEVELS else None
    found = [v for v in _trusted_readings(dossier, "education", rules) if v.value in EDUCATION_LEVELS]
    floor = rules.education_rank(rules.education_min)
    need = EDUCATION_ZH[rules.education_min]
    if found:
        best = max(found, key=lambda v: rules.education_rank(v.value))
        if rules.education_rank(best.value) >= floor:
            return []
        shown = EDUCATION_ZH[best.value]
        evidence = evidence_of([v for v in found if v.value == best.value])
        if declared is not None and rules.education_rank(declared) >= floor:
            return [_undecided(f"学历证明所示最高学历为{shown}，低于{need}；申报学历为{EDUCATION_ZH[declared]}，但材料中未识别到"
                               f"该学历的证明，请人工确认（三(二)）", field="education", evidence=evidence)]
        return [finding("EDU.BELOW_MIN", f"学历证明所示最高学历为{shown}，低于申报助理工程师须具有的{need}及以上学历（三(二)）",
                        field="education", evidence=evidence)]
    if declared is not None and rules.education_rank(declared) < floor and not _readings(dossier, "education"):
        return [finding("EDU.BELOW_MIN", f"申报学历为{EDUCATION_ZH[declared]}，低于申报助理工程师须具有的{need}及以上学历"
                        f"（三(二)）", field="education", evidence=field.evidence[-2:])]
    return []  # only weak readings: OCR.LOW_CONFIDENCE asks a human


# --- EDU.MAJOR_UNRELATED 三(二) ----------------------------------------------------------------------

NO_MAJOR = ("无", "/", "-", "—", "空")
SLIP_RATIO = 0.6  # a found major this close to the declared one may be the same word misread


def major_related(major: str, specialty: str | None, rules: NoticeRules) -> bool:
    """本专业或相近专业: the specialty itself, a listed specialty, or a 理学/工学 major (rules.related_major_words)."""
    return (major == specialty or major in rules.specialty_names
            or any(w in major for w in rules.related_major_words))


@check("education.major", emits=("EDU.MAJOR_UNRELATED", "CHECK.UNDECIDED"))
def major_unrelated(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """EDU.MAJOR_UNRELATED: the major the evidence shows (else the declared one) is neither the specialty
    nor a related 理学/工学 major. Any related major among the trusted readings (a second diploma, the
    CHSI record) satisfies the condition; an unreadable major decides nothing."""
    specialty, _ = _value(dossier.fields.get("specialty"), rules, prefer="declared")
    field = dossier.fields.get("major")

    def usable(m) -> bool:
        return isinstance(m, str) and len(m.strip()) >= 2 and m.strip() not in NO_MAJOR

    found = [v for v in _trusted_readings(dossier, "major", rules) if usable(v.value)]
    if found:
        if any(major_related(v.value, specialty, rules) for v in found):
            return []
        majors = list(dict.fromkeys(v.value for v in found))
        evidence = evidence_of(found)
        said = field.declared if field is not None and usable(field.declared) else None
        if said and major_related(said, specialty, rules) and any(
                SequenceMatcher(None, said, m).ratio() >= SLIP_RATIO for m in majors):
            # a related major declared, and the evidence reads a word or two off it: more likely an OCR slip
            return [_undecided(f"学历证明所示专业“{'、'.join(majors)}”不属于相近专业，而申报专业为相近的“{said}”，两者仅差个别字，"
                               f"可能为识别错误，请人工核对所学专业（三(二)）", field="major",
                               evidence=evidence + tuple(field.evidence[-1:]))]
    elif not _readings(dossier, "major") and field is not None and usable(field.declared):
        if major_related(field.declared, specialty, rules):
            return []
        majors, evidence = [field.declared], field.evidence[-2:]
    else:
        # only weak readings (the major is not a field OCR.LOW_CONFIDENCE watches): silent only where a
        # reading or the declaration shows a related major
        weak = [v for v in _readings(dossier, "major") if usable(v.value)]
        said = [field.declared] if field is not None and usable(field.declared) else []
        if not weak or any(major_related(m, specialty, rules) for m in [v.value for v in weak] + said):
            return []
        return [_undecided(f"所学专业识别为“{'、'.join(dict.fromkeys(v.value for v in weak))}”，不属于相近专业，但识别置信度不足"
                           f"（{min(v.confidence for v in weak):.2f}），请人工核对所学专业（三(二)）", field="major",
                           evidence=evidence_of(weak))]
    against = f"申报专业“{specialty}”" if specialty else "申报专业"
    return [finding("EDU.MAJOR_UNRELATED", f"所学专业“{'、'.join(majors)}”既非{against}，也不属于相近的理学、工学专业"
                    f"（三(二) 须具有本专业或相近专业学历）", field="major", evidence=evidence)]
