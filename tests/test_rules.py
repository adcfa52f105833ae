"""Every rules file loads and agrees with the notice; reading-quality findings come from its threshold."""
import datetime as dt

import pytest

from core.errors import RulesError
from core.records import Dossier, Evidence, FieldReport
from extract.merge import CONTRACT_FIELDS
from verify import verify_dossier
from conftest import shared_file
from verify.catalogue import load_catalogue
from verify.rules import RULES_DIR, load_rules


@pytest.mark.parametrize("path", sorted(RULES_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_rules_file_loads(path):
    rules = load_rules(path)
    assert rules.id == path.stem
    assert set(rules.deciding_fields) <= set(CONTRACT_FIELDS)
    # every clause a rule cites is quoted in the notice's own words (the reports show it in full)
    for rule_id, spec in load_catalogue().rules.items():
        for code, text in rules.clause_texts(None if spec.clause == "—" else spec.clause):
            assert len(text) > 20, f"{path.name}: no text for clause {code} of {rule_id}"


def test_the_clause_text_is_the_notices_own_words():
    rules = load_rules()
    seed = shared_file("seed/yangcheng-2024-coal-junior-notice.md")  # found wherever the clone lies
    assert [c for c, _ in rules.clause_texts("四, 五(一)")] == ["四", "五(一)"]
    assert "公示期不少于5个工作日" in rules.clause_texts("五(一)")[0][1]
    flat = seed.read_text(encoding="utf-8").replace("*", "").replace("\n", "")
    for code, text in rules.clauses.items():
        for sentence in text.replace("；", "。").replace("……", "。").split("。"):
            sentence = sentence.rsplit("：", 1)[-1].strip()  # after a heading the notice prints in bold
            assert sentence[:10] in flat.replace(" ", "") or sentence[:10] in flat, (code, sentence)


def test_bundled_rules_hold_the_notices_dates_and_lists(tmp_path):
    rules = load_rules()
    assert rules.submission_window == (dt.date(2024, 12, 16), dt.date(2024, 12, 20))
    assert rules.technician_cutoffs == {"junior_college": dt.date(2022, 12, 31), "secondary": dt.date(2020, 12, 31)}
    assert rules.appraisal_min_count["secondary"] == 4 and rules.publicity_min_working_days == 5
    assert "燃气输配工程" in rules.specialty_names and len(rules.specialty_names) == 12


def test_a_broken_rules_file_is_a_rules_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(load_rules().model_dump_json().replace('"secondary"', '"kindergarten"'), encoding="utf-8")
    with pytest.raises(RulesError, match="kindergarten"):
        load_rules(bad)
    with pytest.raises(RulesError):
        load_rules(tmp_path / "missing.yaml")


def _dossier(**fields):
    return Dossier(applicant="a", fields={k: FieldReport(**v) for k, v in fields.items()})


def test_low_confidence_and_unreadable_deciding_fields_are_flagged_for_a_human():
    ev = (Evidence(file="s.pdf", page=1, bbox=(0, 0, 5, 5), text="2O2l年", confidence=0.5, extractor="appointment@1"),)
    findings = verify_dossier(_dossier(
        technician_date=dict(found="2021-09-01", confidence=0.55, evidence=ev),
        birth_date=dict(found="1990-01-02", confidence=0.99, evidence=ev),
        appraisals=dict(found={"2023": None}, confidence=0.0, evidence=ev, note="ticked option could not be told"),
        school=dict(found="x", confidence=0.1),  # not a deciding field
    ))
    low = {f.field: f for f in findings if f.rule == "OCR.LOW_CONFIDENCE"}
    assert set(low) == {"technician_date", "appraisals"}
    assert low["technician_date"].evidence[0].bbox == (0, 0, 5, 5)
    assert "未能识别" in low["appraisals"].message and "2023年度？" in low["appraisals"].message


def test_an_uncertain_reading_that_lands_on_the_declared_value_is_corroborated():
    ev = (Evidence(file="d.jpg", page=1, bbox=(0, 0, 5, 5), text="二O一六年七月三十日", confidence=0.6),)
    same = verify_dossier(_dossier(graduation_date=dict(found="2016-07-30", declared="2016-07-30", confidence=0.6,
                                                        evidence=ev)))
    other = verify_dossier(_dossier(graduation_date=dict(found="2016-07-30", declared="2016-07-01", confidence=0.6,
                                                         evidence=ev)))
    assert not [f for f in same if f.rule == "OCR.LOW_CONFIDENCE"]
    assert [f.field for f in other if f.rule == "OCR.LOW_CONFIDENCE"] == ["graduation_date"]
    # a grade agrees by chance: 合格 is nearly every year's
    grades = verify_dossier(_dossier(appraisals=dict(found={"2022": "合格"}, declared={"2022": "合格"},
                                                     confidence=0.6, evidence=ev)))
    assert [f.field for f in grades if f.rule == "OCR.LOW_CONFIDENCE"] == ["appraisals"]


def test_a_declared_month_corroborates_the_dates_year_and_month():
    ev = (Evidence(file="d.jpg", page=1, bbox=(0, 0, 5, 5), text="二OSO年七月一日", confidence=0.6),)
    fired = lambda declared: [f.field for f in verify_dossier(_dossier(graduation_date=dict(  # noqa: E731
        found="2010-07-01", declared=declared, confidence=0.6, evidence=ev))) if f.rule == "OCR.LOW_CONFIDENCE"]
    assert fired("2010-07") == [] and fired("2010-08") == ["graduation_date"] and fired("2011-07") == ["graduation_date"]


def test_two_documents_reading_the_same_uncertain_date_corroborate_it():
    ev = (Evidence(file="p.jpg", page=1, bbox=(0, 0, 5, 5), text="二〇二四年十一月二十二日", confidence=0.6),)
    low = lambda found_in: [f.field for f in verify_dossier(_dossier(publicity_start=dict(  # noqa: E731
        found="2024-11-22", confidence=0.6, evidence=ev, found_in=found_in))) if f.rule == "OCR.LOW_CONFIDENCE"]
    assert low(("publicity_record", "publicity_photo")) == [] and low(("publicity_record",)) == ["publicity_start"]
