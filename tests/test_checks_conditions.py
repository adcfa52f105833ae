"""The qualification conditions 三(三)–(六), 四(二): per rule a case that fires and a near miss that does
not, and the cases where the evidence cannot decide (nothing blocks on a guess)."""
import datetime as dt

import pytest

from core.records import Document, Dossier, Evidence, ExtractedValue, FieldReport, IngestIssue, Line, PageText, SourceFile
import verify  # noqa: F401  (registers every check)
from verify.checks import checks
from verify.rules import load_rules

EV = (Evidence(file="s.pdf", page=1, bbox=(1, 2, 3, 4), text="x"),)
ALL_DOCS = ("review_form", "appointment", "probation", "appraisal", "ce_certificate", "work_report", "unit_opinion")
CLEAN_SECTIONS = ["education", "work_history", "technical_work", "tasks_and_honours"]


def _appraisal(year, grade, confidence=1.0):
    return ExtractedValue(field="appraisals", value={str(year): grade}, evidence=EV, extractor="appraisal@1",
                          document="appraisal", confidence=confidence)


def _declared(field, value, note=None, text=None):
    ev = (Evidence(file="form.docx", page=1, text=text),) if text else ()
    return ExtractedValue(field=field, value=value, evidence=ev, extractor="review_form@1", origin="declared",
                          document="review_form", note=note)


def _ce(hours: dict, confidence=1.0, page=1):
    ev = (Evidence(file="s.pdf", page=page, bbox=(1, 2, 3, 4), text="x"),)
    return ExtractedValue(field="ce_hours", value={str(y): h for y, h in hours.items()}, evidence=ev,
                          extractor="ce_certificate@1", document="ce_certificate", confidence=confidence)


def make(education="bachelor", *, docs=ALL_DOCS, fields=None, values=None, appraisals=None, ce=None,
         files=(), pages=(), sections=CLEAN_SECTIONS, itemized=True, **extra_fields):
    """A dossier that meets every condition of this module unless told otherwise.

    `appraisals` {year: grade} become one confident appraisal reading per year (and the form's table);
    `ce` {year: hours} one certificate reading; `fields` name → FieldReport kwargs override the defaults."""
    appraisals = {2022: "合格", 2023: "合格"} if appraisals is None else appraisals
    ce = {2022: 90, 2023: 90} if ce is None else ce
    base = {
        "education": dict(found=education, declared=education, confidence=1.0),
        "technician_date": dict(found="2020-09-01", declared="2020-09-01", confidence=1.0),
        "probation_end_date": dict(found="2016-08-31", confidence=1.0),
        "probation_passed": dict(found=True, confidence=1.0),
        "report_present": dict(found="work_report" in docs, confidence=1.0),
        "opinion_present": dict(found="unit_opinion" in docs, confidence=1.0),
    }
    base.update(fields or {})
    base.update(extra_fields)
    vals = list(values or [])
    vals += [_appraisal(y, g) for y, g in appraisals.items()]
    if appraisals:
        vals.append(_declared("appraisals", {str(y): g for y, g in appraisals.items()}))
    if ce:
        vals.append(_ce(ce))
    if "work_report" in docs and sections is not None:
        vals.append(ExtractedValue(field="report_sections", value=sections, evidence=EV, extractor="work_report@1",
                                   document="work_report"))
    if "unit_opinion" in docs and itemized is not None:
        vals.append(ExtractedValue(field="opinion_itemized", value=itemized, evidence=EV, extractor="unit_opinion@1",
                                   document="unit_opinion"))
    documents = tuple(Document(type=t, file="s.pdf", pages=(i + 1,), sha256="0") for i, t in enumerate(docs))
    return Dossier(applicant="a", files=tuple(files), pages=tuple(pages), documents=documents, values=tuple(vals),
                   fields={k: FieldReport(evidence=EV, **v) for k, v in base.items()})


def fired(dossier, rules=None):
    """The findings of this module's checks and of OCR.LOW_CONFIDENCE (other modules' checks have their
    own tests: a CHECK.UNDECIDED here is one of ours)."""
    rules = rules or load_rules()
    out = {}
    for name, fn in checks.items():
        if name.startswith(("conditions.", "ocr.low_confidence@")):
            for f in fn(dossier, rules):
                out.setdefault(f.rule, f)
    return out


def test_a_clean_dossier_gets_nothing_from_these_checks():
    for edu, tech in (("bachelor", "2016-09-01"), ("master", "2016-09-01"), ("junior_college", "2021-09-01"),
                      ("secondary", "2019-03-01")):
        apps = {2020: "合格", 2021: "合格", 2022: "合格", 2023: "优秀"}
        got = fired(make(edu, appraisals=apps, technician_date=dict(found=tech, declared=tech, confidence=1.0)))
        assert not got, (edu, got)


# --- SEN.PROBATION -------------------------------------------------------------------------------------

def test_probation_failed_fires_on_the_bachelor_path_only():
    got = fired(make("bachelor", probation_passed=dict(found=False, confidence=1.0)))
    assert "SEN.PROBATION" in got and "不合格" in got["SEN.PROBATION"].message
    assert got["SEN.PROBATION"].severity == "block" and got["SEN.PROBATION"].evidence[0].bbox == (1, 2, 3, 4)
    for edu in ("master", "second_bachelor", "junior_college"):
        assert "SEN.PROBATION" not in fired(make(edu, probation_passed=dict(found=False, confidence=1.0)))


@pytest.mark.parametrize("end, rule", [("2024-12-16", None), ("2024-12-17", "SEN.PROBATION"),
                                       ("2025-01", "SEN.PROBATION"), ("2024-11", None),
                                       ("2024-12", "CHECK.UNDECIDED")])
def test_probation_must_be_over_by_the_intake_date(end, rule):
    got = fired(make("bachelor", probation_end_date=dict(found=end, confidence=1.0)))
    assert {r for r in got if r in ("SEN.PROBATION", "CHECK.UNDECIDED")} == ({rule} if rule else set())


def test_probation_missing_document_or_weak_result_does_not_block():
    # no probation form: EVID.MISSING's business, not SEN.PROBATION
    assert "SEN.PROBATION" not in fired(make("bachelor", docs=tuple(d for d in ALL_DOCS if d != "probation"),
                                             probation_passed=dict(found=None)))
    # a 不合格 read below the threshold decides nothing
    got = fired(make("bachelor", probation_passed=dict(found=False, confidence=0.5)))
    assert "SEN.PROBATION" not in got and "OCR.LOW_CONFIDENCE" in got
    # a form whose result was never read is not passed silently
    got = fired(make("bachelor", probation_passed=dict(found=None)))
    assert "SEN.PROBATION" not in got and "CHECK.UNDECIDED" in got


# --- SEN.TECHNICIAN_DATE ----------------------------------------------------------------------------------

@pytest.mark.parametrize("edu, when, fires", [
    ("junior_college", "2022-12-31", False), ("junior_college", "2023-01-01", True),
    ("secondary", "2020-12-31", False), ("secondary", "2021-01-01", True),
    ("junior_college", "2022-12", False), ("junior_college", "2023-01", True),
    ("bachelor", "2023-06-01", False), ("master", "2024-01-01", False),
])
def test_technician_appointed_by_the_cutoff(edu, when, fires):
    apps = {2021: "合格", 2022: "合格", 2023: "合格", 2024: "合格"}
    got = fired(make(edu, appraisals=apps, technician_date=dict(found=when, declared=when, confidence=1.0)))
    assert ("SEN.TECHNICIAN_DATE" in got) is fires
    if fires:
        assert got["SEN.TECHNICIAN_DATE"].severity == "block" and "晚于" in got["SEN.TECHNICIAN_DATE"].message


def test_a_month_that_straddles_the_cutoff_is_undecided():
    rules = load_rules().model_copy(update={"technician_cutoffs": {"junior_college": dt.date(2022, 12, 15)}})
    got = fired(make("junior_college", technician_date=dict(found="2022-12", confidence=1.0)), rules)
    assert "SEN.TECHNICIAN_DATE" not in got and "CHECK.UNDECIDED" in got


def test_the_cutoff_comes_from_the_rules_file():
    rules = load_rules().model_copy(update={"technician_cutoffs": {"junior_college": dt.date(2023, 12, 31)}})
    dossier = make("junior_college", appraisals={2023: "合格", 2024: "合格"},
                   technician_date=dict(found="2023-01-01", confidence=1.0))
    assert "SEN.TECHNICIAN_DATE" in fired(dossier) and "SEN.TECHNICIAN_DATE" not in fired(dossier, rules)


def test_no_appointment_at_all_fires_but_a_declared_date_or_an_unread_letter_does_not():
    no_letter = tuple(d for d in ALL_DOCS if d != "appointment")
    got = fired(make("junior_college", docs=no_letter, technician_date=dict(found=None)))
    assert "SEN.TECHNICIAN_DATE" in got and "未见技术员聘任文件" in got["SEN.TECHNICIAN_DATE"].message
    # the letter is missing but the form states the date: EVID.MISSING's, the date still decides
    assert "SEN.TECHNICIAN_DATE" not in fired(make("junior_college", docs=no_letter,
                                                   technician_date=dict(declared="2020-05-01")))
    # the letter is there but its date was not read: undecided, never a block
    got = fired(make("junior_college", technician_date=dict(found=None)))
    assert "SEN.TECHNICIAN_DATE" not in got and "CHECK.UNDECIDED" in got
    # the letter may be in a file that could not be read
    broken = SourceFile(path="x.pdf", sha256="0", size=1, format="pdf", status="failed",
                        issues=(IngestIssue(stage="ingest", category="corrupt", message="bad"),))
    got = fired(make("junior_college", docs=no_letter, files=[broken], technician_date=dict(found=None)))
    assert "SEN.TECHNICIAN_DATE" not in got and "CHECK.UNDECIDED" in got


def test_a_weakly_read_late_appointment_goes_to_a_human():
    got = fired(make("junior_college", technician_date=dict(found="2023-01-01", declared="2021-01-01", confidence=0.5)))
    assert "SEN.TECHNICIAN_DATE" not in got and "OCR.LOW_CONFIDENCE" in got


# --- APPR.COUNT ----------------------------------------------------------------------------------------------

def test_appraisals_before_the_appointment_do_not_count():
    """The fixtures' technician_after_cutoff: appointed 2023-01-01, appraisals 2019-2023: only 2023 counts."""
    apps = {y: "合格" for y in range(2019, 2024)}
    got = fired(make("junior_college", appraisals=apps, technician_date=dict(found="2023-01-01", confidence=1.0)))
    assert "APPR.COUNT" in got and "SEN.TECHNICIAN_DATE" in got
    msg = got["APPR.COUNT"].message
    assert "仅1次" in msg and "2023年度合格" in msg and "须不少于2次" in msg and got["APPR.COUNT"].severity == "block"
    # appointed in 2022: the year partly in post counts, 2022 and 2023 make two
    got = fired(make("junior_college", appraisals=apps, technician_date=dict(found="2022-12-31", confidence=1.0)))
    assert "APPR.COUNT" not in got and "SEN.TECHNICIAN_DATE" not in got


@pytest.mark.parametrize("edu, apps, fires", [
    ("junior_college", {2023: "合格"}, True),
    ("junior_college", {2022: "合格", 2023: "合格"}, False),
    ("junior_college", {2022: "基本合格", 2023: "合格"}, True),
    ("secondary", {2021: "合格", 2022: "合格", 2023: "合格"}, True),
    ("secondary", {2020: "合格", 2021: "称职", 2022: "优秀", 2023: "合格"}, False),
    ("bachelor", {2023: "合格"}, False),
    ("master", {2023: "称职"}, False),
])
def test_appraisal_count_per_education(edu, apps, fires):
    got = fired(make(edu, appraisals=apps, technician_date=dict(found="2018-09-01", confidence=1.0)))
    assert ("APPR.COUNT" in got) is fires


@pytest.mark.parametrize("kind", ["non_public", "flexible", "freelance"])
def test_exempt_employers_get_no_appraisal_finding(kind):
    dossier = make("junior_college", appraisals={2023: "基本合格"}, employer_type=dict(declared=kind))
    assert not {"APPR.COUNT", "APPR.RECENT", "CHECK.UNDECIDED"} & set(fired(dossier))
    assert {"APPR.COUNT", "APPR.RECENT"} <= set(fired(make("junior_college", appraisals={2023: "基本合格"},
                                                           employer_type=dict(declared="enterprise"))))


def test_no_appraisals_and_an_unknown_employer_type_is_undecided_not_blocked():
    no_forms = tuple(d for d in ALL_DOCS if d != "appraisal")
    got = fired(make("junior_college", docs=no_forms, appraisals={}))
    assert "CHECK.UNDECIDED" in got and "单位性质不明" in got["CHECK.UNDECIDED"].message
    assert not {"APPR.COUNT", "APPR.RECENT"} & set(got)
    # the form says so: 非公有制经济组织人员，不提供年度考核材料 → exempt, nothing to say
    said = _declared("appraisals", {}, note="the form states: 非公有制经济组织人员，不提供年度考核材料。",
                     text="非公有制经济组织人员，不提供年度考核材料。")
    assert not fired(make("junior_college", docs=no_forms, appraisals={}, values=[said]))
    # a public institution without appraisals: EVID.MISSING's, not a guess of ours
    got = fired(make("junior_college", docs=no_forms, appraisals={},
                     employer_type=dict(found="public_institution", confidence=0.9)))
    assert not {"APPR.COUNT", "APPR.RECENT", "CHECK.UNDECIDED"} & set(got)


def test_an_unread_year_never_makes_a_block():
    # 大专 needs 2: 2023 qualifies, 2022 is illegible → could be the second: no block (OCR.LOW_CONFIDENCE)
    faint = _appraisal(2022, None, confidence=0.0)
    merged = dict(found={"2022": None, "2023": "合格"}, confidence=0.0)
    got = fired(make("junior_college", appraisals={2023: "合格"}, values=[faint], fields={"appraisals": merged}))
    assert "APPR.COUNT" not in got and "CHECK.UNDECIDED" not in got and "OCR.LOW_CONFIDENCE" in got
    # 中专 needs 4: even if the faint 2022 qualified, 2 < 4 → a certain block
    got = fired(make("secondary", appraisals={2023: "合格"}, values=[faint]))
    assert "APPR.COUNT" in got


def test_one_faint_year_does_not_hide_the_others():
    """The merged field's confidence is its weakest year's; the years read well still decide."""
    faint = _appraisal(2021, "合格", confidence=0.3)
    dossier = make("junior_college", appraisals={2022: "合格", 2023: "合格"}, values=[faint],
                   fields={"appraisals": dict(found={"2021": "合格", "2022": "合格", "2023": "合格"}, confidence=0.3)})
    got = fired(dossier)
    assert "APPR.COUNT" not in got and "APPR.RECENT" not in got
    # and two clear 基本合格 years are short whatever the faint year says
    got = fired(make("secondary", appraisals={2022: "基本合格", 2023: "合格"}, values=[faint]))
    assert "APPR.COUNT" in got


def test_a_weak_grade_equal_to_the_declared_one_decides():
    weak = _appraisal(2023, "基本合格", confidence=0.5)
    form = _declared("appraisals", {"2022": "合格", "2023": "基本合格"})
    got = fired(make("bachelor", appraisals={}, values=[_appraisal(2022, "合格"), weak, form]))
    assert "APPR.RECENT" in got
    # the same weak reading against a form that says 合格 decides nothing
    form = _declared("appraisals", {"2022": "合格", "2023": "合格"})
    got = fired(make("bachelor", appraisals={}, values=[_appraisal(2022, "合格"), weak, form]))
    assert "APPR.RECENT" not in got


def test_a_year_only_the_form_shows_is_undecided_not_blocked():
    form = _declared("appraisals", {"2022": "合格", "2023": "合格"})
    got = fired(make("junior_college", appraisals={}, values=[_appraisal(2023, "合格"), form]))
    assert "APPR.COUNT" not in got and "CHECK.UNDECIDED" in got and "2022" in got["CHECK.UNDECIDED"].message


def test_when_evidence_and_form_disagree_on_the_appointment_the_earlier_year_counts():
    apps = {2022: "合格", 2023: "合格"}
    late = dict(found="2023-01-01", declared="2021-06-01", confidence=1.0)
    got = fired(make("junior_college", appraisals=apps, technician_date=late))
    assert "SEN.TECHNICIAN_DATE" in got and "APPR.COUNT" not in got
    got = fired(make("junior_college", appraisals=apps, technician_date=dict(found="2023-01-01", confidence=1.0)))
    assert "APPR.COUNT" in got


def test_without_an_appointment_date_every_year_counts_and_the_message_says_so():
    got = fired(make("secondary", appraisals={2022: "合格", 2023: "合格"}, technician_date=dict(found=None)))
    assert "APPR.COUNT" in got and "任现职时间不明" in got["APPR.COUNT"].message


# --- APPR.RECENT -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("apps, fires", [
    ({2021: "合格", 2022: "合格", 2023: "基本合格"}, True),
    ({2021: "合格", 2022: "合格", 2023: "合格"}, False),
    ({2022: "合格", 2023: "不合格", 2024: "优秀"}, False),
    ({2021: "合格", 2022: "优秀"}, True),
    ({2022: "称职", 2023: "基本称职"}, True),
])
def test_the_application_year_or_the_one_before_must_qualify(apps, fires):
    got = fired(make("bachelor", appraisals=apps, technician_date=dict(found="2020-09-01", confidence=1.0)))
    assert ("APPR.RECENT" in got) is fires
    assert "APPR.COUNT" not in got
    if fires:
        assert got["APPR.RECENT"].severity == "block" and "2023年度" in got["APPR.RECENT"].message


def test_an_unread_2023_does_not_block_the_recent_condition():
    got = fired(make("bachelor", appraisals={2021: "合格", 2022: "合格"}, values=[_appraisal(2023, None, 0.0)]))
    assert "APPR.RECENT" not in got
    conflicting = [_appraisal(2023, "合格"), _appraisal(2023, "基本合格")]
    got = fired(make("bachelor", appraisals={2021: "合格", 2022: "合格"}, values=conflicting))
    assert "APPR.RECENT" not in got and "CHECK.UNDECIDED" in got


# --- CE.MISSING, CE.HOURS ---------------------------------------------------------------------------------------

def test_no_continuing_education_evidence():
    no_ce = tuple(d for d in ALL_DOCS if d != "ce_certificate")
    got = fired(make(docs=no_ce, ce={}))
    assert "CE.MISSING" in got and got["CE.MISSING"].severity == "error"
    # hours found on a page classified otherwise still count as evidence
    assert "CE.MISSING" not in fired(make(docs=no_ce, ce={2022: 90, 2023: 90}))
    # a certificate whose hours were not read: undecided, not missing
    got = fired(make(ce={}))
    assert "CE.MISSING" not in got and "CHECK.UNDECIDED" in got


@pytest.mark.parametrize("hours, warn, named", [
    ({2022: 90, 2023: 60}, True, "2023年度继续教育60学时"),
    ({2022: 90, 2023: 89}, True, "89学时"),
    ({2022: 90, 2023: 90}, False, None),
    ({2021: 60, 2022: 96, 2023: 102}, False, None),  # 2021 is not a year the rules check
    ({2023: 90}, True, "未见2022年度"),
])
def test_ce_hours_per_required_year(hours, warn, named):
    got = fired(make(ce=hours))
    assert ("CE.HOURS" in got) is warn
    if warn:
        assert named in got["CE.HOURS"].message and got["CE.HOURS"].severity == "warn"


def test_certificates_of_one_year_add_up_but_one_page_read_twice_counts_once():
    public, professional = _ce({2023: 30}, page=7), _ce({2023: 60}, page=8)
    assert "CE.HOURS" not in fired(make(ce={2022: 90}, values=[public, professional]))
    got = fired(make(ce={2022: 90}, values=[public, _ce({2023: 40}, page=8)]))
    assert "CE.HOURS" in got and "70学时（2份证明合计）" in got["CE.HOURS"].message
    got = fired(make(ce={2022: 90}, values=[_ce({2023: 60}, page=7), _ce({2023: 60}, page=7)]))
    assert "CE.HOURS" in got and "60学时" in got["CE.HOURS"].message


def test_ce_years_come_from_the_rules_empty_means_every_year_shown():
    rules = load_rules().model_copy(update={"ce_years": ()})
    assert "CE.HOURS" in fired(make(ce={2021: 60, 2022: 96, 2023: 102}), rules)


def test_a_weakly_read_short_year_is_undecided_unless_the_form_says_the_same():
    weak = _ce({2023: 60}, confidence=0.5)
    got = fired(make(ce={2022: 90}, values=[weak]))
    assert "CE.HOURS" not in got and "CHECK.UNDECIDED" in got
    got = fired(make(ce={2022: 90}, values=[weak], fields={"ce_hours": dict(declared={"2022": 90, "2023": 60})}))
    assert "CE.HOURS" in got


# --- WORK.REPORT_MISSING, WORK.REPORT_INCOMPLETE -----------------------------------------------------------------

def _page(file, page, *lines):
    return PageText(file=file, page=page, width=100, height=100, source="ocr:x", lines=tuple(Line(text=t) for t in lines))


def test_report_missing():
    no_report = tuple(d for d in ALL_DOCS if d != "work_report")
    got = fired(make(docs=no_report))
    assert "WORK.REPORT_MISSING" in got and got["WORK.REPORT_MISSING"].severity == "block"
    assert "WORK.REPORT_MISSING" not in fired(make())
    # a page the classifier left as `other` but titled like a report: a human looks, no block
    other = Document(type="other", file="r.pdf", pages=(1,), sha256="0")
    dossier = make(docs=no_report, pages=[_page("r.pdf", 1, "专业技术工作总结", "本人于2015年参加工作")])
    dossier = dossier.model_copy(update={"documents": dossier.documents + (other,)})
    got = fired(dossier)
    assert "WORK.REPORT_MISSING" not in got and "r.pdf第1页" in got["CHECK.UNDECIDED"].message
    # or a file that could not be read
    broken = SourceFile(path="x.pdf", sha256="0", size=1, format="pdf", status="failed")
    got = fired(make(docs=no_report, files=[broken]))
    assert "WORK.REPORT_MISSING" not in got and "CHECK.UNDECIDED" in got


@pytest.mark.parametrize("drop, name", [("education", "本人学历学位"), ("work_history", "工作简历"),
                                        ("technical_work", "专业技术工作情况"), ("tasks_and_honours", "主要工作任务及荣誉")])
def test_report_lacks_a_section(drop, name):
    got = fired(make(sections=[s for s in CLEAN_SECTIONS if s != drop]))
    assert "WORK.REPORT_INCOMPLETE" in got and f"未见{name}部分" in got["WORK.REPORT_INCOMPLETE"].message
    assert got["WORK.REPORT_INCOMPLETE"].severity == "warn"


def test_a_report_with_no_section_recognised_is_undecided():
    got = fired(make(sections=[]))
    assert "WORK.REPORT_INCOMPLETE" not in got and "CHECK.UNDECIDED" in got


# --- OPINION.MISSING, OPINION.NOT_ITEMIZED ------------------------------------------------------------------------

def test_opinion_missing_and_not_itemized():
    no_opinion = tuple(d for d in ALL_DOCS if d != "unit_opinion")
    got = fired(make(docs=no_opinion))
    assert "OPINION.MISSING" in got and got["OPINION.MISSING"].severity == "block"
    got = fired(make(itemized=False))
    assert "OPINION.NOT_ITEMIZED" in got and "OPINION.MISSING" not in got and got["OPINION.NOT_ITEMIZED"].evidence
    assert not {"OPINION.MISSING", "OPINION.NOT_ITEMIZED"} & set(fired(make(itemized=True)))
    broken = SourceFile(path="x.jpg", sha256="0", size=1, format="jpeg", status="failed")
    got = fired(make(docs=no_opinion, files=[broken]))
    assert "OPINION.MISSING" not in got and "CHECK.UNDECIDED" in got
