"""The spaCy pipeline (extract/nlp.py): entities and date spans index the original text."""
import pytest

from extract.nlp import analyse, build_pipeline, entities, ruler_patterns

SENTENCE = ("申报专业：采矿工程，学历 大学本科，工学学士学位。\n"
            "于  2012年9月23日起聘任为技术员，2023年度考核 基本合格。\n"
            "公示期：2024年11月25日至29日")


def test_pipeline_is_blank_chinese_with_ruler_and_dates():
    nlp = build_pipeline()
    assert nlp.lang == "zh" and nlp.pipe_names == ["entity_ruler", "dossier_dates"]
    assert build_pipeline() is nlp


def test_specialty_inside_a_sentence():
    assert entities(SENTENCE, "SPECIALTY") == [(5, 9, "采矿工程")]


def test_entity_labels_and_keys():
    doc = analyse(SENTENCE)
    found = [(e.text, e.label_, e.ent_id_) for e in doc.ents]
    assert found == [("采矿工程", "SPECIALTY", "mining"), ("大学本科", "EDU_LEVEL", "bachelor"),
                     ("学士学位", "DEGREE", "bachelor"), ("基本合格", "GRADE", "basic_pass")]


def test_date_inside_a_sentence_keeps_original_offsets():
    (start, end, text), second = entities(SENTENCE, "DATE")
    assert text == "2012年9月23日" and SENTENCE[start:end] == text
    assert second[2] == "2024年11月25日"


def test_date_spans_carry_their_date_match():
    doc = analyse(SENTENCE)
    assert [s._.date.value for s in doc.spans["dates"]] == ["2012-09-23", "2024-11-25"]
    (period,) = doc.spans["date_ranges"]
    assert period.text == "2024年11月25日至29日"
    assert (period._.date_range.start.value, period._.date_range.end.value) == ("2024-11-25", "2024-11-29")
    assert entities(SENTENCE, "DATE_RANGE") == [(period.start_char, period.end_char, period.text)]


@pytest.mark.parametrize("text, specialty", [
    ("采 矿 工 程", "采 矿 工 程"),  # OCR spaces inside the word
    ("专业： 燃气输配  工程\n", "燃气输配  工程"),  # two spaces: a whitespace token of its own
    ("\t\n 矿井通风与安全工程", "矿井通风与安全工程"),
])
def test_specialty_across_whitespace(text, specialty):
    ((start, end, found),) = entities(text, "SPECIALTY")
    assert found == specialty and text[start:end] == specialty


def test_longest_wording_wins():
    assert entities("所学专业：矿山机电技术", "SPECIALTY") == [(5, 11, "矿山机电技术")]
    assert entities("考核 不合格", "GRADE") == [(3, 6, "不合格")]
    assert entities("学历：大学专科", "EDU_LEVEL") == [(3, 7, "大学专科")]


def test_offsets_after_full_width_and_spaces():
    text = "  出生：１９８９年６月１７日   专业：安全工程"
    ((start, end, date),) = entities(text, "DATE")
    assert date == "１９８９年６月１７日" and text[start:end] == date
    assert entities(text, "SPECIALTY") == [(text.index("安全工程"), len(text), "安全工程")]


def test_shared_wording_is_left_out_of_the_ruler():
    patterns = {"".join(tok["ORTH"] for tok in p["pattern"] if "ORTH" in tok) for p in ruler_patterns()}
    assert "博士" not in patterns and "大学" not in patterns
    assert {"博士研究生", "博士学位", "采矿工程", "基本合格"} <= patterns


def test_unknown_label_is_refused():
    with pytest.raises(ValueError, match="SPECIALTY"):
        entities("采矿工程", "MAJOR")
