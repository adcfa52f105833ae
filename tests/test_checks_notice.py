"""One case that fires and a near miss that does not, per rule implemented so far (issue 4)."""
import datetime as dt

import pytest

from core.records import Dossier, Evidence, FieldReport
from verify import verify_dossier
from verify.calendar import CalendarUnknown, working_days

EV = (Evidence(file="s.pdf", page=1, bbox=(1, 2, 3, 4), text="x"),)


def _rules_fired(**fields):
    dossier = Dossier(applicant="a", fields={k: FieldReport(evidence=EV, confidence=1.0, **v) for k, v in fields.items()})
    return {f.rule: f for f in verify_dossier(dossier) if f.rule not in ("CHECK.INCOMPLETE",)}


def test_working_days_follow_the_official_schedule_and_refuse_unknown_years():
    assert working_days(dt.date(2024, 11, 27), dt.date(2024, 12, 2)) == 4  # Wed → Mon
    # 9-29 (Sun) and 10-12 (Sat) are 调休 working days; 10-1…10-7 are 国庆: 9-29, 9-30, 10-8 … 10-12
    assert working_days(dt.date(2024, 9, 29), dt.date(2024, 10, 12)) == 7
    with pytest.raises(CalendarUnknown):
        working_days(dt.date(2031, 1, 1), dt.date(2031, 1, 9))


@pytest.mark.parametrize("start, end, fires", [
    ("2024-11-27", "2024-12-02", True),   # 4 working days
    ("2024-11-27", "2024-12-03", False),  # exactly 5
    ("2024-09-30", "2024-10-09", True),   # across 国庆: 9-30, 10-8, 10-9 = 3
])
def test_publicity_duration(start, end, fires):
    got = _rules_fired(publicity_start=dict(found=start), publicity_end=dict(found=end))
    assert ("PUB.DURATION" in got) is fires
    if fires:
        assert "不足5个工作日" in got["PUB.DURATION"].message and got["PUB.DURATION"].evidence[0].bbox == (1, 2, 3, 4)
        assert got["PUB.DURATION"].severity == "block"


def test_publicity_in_a_year_without_a_known_calendar_is_undecided_not_passed():
    got = _rules_fired(publicity_start=dict(found="2031-01-02"), publicity_end=dict(found="2031-01-09"))
    assert "CHECK.UNDECIDED" in got and "PUB.DURATION" not in got


@pytest.mark.parametrize("day, fires", [("2024-12-16", False), ("2024-12-20", False), ("2024-12-15", True),
                                        ("2024-12-21", True), ("2024-12", False)])
def test_submission_window(day, fires):
    assert ("SUBMIT.WINDOW" in _rules_fired(submission_date=dict(found=day))) is fires


@pytest.mark.parametrize("specialty, fires", [("矿山机电", False), ("燃气输配工程", False), ("工程造价", True),
                                              ("矿山机电技术", True)])
def test_specialty_in_the_notices_list(specialty, fires):
    got = _rules_fired(specialty=dict(declared=specialty))
    assert ("SCOPE.SPECIALTY" in got) is fires
    if fires:
        assert specialty in got["SCOPE.SPECIALTY"].message


@pytest.mark.parametrize("number, sex, fires", [
    ("140502198906172712", "男", False),
    ("140502198906172713", "男", True),   # check digit
    ("140502198906172712", "女", True),   # sex digit 1 is male
    ("14050219890231271X", "男", True),   # 1989-02-31 does not exist (and the check digit fails)
])
def test_id_number_gb11643(number, sex, fires):
    got = _rules_fired(id_number=dict(found=number), sex=dict(found=sex))
    assert ("ID.INVALID" in got) is fires


def test_a_weakly_read_date_decides_nothing_it_goes_to_a_human():
    dossier = Dossier(applicant="a", fields={"submission_date": FieldReport(found="2024-12-01", declared="2024-12-16",
                                                                            confidence=0.75, evidence=EV)})
    rules = {f.rule for f in verify_dossier(dossier)}
    assert "SUBMIT.WINDOW" not in rules and "OCR.LOW_CONFIDENCE" in rules


def _with_check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


@pytest.mark.parametrize("first17, fires", [
    ("99050219890617271", True),    # no province has the code 99: the checksum alone would pass it
    ("83000019890617271", False),   # 83: residence permits of Taiwan residents
    ("50010219890617271", False),   # 50 Chongqing (since 1997)
])
def test_the_province_of_an_id_number(first17, fires):
    number = _with_check_digit(first17)
    got = _rules_fired(id_number=dict(found=number), sex=dict(found="男"))
    assert ("ID.INVALID" in got) is fires
    if fires:
        assert "省级行政区代码" in got["ID.INVALID"].message and "校验码" not in got["ID.INVALID"].message
