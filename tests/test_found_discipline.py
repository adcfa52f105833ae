"""The discipline reading (extract/found_special.discipline): a sanction and its period, from a 处分决定
(an `other` page), the unit opinion, an appraisal form, or a decision page a work report took in."""
import pytest

from core.records import Document, Line, PageText
from extract.extractors import ExtractContext, extractors
from extract import run as _run  # noqa: F401  (registers every extractor)


def _readings(doc_type: str, *texts: str, confidence: float = 0.99) -> list:
    lines = tuple(Line(text=t, bbox=(100, 100 + 60 * i, 100 + 30 * max(len(t), 1), 140 + 60 * i), confidence=confidence)
                  for i, t in enumerate(texts))
    page = PageText(file="scan.pdf", page=1, width=2000, height=3000, source="ocr:test@1", lines=lines)
    doc = Document(type=doc_type, file="scan.pdf", pages=(1,), sha256="0")
    return [v for v in extractors.get(doc_type)(doc, [page], ExtractContext()) if v.field == "discipline"]


DECISION = ("关于给予吕倩同志记过处分的决定",
            "吕倩同志在2024年5月井下安全检查工作中失职，造成不良后果。经研究决",
            "定，给予吕倩同志记过处分，处分期间为十二个月，自2024年6月1日起至",
            "2025年5月31日止。",
            "单位盖章",
            "2024年6月1日")


def test_a_decision_classified_other_gives_the_sanction_and_its_period():
    got = _readings("other", *DECISION)
    assert len(got) == 1
    v = got[0]
    assert v.value == {"sanction": "记过", "start": "2024-06-01", "end": "2025-05-31", "months": 12}
    assert v.document == "other" and v.confidence >= 0.9
    texts = [e.text for e in v.evidence]
    assert "记过" in texts and any("2025年5月31日" in t or "2025年5月31日止" in t for t in texts)
    assert all(e.bbox for e in v.evidence)


def test_the_unit_opinion_s_other_item():
    got = _readings("unit_opinion", "单位鉴定意见", "一、品德条件：政治立场坚定，遵纪守法。",
                    "七、其他：该同志于2024年6月受到记过处分，处分期至2025年5月31日。",
                    "综上，同意推荐吕倩同志申报矿山信息和智能化专业助理工程师任职资格。", "2024年11月25日")
    assert [v.value for v in got] == [{"sanction": "记过", "start": "2024-06", "end": "2025-05-31", "months": None}]


@pytest.mark.parametrize("sentence", [
    "该同志任现职以来遵纪守法，未受过任何处分。",
    "该同志未受到警告及以上处分。",
    "经研究，决定对其免予处分。",
    "该同志2023年受到的警告处分已于2023年12月解除。",
])
def test_a_denied_or_lifted_sanction_is_no_reading(sentence):
    assert not _readings("unit_opinion", "单位鉴定意见", sentence, "2024年11月25日")


def test_a_decision_without_a_period_takes_effect_on_its_date_and_a_plain_warning_is_read_as_such():
    got = _readings("other", "关于给予张三同志警告处分的决定", "经研究，给予张三同志警告处分。", "单位盖章", "2024年9月2日")
    assert [v.value for v in got] == [{"sanction": "警告", "start": "2024-09-02", "end": None, "months": None}]
    assert "dated" in got[0].note


def test_heavier_sanctions_are_told_apart_from_the_words_they_hold():
    got = _readings("other", "经研究，给予李四同志记大过处分，处分期间为十八个月。")
    assert got[0].value["sanction"] == "记大过" and got[0].value["months"] == 18
    got = _readings("other", "经党委研究，给予王五同志党内严重警告处分。")
    assert got[0].value["sanction"] == "严重警告"


def test_a_work_report_speaks_of_others_sanctions_but_a_decision_page_it_took_in_counts():
    report = ("专业技术工作总结", "在安全检查中，对3名违章作业人员给予记过处分，消除了隐患。")
    assert not _readings("work_report", *report)
    lines = tuple(Line(text=t, bbox=(100, 100 + 60 * i, 900, 140 + 60 * i), confidence=0.99) for i, t in enumerate(report))
    decision = tuple(Line(text=t, bbox=(100, 100 + 60 * i, 900, 140 + 60 * i), confidence=0.99) for i, t in enumerate(DECISION))
    pages = [PageText(file="r.pdf", page=1, width=2000, height=3000, source="ocr:test@1", lines=lines),
             PageText(file="r.pdf", page=2, width=2000, height=3000, source="ocr:test@1", lines=decision)]
    doc = Document(type="work_report", file="r.pdf", pages=(1, 2), sha256="0")
    got = [v for v in extractors.get("work_report")(doc, pages, ExtractContext()) if v.field == "discipline"]
    assert [v.value["end"] for v in got] == ["2025-05-31"] and got[0].evidence[0].page == 2


def test_safety_warnings_are_not_sanctions():
    assert not _readings("other", "在巷道入口设置警告标识，对违章行为进行警告教育。")


def test_a_sanction_named_without_the_word_处分():
    got = _readings("unit_opinion", "该同志于2024年3月1日受到记过一次，期限至2025年2月28日。")
    assert [v.value for v in got] == [{"sanction": "记过", "start": "2024-03-01", "end": "2025-02-28", "months": None}]


def test_a_decision_page_taken_for_another_document_still_counts_a_mention_in_its_body_does_not():
    assert [v.value["sanction"] for v in _readings("appointment", *DECISION)] == ["记过"]
    report = ("专业技术工作总结", "按照处分决定，对3名违章作业人员给予记过处分，处分期间为十二个月。")
    assert not _readings("work_report", *report)


def test_an_opinion_citing_a_decision_does_not_take_its_own_date_for_the_start():
    got = _readings("unit_opinion", "单位鉴定意见", "该同志受到记过处分（见处分决定）。", "2024年11月25日")
    assert [v.value for v in got] == [{"sanction": "记过", "start": None, "end": None, "months": None}]
