"""DocText's character → box mapping and the merge of readings into report fields."""
from core.records import Evidence, ExtractedValue, Line, PageText, Word
from extract.doctext import DocText
from extract.merge import CONTRACT_FIELDS, merge_fields


def _page(lines, file="a.pdf", page=1):
    return PageText(file=file, page=page, width=1000, height=1000, source="ocr:test@1", lines=tuple(lines))


def _line_with_words(text, x0, y0, w=10, conf=0.9):
    words = tuple(Word(text=ch, bbox=(x0 + i * w, y0, x0 + (i + 1) * w, y0 + 20), confidence=conf)
                  for i, ch in enumerate(text))
    return Line(text=text, bbox=(x0, y0, x0 + len(text) * w, y0 + 20), confidence=conf, words=words)


def test_span_maps_to_the_boxes_of_its_own_characters():
    t = DocText([_page([_line_with_words("姓名何海涛", 100, 50), _line_with_words("性别男", 100, 80, conf=0.6)])])
    start = t.text.index("何海涛")
    (ev,) = t.evidence(start, start + 3, "x@1")
    assert ev.bbox == (120, 50, 150, 70)  # the name's three characters, not the label
    assert ev.text == "何海涛" and ev.file == "a.pdf" and ev.page == 1
    assert t.confidence(t.text.index("男"), t.text.index("男") + 1) == 0.6


def test_line_without_words_is_sliced_evenly_and_spans_across_pages_split():
    plain = Line(text="ABCD", bbox=(0, 0, 40, 10), confidence=0.8)
    t = DocText([_page([plain]), _page([_line_with_words("EF", 0, 0)], page=2)])
    (ev,) = t.evidence(1, 3)
    assert ev.bbox == (10, 0, 30, 10)
    both = t.evidence(2, t.text.index("F") + 1)
    assert [e.page for e in both] == [1, 2]


def test_prose_joiner_reads_across_line_ends():
    t = DocText([_page([_line_with_words("于二〇〇七年九月至二", 0, 0), _line_with_words("〇一一年七月", 0, 30)])], joiner="")
    assert "至二〇一一年七月" in t.text
    start = t.text.index("二〇一一")
    evs = t.evidence(start, start + 6)
    assert len(evs) == 2 and evs[0].bbox[1] == 0 and evs[1].bbox[1] == 30


def _v(field, value, doc, conf=1.0, origin="found"):
    return ExtractedValue(field=field, value=value, extractor=f"{doc}@1", document=doc, confidence=conf, origin=origin,
                          evidence=(Evidence(file=f"{doc}.pdf", page=1, bbox=(0, 0, 1, 1), text=str(value)),))


def test_merge_prefers_the_trusted_document_and_keeps_agreeing_evidence():
    fields = merge_fields([
        _v("birth_date", "1990-01-02", "diploma"),
        _v("birth_date", "1990-01-02", "id_card", 0.95),
        _v("birth_date", "1990-01-03", "chsi_report"),
        _v("birth_date", "1990-01", "review_form", origin="declared"),
    ])
    f = fields["birth_date"]
    assert f.found == "1990-01-02" and f.found_in == ("id_card", "diploma")
    assert f.declared == "1990-01" and f.declared_in == "review_form"
    assert [e.file for e in f.evidence][:2] == ["id_card.pdf", "diploma.pdf"]
    assert set(CONTRACT_FIELDS) <= set(fields)
    assert fields["technician_date"].found is None and fields["technician_date"].declared is None


def test_merge_weak_reading_yields_to_a_confident_one_and_years_union():
    fields = merge_fields([
        _v("graduation_date", "2011-07-01", "diploma", 0.3),
        _v("graduation_date", "2011-07-02", "chsi_report", 0.99),
        _v("appraisals", {"2022": "合格"}, "appraisal"),
        _v("appraisals", {"2023": "优秀"}, "appraisal", 0.7),
    ])
    assert fields["graduation_date"].found == "2011-07-02"
    assert fields["appraisals"].found == {"2022": "合格", "2023": "优秀"}
    assert fields["appraisals"].confidence == 0.7
