"""Next year's notice is a new rules file, not new code: the same dossier, judged under the 2024 notice
and under the hypothetical 2025 one (every date a year on), passes or fails as each file's dates say."""
import pytest

from core.records import FieldReport
from verify import verify_dossier
from verify.rules import RULES_DIR, load_rules
from test_checks_conditions import EV, make

R2024 = load_rules()
R2025 = load_rules(RULES_DIR / "yangcheng-2025-coal-junior-example.yaml")


def _rules_under(dossier, rules):
    return {f.rule for f in verify_dossier(dossier, rules)} - {"CHECK.INCOMPLETE"}


def _with(dossier, **fields):
    return dossier.model_copy(update={"fields": {**dossier.fields, **{
        k: FieldReport(evidence=EV, confidence=1.0, **v) for k, v in fields.items()}}})


@pytest.mark.parametrize("technician, in_2024, in_2025", [
    ("2022-12-31", False, False),
    ("2023-06-01", True, False),   # after the 2024 notice's 大专 cutoff, before the 2025 one
    ("2024-01-01", True, True),
])
def test_the_technician_cutoff_moves_with_the_rules_file(technician, in_2024, in_2025):
    apps = {2023: "合格", 2024: "合格", 2025: "合格"}
    d = make("junior_college", appraisals=apps,
             technician_date=dict(found=technician, declared=technician, confidence=1.0))
    assert ("SEN.TECHNICIAN_DATE" in _rules_under(d, R2024)) is in_2024
    assert ("SEN.TECHNICIAN_DATE" in _rules_under(d, R2025)) is in_2025


@pytest.mark.parametrize("day, in_2024, in_2025", [
    ("2024-12-18", False, True),
    ("2025-12-15", True, False),
])
def test_the_submission_window_moves_with_the_rules_file(day, in_2024, in_2025):
    d = _with(make("bachelor"), submission_date=dict(found=day))
    assert ("SUBMIT.WINDOW" in _rules_under(d, R2024)) is in_2024
    assert ("SUBMIT.WINDOW" in _rules_under(d, R2025)) is in_2025


def test_the_recent_appraisal_years_move_with_the_rules_file():
    d = make("bachelor", appraisals={2021: "合格", 2022: "合格", 2023: "合格"})
    assert "APPR.RECENT" not in _rules_under(d, R2024)   # 2023 is the year before 2024
    assert "APPR.RECENT" in _rules_under(d, R2025)       # 2025 asks for 2025 or 2024
