"""Certificate numbers: read after their label, taken apart, and held against the certificate itself."""
import pytest

from core.records import Document, Dossier, Evidence, ExtractedValue, Line, PageText
from extract import run as _run  # noqa: F401  (registers every extractor)
from extract.extractors import ExtractContext, extractors
from extract.values import cert_number_parts
from verify.checks_certificates import certificate_numbers
from verify.rules import load_rules

RULES = load_rules()


def _read(doc_type: str, *texts: str) -> dict:
    lines = tuple(Line(text=t, bbox=(100, 100 + 60 * i, 100 + 30 * max(len(t), 1), 140 + 60 * i), confidence=0.99)
                  for i, t in enumerate(texts))
    page = PageText(file="d.jpg", page=1, width=2000, height=3000, source="ocr:test@1", lines=lines)
    doc = Document(type=doc_type, file="d.jpg", pages=(1,), sha256="0")
    return {v.field: v for v in extractors.get(doc_type)(doc, [page], ExtractContext())
            if v.field in ("diploma_number", "degree_number", "graduation_date", "education")}


def test_the_parts_of_a_diploma_and_a_degree_number():
    assert cert_number_parts("102231201605000123") == {
        "kind": "diploma", "school": "10223", "type": "普通高等教育", "year": 2016, "level_code": "05",
        "level": "bachelor", "serial": "000123"}
    assert cert_number_parts("1075542008000001")["degree"] == "bachelor"
    assert cert_number_parts("114141201908001234")["level"] is None  # a 中专 school's own code: no level
    assert cert_number_parts("10223120160500012") is None and cert_number_parts("1022312016050001X3") is None


def test_the_number_is_read_after_its_label_spaced_or_with_an_o_for_a_zero():
    got = _read("diploma", "普通高等学校毕业证书", "学生王小明，性别男，于二〇一二年九月至二〇一六年七月在本校采矿工程专业",
                "本科学习，修完教学计划规定的全部课程，成绩合格，准予毕业。", "证书编号：10223 1 2016 O5 000123",
                "二〇一六年七月一日")
    assert got["diploma_number"].value == "102231201605000123"
    assert got["diploma_number"].evidence[0].text.replace(" ", "").startswith("10223")
    assert 0.8 <= got["diploma_number"].confidence < 0.95  # the O was taken for a 0: a little less sure
    assert "diploma_number" not in _read("diploma", "证书编号：1022312016")  # too short: no number


def _dossier(number: str, date: str | None, level: str | None, *, doc="diploma", field="diploma_number",
             confidence=0.99, level_field="education") -> Dossier:
    ev = (Evidence(file="d.jpg", page=1, bbox=(1, 1, 9, 9), text=number),)
    values = [ExtractedValue(field=field, value=number, evidence=ev, extractor=f"{doc}@1", document=doc,
                             confidence=confidence)]
    if date:
        values.append(ExtractedValue(field="graduation_date", value=date, evidence=ev, extractor=f"{doc}@1",
                                     document=doc, confidence=0.99))
    if level:
        values.append(ExtractedValue(field=level_field, value=level, evidence=ev, extractor=f"{doc}@1",
                                     document=doc, confidence=0.99))
    return Dossier(applicant="a", values=tuple(values))


def test_a_number_that_agrees_with_its_certificate_gives_nothing():
    assert certificate_numbers(_dossier("102231201605000123", "2016-07-01", "bachelor"), RULES) == []


@pytest.mark.parametrize("date,level,words", [
    ("2015-07-01", "bachelor", ["年份为2016", "2015年7月1日"]),
    ("2016-07-01", "junior_college", ["层次码05", "大学本科", "大学专科"]),
])
def test_a_year_or_level_the_certificate_contradicts_is_doc_inconsistent(date, level, words):
    (f,) = certificate_numbers(_dossier("102231201605000123", date, level), RULES)
    assert f.rule == "DOC.INCONSISTENT" and f.severity == "error" and f.field == "diploma_number"
    assert all(w in f.message for w in words), f.message
    assert len(f.evidence) == 2


def test_near_misses_decide_nothing():
    # a weakly read number accuses no one; a 中专 code has no level to compare; a CHSI record is a diploma's twin
    assert certificate_numbers(_dossier("102231201605000123", "2015-07-01", "bachelor", confidence=0.6), RULES) == []
    assert certificate_numbers(_dossier("114141201908001234", "2019-07-01", "secondary"), RULES) == []
    assert certificate_numbers(_dossier("102231201605000123", "2016-07-01", "bachelor", doc="chsi_report"), RULES) == []


def test_a_degree_number_is_read_but_not_judged():
    """Degree numbers changed format over the years (Z/T prefixes, school-specific ones): no finding."""
    d = _dossier("1022332016000123", None, "bachelor", doc="degree_certificate", field="degree_number",
                 level_field="degree")
    assert certificate_numbers(d, RULES) == []


def _codes(*texts: str) -> list:
    lines = tuple(Line(text=t, bbox=(100, 100 + 60 * i, 100 + 30 * max(len(t), 1), 140 + 60 * i), confidence=0.99)
                  for i, t in enumerate(texts))
    page = PageText(file="o.jpg", page=1, width=2000, height=3000, source="ocr:test@1", lines=lines)
    doc = Document(type="unit_opinion", file="o.jpg", pages=(1,), sha256="0")
    return [v for v in extractors.get("unit_opinion")(doc, [page], ExtractContext()) if v.field == "employer_uscc"]


def _check_codes(*codes: str, confidence=0.99):
    from verify.checks_certificates import credit_code

    values = tuple(ExtractedValue(field="employer_uscc", value=c, extractor="unit_opinion@1", document="unit_opinion",
                                  confidence=confidence, evidence=(Evidence(file="o.jpg", page=1, text=c),)) for c in codes)
    return credit_code(Dossier(applicant="a", values=values), RULES)


def test_the_credit_code_is_read_where_a_document_prints_it():
    (v,) = _codes("单位推荐鉴定意见", "推荐单位：山西阳城润丰煤业有限公司", "统一社会信用代码：91140522 MA0K3 LXX5B")
    assert v.value == "91140522MA0K3LXX5B"
    (w,) = _codes("统一社会信用代码：911100006OOO37341L")  # O for 0: the alphabet has no O
    assert w.value == "91110000600037341L" and w.confidence < 0.95


def test_credit_codes_by_gb_32100():
    from extract.values import uscc_check

    assert _check_codes("91110000600037341L", "91350100M000100Y43", "9111000071093123XX") == []
    letter_first = "Y1110000MA00Q3K78" + uscc_check("Y1110000MA00Q3K78")  # python-stdnum refuses these
    assert _check_codes(letter_first) == []
    (f,) = _check_codes("91110000600037341M")
    assert f.rule == "ID.INVALID" and "末位校验码应为L" in f.message and f.field == "employer_uscc"
    (g,) = _check_codes("91110000600V37341L")
    assert "不允许的字符" in g.message
    assert _check_codes("91110000600037341M", confidence=0.6) == []  # a weak reading accuses no one
