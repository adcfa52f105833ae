"""The scope and education checks 二(二), 二(三), 三(二): per rule a case that fires and a near miss that
does not, and the cases the evidence cannot decide (a human decides: CHECK.UNDECIDED, never a block)."""
import datetime as dt
from pathlib import Path

import pytest

from core.records import Dossier, Evidence, ExtractedValue
from extract.merge import merge_fields
from extract.run import _employer_types
from fixtures.people import MAJORS, id_check_digit
import verify  # noqa: F401  (registers every check)
from verify.checks import checks
from verify.checks_scope import retired_on, retirement_day, retirement_month, sanction_in_force
from verify.rules import load_rules

RULES = load_rules()
R = RULES.retirement
INTAKE = RULES.intake_date  # 2024-12-16
REFORMED = dt.date(2025, 6, 1)  # a reference date under the gradual increase


def found(field, value, document="diploma", confidence=0.99, page=1):
    ev = (Evidence(file="s.pdf", page=page, bbox=(10, 20, 30, 40), text=str(value), confidence=confidence),)
    return ExtractedValue(field=field, value=value, evidence=ev, extractor=f"{document}@1", document=document,
                          confidence=confidence)


def declared(field, value):
    return ExtractedValue(field=field, value=value, evidence=(Evidence(file="form.docx", page=1, text=str(value)),),
                          extractor="review_form@1", origin="declared", document="review_form")


def dossier(*values):
    values = list(values)
    values += _employer_types(values)  # the employer's kind from its name, as extraction does
    return Dossier(applicant="a", values=tuple(values), fields=merge_fields(values))


def fired(d, rules=RULES):
    out = {}
    for name, fn in checks.items():
        if name.startswith(("scope.", "education.")):
            for f in fn(d, rules):
                out.setdefault(f.rule, f)
    return out


def id_number(birth: str, male: bool) -> str:
    first = f"140522{birth.replace('-', '')}01{1 if male else 2}"
    return first + id_check_digit(first)


# --- retirement arithmetic --------------------------------------------------------------------------

@pytest.mark.parametrize("born, category, expected", [
    ((1965, 1), "男", (2025, 2)),       # k = 0 → 1 month
    ((1965, 12), "男", (2026, 3)),      # k = 11 → 3 months
    ((1971, 4), "女干部", (2026, 8)),   # k = 15 → 4 months
    ((1964, 12), "男", (2024, 12)),     # k < 0: the old age
    ((1975, 1), "女工人", (2025, 2)),   # base 1975, step 2
    ((1980, 1), "男", (2043, 1)),       # k = 180 → 46, capped at 36 months: 63
    ((1990, 1), "女工人", (2045, 1)),   # capped at 60 months: 55
])
def test_retirement_month_under_the_reform(born, category, expected):
    assert retirement_month(*born, category, R, REFORMED) == expected


def test_before_the_reform_the_old_ages_apply():
    assert retirement_month(1965, 1, "男", R, INTAKE) == (2025, 1)
    assert retirement_month(1971, 4, "女干部", R, INTAKE) == (2026, 4)
    assert retirement_month(1975, 6, "女工人", R, INTAKE) == (2025, 6)


def test_the_age_is_reached_on_the_birthday_of_the_retirement_month():
    assert retirement_day(dt.date(1965, 1, 31), "男", R, REFORMED) == dt.date(2025, 2, 28)  # no 31 February
    assert retired_on("1964-12-16", "男", R, INTAKE) is True    # 60 on the intake date itself: at the age
    assert retired_on("1964-12-17", "男", R, INTAKE) is False   # one day short
    assert retired_on("1964-11", "男", R, INTAKE) is True
    assert retired_on("1965-01", "男", R, INTAKE) is False
    assert retired_on("1964-12", "男", R, INTAKE) is None       # a birth month alone: the day decides


# --- SCOPE.RETIRED ----------------------------------------------------------------------------------

def _person(birth, sex, *, with_id=True, birth_conf=0.99):
    vals = [found("birth_date", birth, "id_card", birth_conf), found("sex", sex, "id_card")]
    if with_id:
        vals.append(found("id_number", id_number(birth, sex == "男"), "id_card"))
    return vals


def test_a_man_over_sixty_is_retired_and_the_message_says_why():
    got = fired(dossier(*_person("1963-11-03", "男")))
    f = got["SCOPE.RETIRED"]
    assert f.severity == "block" and "1963年11月3日" in f.message and "60周岁" in f.message and "二(二)2" in f.message
    assert f.evidence and f.evidence[0].bbox == (10, 20, 30, 40)


@pytest.mark.parametrize("birth, fires", [("1964-12-16", True), ("1964-12-17", False), ("1990-05-01", False)])
def test_retired_either_side_of_the_intake_date(birth, fires):
    got = fired(dossier(*_person(birth, "男")))
    assert ("SCOPE.RETIRED" in got) is fires
    assert "CHECK.UNDECIDED" not in got


def test_a_woman_whose_category_decides_goes_to_a_human():
    got = fired(dossier(*_person("1972-03-05", "女")))  # 52: over 女工人 50, under 女干部 55
    assert "SCOPE.RETIRED" not in got
    assert "女干部" in got["CHECK.UNDECIDED"].message and "女工人" in got["CHECK.UNDECIDED"].message


def test_a_woman_over_both_ages_is_retired_one_under_both_is_not():
    assert "SCOPE.RETIRED" in fired(dossier(*_person("1969-06-01", "女")))
    assert not fired(dossier(*_person("1980-06-01", "女")))


def test_sex_and_birth_date_from_the_id_number_when_the_fields_are_missing():
    vals = [found("id_number", id_number("1962-02-03", True), "id_card")]
    assert "SCOPE.RETIRED" in fired(dossier(*vals))
    vals = [found("id_number", id_number("1972-02-03", False), "id_card")]  # a woman of 52: category unknown
    assert set(fired(dossier(*vals))) == {"CHECK.UNDECIDED"}


def test_a_weak_birth_date_alone_decides_nothing_but_the_id_number_still_does():
    assert not fired(dossier(*_person("1963-11-03", "男", with_id=False, birth_conf=0.5)))
    assert "SCOPE.RETIRED" in fired(dossier(*_person("1963-11-03", "男", birth_conf=0.5)))


def test_birth_date_and_id_number_that_disagree_across_the_line_are_undecided():
    vals = [found("birth_date", "1963-11-03", "id_card"), found("sex", "男", "id_card"),
            found("id_number", id_number("1973-11-03", True), "id_card")]
    got = fired(dossier(*vals))
    assert "SCOPE.RETIRED" not in got and "不一致" in got["CHECK.UNDECIDED"].message


# --- SCOPE.CIVIL_SERVANT ----------------------------------------------------------------------------

def test_a_government_bureau_employer_is_a_civil_servant():
    got = fired(dossier(found("employer", "阳城县能源局", "appraisal"), found("employer", "阳城县能源局", "publicity_record")))
    f = got["SCOPE.CIVIL_SERVANT"]
    assert f.severity == "block" and "阳城县能源局" in f.message and "二(二)1" in f.message and f.evidence


@pytest.mark.parametrize("employer", ["阳城县煤炭安全技术服务中心", "山西阳城润丰煤业有限公司"])
def test_a_public_institution_or_a_company_is_not(employer):
    assert not fired(dossier(found("employer", employer, "appraisal")))


def test_a_bureau_that_is_usually_an_enterprise_or_institution_is_undecided():
    got = fired(dossier(found("employer", "山西省煤田地质局", "appraisal")))
    assert "SCOPE.CIVIL_SERVANT" not in got and "CHECK.UNDECIDED" in got


def test_documents_naming_a_bureau_and_a_company_are_undecided():
    got = fired(dossier(found("employer", "阳城县能源局", "probation"),
                        found("employer", "山西阳城润丰煤业有限公司", "appraisal")))
    assert "SCOPE.CIVIL_SERVANT" not in got and "润丰煤业" in got["CHECK.UNDECIDED"].message


def test_a_weakly_read_bureau_is_undecided_not_blocked():
    got = fired(dossier(found("employer", "阳城县能源局", "appraisal", confidence=0.7)))
    assert set(got) == {"CHECK.UNDECIDED"}


def test_a_declared_civil_service_kind_counts():
    assert "SCOPE.CIVIL_SERVANT" in fired(dossier(declared("employer_type", "civil_service")))


# --- SCOPE.DISCIPLINE -------------------------------------------------------------------------------

def _sanction(sanction="记过", start="2024-06-01", end="2025-05-31", months=None, document="other", confidence=0.99):
    return found("discipline", {"sanction": sanction, "start": start, "end": end, "months": months}, document,
                 confidence)


CENTRE = found("employer", "阳城县煤炭安全技术服务中心", "appraisal")


def test_a_public_institution_technician_inside_a_sanction_period_is_excluded():
    got = fired(dossier(CENTRE, _sanction(), _sanction(start="2024-06", document="unit_opinion")))
    f = got["SCOPE.DISCIPLINE"]
    assert f.severity == "block" and "记过" in f.message and "2025年5月31日" in f.message and f.evidence


@pytest.mark.parametrize("sanction, end, fires", [
    ("记过", "2024-12-16", True),    # the period includes the intake date
    ("记过", "2024-12-15", False),   # over the day before
    ("警告", "2025-05-31", False),   # lighter than 记过
    ("记大过", "2025-05-31", True),  # heavier than 记过, though the rules file lists it not
    ("降低岗位等级", "2026-05-31", True),
])
def test_sanction_kind_and_period(sanction, end, fires):
    got = fired(dossier(CENTRE, _sanction(sanction, end=end)))
    assert ("SCOPE.DISCIPLINE" in got) is fires
    assert "CHECK.UNDECIDED" not in got


def test_an_enterprise_employee_is_not_concerned_and_an_unknown_employer_is_undecided():
    assert not fired(dossier(found("employer", "山西阳城润丰煤业有限公司", "appraisal"), _sanction()))
    got = fired(dossier(_sanction()))
    assert "SCOPE.DISCIPLINE" not in got and "事业单位" in got["CHECK.UNDECIDED"].message


def test_a_period_without_a_printed_end_runs_for_the_regulation_s_months():
    assert sanction_in_force({"sanction": "记过", "start": "2024-01-01", "end": None}, INTAKE)[0] is True
    assert sanction_in_force({"sanction": "记过", "start": "2023-11-01", "end": None}, INTAKE)[0] is False  # to 2024-10-31
    assert sanction_in_force({"sanction": "记过", "start": "2023-11-01", "end": None, "months": 24}, INTAKE)[0] is True
    assert sanction_in_force({"sanction": "记过", "start": "2023-12", "end": None}, INTAKE)[0] is None  # 11-30 … 12-30
    assert sanction_in_force({"sanction": "记过", "start": None, "end": None}, INTAKE)[0] is None
    assert "SCOPE.DISCIPLINE" in fired(dossier(CENTRE, _sanction(start="2024-01-01", end=None)))


def test_what_the_papers_cannot_settle_goes_to_a_human():
    for reading in (_sanction(start=None, end=None), _sanction(start="2023-12", end=None),
                    _sanction("严重警告"), _sanction(confidence=0.6)):
        got = fired(dossier(CENTRE, reading))
        assert set(got) == {"CHECK.UNDECIDED"}, reading.value


def test_documents_that_disagree_on_the_end_are_undecided():
    got = fired(dossier(CENTRE, _sanction(), _sanction(start="2023-06-01", end="2024-05-31", document="unit_opinion")))
    assert "SCOPE.DISCIPLINE" not in got and "不一" in got["CHECK.UNDECIDED"].message


# --- SCOPE.SPECIALTY_MISMATCH -------------------------------------------------------------------------

def _work(*names, document="work_report", confidence=0.99):
    return found("work_specialties", list(names), document, confidence)


def test_work_of_another_category_than_the_one_applied_for():
    got = fired(dossier(declared("specialty", "矿物洗选和加工工程"), _work("燃气应用工程")))
    f = got["SCOPE.SPECIALTY_MISMATCH"]
    assert f.severity == "warn" and "燃气应用工程" in f.message and "矿物洗选和加工工程" in f.message


@pytest.mark.parametrize("works", [
    [["燃气应用工程", "矿物洗选和加工工程"]],   # the declared one is named too
    [["矿山机械"]],                               # same category 矿山工程
    [["燃气应用工程"], ["采矿工程"]],             # the documents do not agree on another
])
def test_no_mismatch(works):
    vals = [declared("specialty", "矿物洗选和加工工程" if works != [["矿山机械"]] else "矿山机电")]
    vals += [_work(*w, document=doc) for w, doc in zip(works, ("work_report", "unit_opinion"))]
    assert not fired(dossier(*vals))


def test_the_report_and_the_opinion_agreeing_on_another_specialty_fire_a_weak_one_decides_nothing():
    assert "SCOPE.SPECIALTY_MISMATCH" in fired(dossier(declared("specialty", "矿山机电"), _work("燃气输配工程"),
                                                       _work("燃气输配工程", "燃气应用工程", document="unit_opinion")))
    assert not fired(dossier(declared("specialty", "矿山机电"), _work("燃气输配工程", confidence=0.5)))


def test_work_outside_the_list_is_a_mismatch_a_declared_specialty_outside_it_is_scope_specialty_s():
    assert "SCOPE.SPECIALTY_MISMATCH" in fired(dossier(declared("specialty", "矿井建设"), _work("工程造价")))
    assert not fired(dossier(declared("specialty", "工程造价"), _work("燃气输配工程")))


# --- EDU.BELOW_MIN ----------------------------------------------------------------------------------

def test_a_junior_school_diploma_is_below_the_minimum():
    got = fired(dossier(found("education", "below_secondary"), declared("education", "below_secondary")))
    f = got["EDU.BELOW_MIN"]
    assert f.severity == "block" and "中专" in f.message and f.evidence[0].bbox


@pytest.mark.parametrize("levels", [["secondary"], ["below_secondary", "junior_college"]])
def test_the_highest_education_shown_counts(levels):
    vals = [found("education", lv, doc) for lv, doc in zip(levels, ("diploma", "chsi_report"))]
    assert not fired(dossier(*vals))


def test_a_declared_level_the_evidence_does_not_show_is_undecided():
    got = fired(dossier(found("education", "below_secondary"), declared("education", "bachelor")))
    assert set(got) == {"CHECK.UNDECIDED"}


def test_the_declared_level_decides_when_no_evidence_shows_one_a_weak_reading_decides_nothing():
    assert "EDU.BELOW_MIN" in fired(dossier(declared("education", "below_secondary")))
    assert not fired(dossier(found("education", "below_secondary", confidence=0.6), declared("education", "secondary")))
    # agreeing with the form does not vouch for a weak level (only dates are corroborated): OCR.LOW_CONFIDENCE's
    assert not fired(dossier(found("education", "below_secondary", confidence=0.6),
                             declared("education", "below_secondary")))


# --- EDU.MAJOR_UNRELATED ----------------------------------------------------------------------------

CLEAN_MAJORS = sorted({m for per_level in MAJORS.values() for majors in per_level for m in majors})


@pytest.mark.parametrize("major", ["汉语言文学", "会计学", "市场营销", "英语", "会计", "文秘"])
def test_an_unrelated_major_fires(major):
    got = fired(dossier(found("major", major), declared("major", major), declared("specialty", "矿山机械")))
    f = got["EDU.MAJOR_UNRELATED"]
    assert f.severity == "error" and major in f.message and "矿山机械" in f.message


@pytest.mark.parametrize("major", CLEAN_MAJORS)
def test_every_related_major_of_the_fixtures_passes(major):
    assert not fired(dossier(found("major", major), declared("specialty", "采矿工程")))


def test_an_unreadable_or_absent_major_decides_nothing_and_any_related_reading_satisfies():
    weak = found("major", "会计学", confidence=0.5)
    assert set(fired(dossier(weak, declared("specialty", "采矿工程")))) == {"CHECK.UNDECIDED"}  # not passed silently
    assert not fired(dossier(weak, declared("major", "采矿工程"), declared("specialty", "采矿工程")))
    assert not fired(dossier(found("major", "采矿工程", confidence=0.5), declared("specialty", "采矿工程")))
    assert not fired(dossier(found("major", "无"), declared("specialty", "采矿工程")))
    assert not fired(dossier(found("major", "会计学"), found("major", "采矿工程", "chsi_report"),
                             declared("specialty", "采矿工程")))


def test_the_declared_major_decides_when_no_evidence_shows_one():
    assert "EDU.MAJOR_UNRELATED" in fired(dossier(declared("major", "英语"), declared("specialty", "采矿工程")))
    assert not fired(dossier(declared("major", "矿山机电技术"), declared("specialty", "采矿工程")))


def test_a_bureau_only_the_publicity_names_may_be_the_supervising_department():
    got = fired(dossier(found("employer", "阳城县能源局", "publicity_record")))
    assert set(got) == {"CHECK.UNDECIDED"} and "推荐单位" in got["CHECK.UNDECIDED"].message
    got = fired(dossier(found("employer", "阳城县能源局", "publicity_record"), declared("employer", "阳城县能源局")))
    assert "SCOPE.CIVIL_SERVANT" in got  # the form's 工作单位 says the same


def test_a_public_institution_and_a_company_both_shown_leave_the_discipline_to_a_human():
    got = fired(dossier(CENTRE, found("employer", "山西阳城润丰煤业有限公司", "probation"), _sanction()))
    assert "SCOPE.DISCIPLINE" not in got and "CHECK.UNDECIDED" in got


def test_an_unrelated_reading_a_character_off_a_related_declared_major_is_undecided():
    got = fired(dossier(found("major", "汁算机科学与技木"), declared("major", "计算机科学与技术"), declared("specialty", "矿山信息和智能化")))
    assert set(got) == {"CHECK.UNDECIDED"}
    got = fired(dossier(found("major", "会计学"), declared("major", "采矿工程"), declared("specialty", "采矿工程")))
    assert "EDU.MAJOR_UNRELATED" in got  # a different word altogether: the evidence stands


def test_next_year_s_rules_file_applies_the_gradual_increase():
    rules_2025 = load_rules(Path(__file__).parents[1] / "verify" / "rules" / "yangcheng-2025-coal-junior-example.yaml")
    assert rules_2025.intake_date >= rules_2025.retirement.reform_start
    # 60 on 2025-10-20, but the reform adds 3 months (k = 9): retires 2026-01-20, after the intake date
    assert not fired(dossier(*_person("1965-10-20", "男")), rules_2025)
    # k = 7 → 2 months: 2025-10-01, before the intake date
    assert "SCOPE.RETIRED" in fired(dossier(*_person("1965-08-01", "男")), rules_2025)
