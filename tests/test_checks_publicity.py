"""The 三公示 checks of 五(一) and PUB.ORDER: one case that fires and a near miss per rule."""
import pytest

from core.records import Document, Dossier, Evidence, ExtractedValue, IngestIssue, Line, PageText, SourceFile
from extract.merge import merge_fields
from verify import verify_dossier
from verify.checks_publicity import (publicity_content, publicity_documents, publicity_order,
                                     publicity_photo_date)
from verify.rules import load_rules

RULES = load_rules()
ALL_ITEMS = ["conditions", "application", "opinion"]


def _ev(doc: str) -> tuple[Evidence, ...]:
    return (Evidence(file=f"{doc}.jpg", page=1, bbox=(1, 2, 3, 4), text="x"),)


def found(field, value, doc, confidence=0.99):
    return ExtractedValue(field=field, value=value, extractor=f"{doc}@1", origin="found", document=doc,
                          confidence=confidence, evidence=_ev(doc))


def doc(kind: str, file: str | None = None) -> Document:
    return Document(type=kind, file=file or f"{kind}.jpg", pages=(1,), sha256="0")


def dossier(*values: ExtractedValue, docs=("publicity_record", "publicity_photo"), pages=(), extra_docs=()) -> Dossier:
    documents = tuple(doc(k) for k in docs) + tuple(extra_docs)
    return Dossier(applicant="a", values=values, fields=merge_fields(values), documents=documents, pages=tuple(pages))


def rules_of(findings):
    return [f.rule for f in findings]


PERIOD = (found("publicity_start", "2024-12-03", "publicity_record"),
          found("publicity_end", "2024-12-11", "publicity_record"))


# --- PUB.MISSING, PUB.PHOTO_MISSING ---

@pytest.mark.parametrize("docs, expected", [
    ((), ["PUB.MISSING", "PUB.PHOTO_MISSING"]),                   # the planted publicity_missing
    (("publicity_record",), ["PUB.PHOTO_MISSING"]),               # the planted publicity_photo_missing
    (("publicity_photo",), ["EVID.MISSING"]),                     # a photo shows the publicity took place
    (("publicity_record", "publicity_photo"), []),
])
def test_publicity_documents(docs, expected):
    got = publicity_documents(dossier(docs=docs), RULES)
    assert rules_of(got) == expected
    for f in got:
        assert f.field in ("publicity_record", "publicity_photo") and "五(一)" in f.message
    if "PUB.MISSING" in expected:
        assert got[0].severity == "block"


def test_an_unrecognised_page_that_speaks_of_publicity_blocks_no_one():
    page = PageText(file="scan9.pdf", page=2, width=100, height=100, source="ocr:x",
                    lines=(Line(text="任职资格评审推荐过程三公示纪实表"),))
    got = publicity_documents(dossier(docs=(), pages=[page], extra_docs=[doc("other", "scan9.pdf")]), RULES)
    assert rules_of(got) == ["CHECK.UNDECIDED", "PUB.PHOTO_MISSING"]
    assert "scan9.pdf第2页" in got[0].message and got[0].evidence[0].page == 2
    # a page of a recognised document does not count
    claimed = Document(type="unit_opinion", file="scan9.pdf", pages=(2,), sha256="0")
    got = publicity_documents(dossier(docs=(), pages=[page], extra_docs=[claimed]), RULES)
    assert rules_of(got) == ["PUB.MISSING", "PUB.PHOTO_MISSING"]


def test_a_file_that_could_not_be_read_may_hold_the_record():
    bad = SourceFile(path="scan0050.pdf", sha256="0", size=10, format="pdf", status="failed",
                     issues=(IngestIssue(stage="ingest", category="corrupt", message="broken xref"),))
    d = dossier(docs=()).model_copy(update={"files": (bad,)})
    got = publicity_documents(d, RULES)
    assert rules_of(got) == ["CHECK.UNDECIDED", "PUB.PHOTO_MISSING"]
    assert "scan0050.pdf" in got[0].message and got[0].evidence[0].file == "scan0050.pdf"


# --- PUB.CONTENT ---

def test_a_record_without_the_unit_opinion_is_reported_by_name():
    got = publicity_content(dossier(found("publicity_items", ["conditions", "application"], "publicity_record"),
                                    found("publicity_items", ALL_ITEMS, "publicity_photo", 0.4)), RULES)
    assert rules_of(got) == ["PUB.CONTENT"] and got[0].severity == "error"
    assert "缺少单位鉴定意见" in got[0].message and "公示现场照片中提及单位鉴定意见" in got[0].message
    assert got[0].evidence[0].file == "publicity_record.jpg"


def test_a_record_with_all_three_items_passes():
    assert not publicity_content(dossier(found("publicity_items", ALL_ITEMS, "publicity_record")), RULES)


def test_a_weakly_read_record_falls_back_on_the_photo_else_a_human_decides():
    weak = found("publicity_items", ["conditions", "application"], "publicity_record", 0.5)
    assert not publicity_content(dossier(weak, found("publicity_items", ALL_ITEMS, "publicity_photo", 0.3)), RULES)
    got = publicity_content(dossier(weak), RULES)
    assert rules_of(got) == ["CHECK.UNDECIDED"] and "单位鉴定意见" in got[0].message
    # a record whose contents were not read at all is not proof of absence either
    assert rules_of(publicity_content(dossier(), RULES)) == ["CHECK.UNDECIDED"]


@pytest.mark.parametrize("text, fires", [("评审条件、个人申报条件", True), ("评审条件、个人申报条件、", False),
                                         ("1.评审条件；2.个人申报条件；3.", False)])
def test_a_list_cut_at_the_line_end_is_not_proof_of_absence(text, fires):
    reading = ExtractedValue(field="publicity_items", value=["conditions", "application"], extractor="r@1",
                             document="publicity_record", confidence=0.99, evidence=(Evidence(file="r.pdf", text=text),))
    got = rules_of(publicity_content(dossier(reading), RULES))
    assert got == (["PUB.CONTENT"] if fires else ["CHECK.UNDECIDED"])


def test_content_without_a_record_is_read_from_the_photo():
    only_photo = dossier(found("publicity_items", ["conditions"], "publicity_photo"), docs=("publicity_photo",))
    got = publicity_content(only_photo, RULES)
    assert rules_of(got) == ["PUB.CONTENT"] and "个人申报条件、单位鉴定意见" in got[0].message
    assert not publicity_content(dossier(docs=()), RULES)  # PUB.MISSING's business


# --- PUB.PHOTO_DATE ---

@pytest.mark.parametrize("taken, fires", [
    (["2024-12-15T14:22:20"], True),                          # 4 days after the end: planted
    (["2024-12-02T18:00:00"], True),                          # the evening before it began
    (["2024-12-11T17:30:00"], False),                         # the last day counts
    (["2024-12-03T08:00:00"], False),                         # the first day counts
    (["2024-12-15T14:22:20", "2024-12-05T09:00:00"], False),  # one photo shows it up during the period
    ([], False),                                              # no EXIF: nothing to compare
])
def test_photo_date(taken, fires):
    photos = [found("photo_taken", t, "publicity_photo") for t in taken]
    got = publicity_photo_date(dossier(*PERIOD, *photos), RULES)
    assert bool(got) is fires
    if fires:
        assert got[0].rule == "PUB.PHOTO_DATE" and got[0].severity == "warn"
        assert "2024年12月3日至2024年12月11日" in got[0].message


def test_photo_date_against_a_weak_end_says_the_end_is_uncertain():
    got = publicity_photo_date(dossier(PERIOD[0], found("publicity_end", "2024-11-29", "publicity_record", 0.59),
                                       found("photo_taken", "2024-12-03T11:49:06", "publicity_photo")), RULES)
    assert rules_of(got) == ["PUB.PHOTO_DATE"] and "结束日期读数不确定" in got[0].message


# --- PUB.ORDER ---

@pytest.mark.parametrize("end, submitted, fires", [
    ("2024-12-17", "2024-12-16", True),   # planted: 12-11..12-17, submitted 12-16
    ("2024-12-16", "2024-12-16", False),  # ends the day the materials are dated
    ("2024-12-11", "2024-12-16", False),
])
def test_publicity_ends_after_submission(end, submitted, fires):
    got = publicity_order(dossier(found("publicity_start", "2024-12-11", "publicity_record"),
                                  found("publicity_end", end, "publicity_record"),
                                  found("submission_date", submitted, "commitment")), RULES)
    assert rules_of(got) == (["PUB.ORDER"] if fires else [])
    if fires:
        assert got[0].field == "publicity_end" and "晚于申报材料日期2024年12月16日" in got[0].message
        assert {e.file for e in got[0].evidence} == {"publicity_record.jpg", "commitment.jpg"}


def test_a_weakly_read_submission_date_decides_no_order():
    assert not publicity_order(dossier(*PERIOD, found("submission_date", "2024-12-01", "commitment", 0.75)), RULES)


@pytest.mark.parametrize("opinion, fires", [
    ("2024-12-05", True),    # dated after the publicity began
    ("2024-12-03", False),   # the same day
    ("2024-11-28", False),
    ("2025-05-31", False),   # after the materials' date: a date quoted in the opinion, not its signature
])
def test_publicity_starts_before_the_unit_opinion(opinion, fires):
    got = publicity_order(dossier(*PERIOD, found("submission_date", "2024-12-18", "commitment"),
                                  found("opinion_date", opinion, "unit_opinion")), RULES)
    assert rules_of(got) == (["PUB.ORDER"] if fires else [])
    if fires:
        assert got[0].field == "publicity_start" and "早于单位鉴定意见" in got[0].message


def test_a_publicity_whose_period_was_not_read_at_all_is_undecided():
    got = publicity_order(dossier(found("publicity_items", ALL_ITEMS, "publicity_record")), RULES)
    assert rules_of(got) == ["CHECK.UNDECIDED"] and "公示开始和结束日期" in got[0].message
    # an unreadable reading: OCR.LOW_CONFIDENCE points at it, no second finding
    assert not publicity_order(dossier(found("publicity_start", None, "publicity_record", 0.0),
                                       found("publicity_end", None, "publicity_record", 0.0)), RULES)


def test_the_publicity_rules_run_with_every_check():
    got = {f.rule for f in verify_dossier(dossier(docs=()), RULES)}
    assert {"PUB.MISSING", "PUB.PHOTO_MISSING"} <= got
    clean = dossier(*PERIOD, found("publicity_items", ALL_ITEMS, "publicity_record"),
                    found("photo_taken", "2024-12-05T09:00:00", "publicity_photo"),
                    found("opinion_date", "2024-12-01", "unit_opinion"),
                    found("submission_date", "2024-12-17", "commitment"))
    assert not {f.rule for f in verify_dossier(clean, RULES)} & {"PUB.MISSING", "PUB.PHOTO_MISSING", "PUB.CONTENT",
                                                                "PUB.PHOTO_DATE", "PUB.ORDER", "DATE.IMPOSSIBLE"}


def test_whether_the_publicity_may_end_on_the_submission_day_is_the_rules_files_choice():
    from core.records import Dossier, Evidence, FieldReport
    from verify import verify_dossier
    from verify.rules import load_rules

    ev = (Evidence(file="s.pdf", page=1, bbox=(1, 2, 3, 4), text="x"),)
    d = Dossier(applicant="a", fields={k: FieldReport(found=v, confidence=1.0, evidence=ev) for k, v in (
        ("publicity_start", "2024-12-10"), ("publicity_end", "2024-12-16"), ("submission_date", "2024-12-16"))})
    lenient = load_rules()
    strict = lenient.model_copy(update={"publicity_may_end_on_submission_day": False})
    assert "PUB.ORDER" not in {f.rule for f in verify_dossier(d, lenient)}
    assert "PUB.ORDER" in {f.rule for f in verify_dossier(d, strict)}
