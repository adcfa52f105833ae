"""The applicant's timeline and DATE.IMPOSSIBLE: one case that fires and a near miss per kind of date."""
import datetime as dt

import pytest

from core.records import Dossier, Evidence, ExtractedValue
from extract.merge import merge_fields
from verify import verify_dossier
from verify.rules import load_rules
from verify.timeline import Event, horizon, impossible, span, timeline

RULES = load_rules()
TODAY = dt.date(2026, 6, 1)  # long after the window: the future starts 30 days after it closes


def _ev(doc: str, n: int = 1) -> tuple[Evidence, ...]:
    return (Evidence(file=f"{doc}.pdf", page=n, bbox=(10, 20, 30, 40), text="x"),)


def found(field, value, doc, confidence=0.99):
    return ExtractedValue(field=field, value=value, extractor=f"{doc}@1", origin="found", document=doc,
                          confidence=confidence, evidence=_ev(doc))


def declared(field, value, doc="review_form"):
    return ExtractedValue(field=field, value=value, extractor=f"{doc}@1", origin="declared", document=doc,
                          evidence=(Evidence(file="评审表.docx", text=str(value)),))


def dossier(*values: ExtractedValue) -> Dossier:
    """A dossier as extraction leaves it: every reading, and the fields merged from them."""
    return Dossier(applicant="a", values=values, fields=merge_fields(values))


def date_findings(*values, today=TODAY):
    return impossible(dossier(*values), RULES, today=today)


BACHELOR = (found("education", "bachelor", "diploma"), found("birth_date", "1990-03-05", "id_card"))


# --- dates at their precision ---

def test_span_gives_the_days_a_date_can_mean():
    assert span("2013-07-01") == (dt.date(2013, 7, 1), dt.date(2013, 7, 1))
    assert span("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert span("2023") == span(2023) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert span("2024-12-08T16:02:04") == (dt.date(2024, 12, 8),) * 2
    assert span("2024-13-01") is None and span("garbage") is None and span(None) is None


# --- the timeline ---

def test_timeline_orders_every_event_and_says_where_each_date_comes_from():
    d = dossier(
        found("birth_date", "1990-03-05", "id_card"), declared("birth_date", "1990-03-05"),
        found("graduation_date", "2012-07-01", "diploma"),
        declared("work_start_date", "2012-08"),
        found("technician_date", "2013-08-15", "appointment", confidence=0.5),  # weak, nothing better
        found("appraisals", {"2022": "合格", "2023": "优秀"}, "appraisal"), declared("appraisals", {"2021": "合格"}),
        found("opinion_date", "2024-11-20", "unit_opinion"),
        found("publicity_start", "2024-11-22", "publicity_record"),
        found("publicity_end", "2024-11-28", "publicity_record"),
        found("photo_taken", "2024-11-25T10:20:33", "publicity_photo"),
        found("submission_date", "2024-12-17", "commitment"),
    )
    events = timeline(d, RULES)
    kinds = [e.kind for e in events]
    assert kinds == ["birth", "graduation", "work_start", "technician", "appraisal", "appraisal", "appraisal",
                     "opinion", "publicity_start", "photo", "publicity_end", "intake", "submission", "window_close"]
    assert [e.sort_day for e in events] == sorted(e.sort_day for e in events)
    by = {e.kind: e for e in events}
    assert by["birth"].source == "found" and by["birth"].document == "id_card" and by["birth"].evidence[0].bbox
    assert by["work_start"].source == "declared" and by["work_start"].precision == "month"
    assert by["technician"].weak and by["technician"].confidence == 0.5
    assert by["photo"].time == "10:20:33" and by["photo"].date == "2024-11-25"
    assert by["intake"].date == "2024-12-16" and by["intake"].source == "notice"
    years = [(e.date, e.label, e.source) for e in events if e.kind == "appraisal"]
    assert years == [("2021", "2021年度考核：合格", "declared"), ("2022", "2022年度考核：合格", "found"),
                     ("2023", "2023年度考核：优秀", "found")]
    assert all(isinstance(e, Event) and e.label for e in events)
    assert events[0].model_dump()["date"] == "1990-03-05"  # plain data for the report


def test_timeline_prefers_a_confident_reading_to_the_declared_value_and_that_to_a_weak_one():
    d = dossier(found("graduation_date", "2012-07-01", "diploma", confidence=0.4),
                found("graduation_date", "2012-07-02", "chsi_report", confidence=0.95),
                declared("graduation_date", "2012-07"))
    grad = next(e for e in timeline(d, RULES) if e.kind == "graduation")
    assert (grad.date, grad.source, grad.document, grad.weak) == ("2012-07-02", "found", "chsi_report", False)
    # a weak reading the declared month corroborates is shown at its own precision; one it contradicts is not
    d = dossier(found("graduation_date", "2012-07-01", "diploma", confidence=0.4),
                declared("graduation_date", "2012-07"))
    grad = next(e for e in timeline(d, RULES) if e.kind == "graduation")
    assert (grad.date, grad.source, grad.weak) == ("2012-07-01", "found", False)
    d = dossier(found("graduation_date", "2013-07-01", "diploma", confidence=0.4),
                declared("graduation_date", "2012-07"))
    grad = next(e for e in timeline(d, RULES) if e.kind == "graduation")
    assert (grad.date, grad.source, grad.weak) == ("2012-07", "declared", False)


# --- DATE.IMPOSSIBLE: age at graduation ---

@pytest.mark.parametrize("birth, graduation, fires", [
    ("2000-07-01", "2014-07-01", False),  # 14 exactly
    ("2000-07-01", "2014-06-30", True),   # a day short of 14
    ("2002-07-16", "2015-07-01", True),   # 12: the planted fault
    ("2000-07", "2014-07-15", False),     # month vs day: may be 14
    ("2000-07", "2014-06", True),         # certainly under 14 whatever the days
    ("2000-07", "2014-07", False),        # same month: cannot tell
])
def test_graduating_too_young(birth, graduation, fires):
    got = date_findings(found("birth_date", birth, "id_card"), found("graduation_date", graduation, "diploma"))
    assert bool(got) is fires
    if fires:
        f = got[0]
        assert f.rule == "DATE.IMPOSSIBLE" and f.severity == "error" and "不满14周岁" in f.message
        assert {e.file for e in f.evidence} == {"id_card.pdf", "diploma.pdf"}


def test_born_after_graduating_says_so():
    got = date_findings(found("birth_date", "2015-01-01", "id_card"), found("graduation_date", "2014-07-01", "diploma"))
    assert len(got) == 1 and "晚于毕业日期" in got[0].message


def test_a_weak_or_lone_misread_birth_date_accuses_no_one():
    # the weak reading decides nothing
    assert not date_findings(found("birth_date", "2002-07-16", "id_card", confidence=0.6),
                             found("graduation_date", "2015-07-01", "diploma"))
    # two confident readings disagree: one of them is wrong, DOC.INCONSISTENT's business
    assert not date_findings(found("birth_date", "2002-07-16", "id_card"),
                             found("birth_date", "1992-07-16", "chsi_report"),
                             found("graduation_date", "2015-07-01", "diploma"))


# --- DATE.IMPOSSIBLE: appointment, probation, appraisals against graduation and work ---

@pytest.mark.parametrize("education, technician, fires", [
    ("bachelor", "2019-09-13", True),      # planted: 120-300 days before graduating
    ("master", "2019-09-13", True),
    ("bachelor", "2020-07-01", False),     # the day of graduation
    ("bachelor", "2020-07", False),        # the month of graduation: cannot tell
    ("junior_college", "2019-09-13", False),  # 大专: may be a 中专 technician studying part-time
    ("secondary", "2019-09-13", False),
])
def test_appointed_before_graduating(education, technician, fires):
    got = date_findings(found("education", education, "diploma"), found("graduation_date", "2020-07-01", "diploma"),
                        found("technician_date", technician, "appointment"))
    assert bool(got) is fires
    if fires:
        assert got[0].field == "technician_date" and "早于毕业日期" in got[0].message


def test_appointment_after_an_earlier_diploma_in_the_dossier_is_possible():
    got = date_findings(found("education", "bachelor", "diploma"), found("graduation_date", "2020-07-01", "diploma"),
                        found("graduation_date", "2015-07-01", "chsi_report"),
                        found("technician_date", "2019-09-13", "appointment"))
    assert not got


def test_appointment_declared_only_stands_in_when_no_letter_shows_it():
    base = (found("education", "bachelor", "diploma"), found("graduation_date", "2020-07-01", "diploma"))
    assert date_findings(*base, declared("technician_date", "2019-09-13"))
    # the letter says after graduation; the form's slip is DECL.MISMATCH, not an impossible date
    assert not date_findings(*base, declared("technician_date", "2019-09-13"),
                             found("technician_date", "2020-09-13", "appointment"))
    # the letter is there but read weakly: a human reads it first ...
    assert not date_findings(*base, declared("technician_date", "2019-09-13"),
                             found("technician_date", "2019-09-18", "appointment", confidence=0.3))
    # ... unless the weak reading is exactly what the form declares (verify.facts.corroborated)
    assert date_findings(*base, declared("technician_date", "2019-09-13"),
                         found("technician_date", "2019-09-13", "appointment", confidence=0.3))


@pytest.mark.parametrize("end, fires", [("2019-06-30", True), ("2020-06-30", True), ("2021-06-30", False),
                                        ("2020-07", False)])
def test_probation_ending_before_graduation(end, fires):
    got = date_findings(*BACHELOR, found("graduation_date", "2020-07-01", "diploma"),
                        found("probation_end_date", end, "probation"))
    assert bool(got) is fires
    if fires:
        assert got[0].field == "probation_end_date"


@pytest.mark.parametrize("years, fires", [({"2012": "合格"}, True), ({"2013": "合格", "2014": "合格"}, False)])
def test_appraisal_before_work_start(years, fires):
    got = date_findings(found("education", "junior_college", "diploma"),
                        found("work_start_date", "2013-08", "work_report"), found("appraisals", years, "appraisal"))
    assert bool(got) is fires
    if fires:
        assert "2012年度考核早于参加工作时间" in got[0].message


@pytest.mark.parametrize("education, fires", [("bachelor", True), ("junior_college", False)])
def test_appraisal_before_graduation_year(education, fires):
    got = date_findings(found("education", education, "diploma"), found("graduation_date", "2016-07-01", "diploma"),
                        found("appraisals", {"2015": "合格", "2016": "合格"}, "appraisal"))
    assert bool(got) is fires


# --- DATE.IMPOSSIBLE: the future ---

def test_the_future_starts_at_today_or_a_month_after_the_window():
    assert horizon(RULES, dt.date(2024, 12, 17)) == dt.date(2024, 12, 17)
    assert horizon(RULES, TODAY) == dt.date(2025, 1, 19)


@pytest.mark.parametrize("field, value, today, fires", [
    ("graduation_date", "2025-07-01", TODAY, True),
    ("graduation_date", "2025-01-19", TODAY, False),
    ("submission_date", "2024-12-18", dt.date(2024, 12, 17), True),   # the check runs on the 17th
    ("submission_date", "2024-12-17", dt.date(2024, 12, 17), False),
    ("submission_date", "2024-12-23", TODAY, False),                  # late: SUBMIT.WINDOW's business
    ("technician_date", "2025-03", TODAY, True),
])
def test_a_date_in_the_future(field, value, today, fires):
    got = date_findings(found(field, value, "diploma"), today=today)
    assert bool(got) is fires
    if fires:
        assert "尚未到来" in got[0].message and got[0].field == field


def test_photo_times_and_opinion_dates_are_not_judged_against_the_future():
    assert not date_findings(found("photo_taken", "2031-01-01T00:00:00", "publicity_photo"),
                             found("opinion_date", "2025-05-31", "unit_opinion"))


def test_an_appraisal_of_a_year_to_come():
    got = date_findings(found("appraisals", {"2023": "合格", "2026": "合格"}, "appraisal"))
    assert len(got) == 1 and "2026年度考核" in got[0].message


def test_a_clean_applicant_has_no_impossible_date_and_the_check_is_registered():
    d = dossier(*BACHELOR, found("graduation_date", "2012-07-01", "diploma"), declared("graduation_date", "2012-07"),
                found("work_start_date", "2012-08", "work_report"),
                found("probation_end_date", "2013-08-14", "probation"),
                found("technician_date", "2013-08-15", "appointment"),
                found("appraisals", {"2022": "合格", "2023": "合格"}, "appraisal"),
                found("submission_date", "2024-12-17", "commitment"))
    assert not impossible(d, RULES, today=TODAY)
    bad = dossier(found("birth_date", "2002-07-16", "id_card"), found("graduation_date", "2015-07-01", "diploma"))
    assert "DATE.IMPOSSIBLE" in {f.rule for f in verify_dossier(bad, RULES)}
