"""Declared data: review forms (DOCX and one real OCR'd scan) and the 申报汇总表, read through ingest,
compared field by field with what the fixture factory says it printed."""
from __future__ import annotations

import io
import random

import pytest
from docx import Document as DocxDocument

from core.records import Document, Line, PageText, Word
from extract.declared import read_review_form, read_summary_table
from extract.declared_grid import load_labels, norm
from extract.extractors import ExtractContext, extractors
from extract.pagetext import to_page_text
from fixtures.docx_form import SUMMARY_HEADS, form_labels, form_rows, review_docx, review_scan, summary_xlsx
from fixtures.people import make_applicant, true_fields
from ingest import RawPage, read_file

FORM_FIELDS = ("name", "sex", "birth_date", "id_number", "employer", "work_start_date", "education", "degree",
               "graduation_date", "school", "major", "technician_date", "specialty", "submission_date",
               "appraisals", "ce_hours")
DATE_TIME = (2024, 12, 16, 9, 0, 0)


def _applicant(seed: int, **kw):
    rng = random.Random(seed)
    a = make_applicant(rng, seed, set(), **kw)
    return a, rng


def _pages(path: str, data: bytes) -> list[PageText]:
    _, stream = read_file(path, data)
    return [to_page_text(p) for p in stream if isinstance(p, RawPage)]


def _form_values(path: str, data: bytes) -> dict:
    pages = _pages(path, data)
    doc = Document(type="review_form", file=path, pages=tuple(p.page for p in pages), sha256="0" * 64)
    found = extractors.get("review_form@1")(doc, pages, ExtractContext())
    assert all(v.origin == "declared" and v.document == "review_form" and v.extractor == "review_form@1"
               for v in found)
    return {v.field: v for v in found}


def _assert_same(got: dict, want: dict, fields=FORM_FIELDS) -> None:
    diff = {f: (got[f].value if f in got else "<missing>", want[f]) for f in fields
            if f not in got or got[f].value != want[f]}
    assert not diff, diff


# --- DOCX forms as the factory writes them -------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8, 13])
def test_docx_form_matches_declared(seed):
    a, rng = _applicant(seed)
    lab = form_labels(rng)
    data, _, declared = review_docx(a, rng, true_fields(a), lab, DATE_TIME)
    got = _form_values("评审表.docx", data)
    _assert_same(got, declared)
    for v in got.values():
        assert v.confidence == 1.0 or v.note, v
        assert all(e.file == "评审表.docx" and e.page == 1 and e.bbox is None and e.text for e in v.evidence), v


@pytest.mark.parametrize("birth", ["出生年月", "出生日期", "出生年月日"])
@pytest.mark.parametrize("vertical", [True, False])
def test_docx_label_variants_and_grade_layouts(birth, vertical):
    a, rng = _applicant(21)
    a.appraisals = {2021: "合格", 2022: "优秀", 2023: "合格"}
    for style, id_label, edu, tech in [("dot", "身份证号", "学历", "任技术员时间"),
                                       ("cn", "公民身份号码", "最高学历", "聘任时间"),
                                       ("dash", "身份证号", "最高学历", "聘任时间")]:
        lab = {"birth": birth, "id": id_label, "edu": edu, "tech": tech, "appr_vertical": vertical, "style": style}
        data, _, declared = review_docx(a, rng, true_fields(a), lab, DATE_TIME)
        got = _form_values("附件1.docx", data)
        _assert_same(got, declared)
        assert got["appraisals"].value == {"2021": "合格", "2022": "优秀", "2023": "合格"}
        if birth == "出生年月":
            assert len(got["birth_date"].value) == 7  # month-only stays month-only


def test_docx_without_appraisals_reads_empty_grades():
    a, rng = _applicant(4)
    a.appraisals = {}
    data, _, declared = review_docx(a, rng, true_fields(a), form_labels(rng), DATE_TIME)
    got = _form_values("评审表.docx", data)
    assert declared["appraisals"] == {}
    assert got["appraisals"].value == {} and "不提供" in got["appraisals"].note
    _assert_same(got, declared)


def test_docx_without_degree_and_technician_date():
    a, rng = _applicant(6, education="junior_college")
    a.technician_date = None
    data, _, declared = review_docx(a, rng, true_fields(a), form_labels(rng), DATE_TIME)
    got = _form_values("评审表.docx", data)
    assert declared["degree"] is None and got["degree"].value is None and got["degree"].note is None
    assert got["technician_date"].value is None and "nothing beside" in got["technician_date"].note
    _assert_same(got, declared)


# Label variants real forms use that the factory does not print, with OCR-like spacing and colons.
OTHER_LABELS = {"姓名": "姓  名：", "性别": "性 别", "工作单位": "单位名称", "参加工作时间": "工作时间",
                "毕业时间": "毕业年月", "毕业院校": "毕业学校", "所学专业": "专业", "任技术员时间": "现职务聘任时间",
                "申报专业": "申报评审专业", "身份证号": "身份证号码", "公民身份号码": "证件号码"}


def _docx_from_rows(rows: list[list[str | None]], extra_rows=()) -> bytes:
    """A form whose merged cells repeat their text, as python-docx reports merged grid cells."""
    doc = DocxDocument()
    doc.add_paragraph("山西省专业技术职务任职资格评审表")
    t = doc.add_table(rows=len(rows) + len(extra_rows), cols=6)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                t.cell(r, c - 1).merge(t.cell(r, c))
            else:
                t.cell(r, c).text = v
    for r, row in enumerate(extra_rows, len(rows)):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_docx_other_label_variants_merged_cells_and_unit_type():
    a, rng = _applicant(7, education="bachelor")
    lab = {"birth": "出生日期", "id": "身份证号", "edu": "最高学历", "tech": "任技术员时间", "appr_vertical": True,
           "style": "cn"}
    rows, declared = form_rows(a, lab, true_fields(a))
    rows = [[OTHER_LABELS.get(c, c) if c else c for c in row] for row in rows]
    rows[1][2] = rows[1][3] = None  # the ID cell spans three columns
    extra = [["单位性质", "国有企业", "年度", "2022", "2023", ""], ["", "", "考核等次", "合格", "基本合格", ""]]
    data = _docx_from_rows(rows, extra)
    got = _form_values("评审表.docx", data)
    declared["appraisals"] = {"2022": "合格", "2023": "基本合格"}
    _assert_same(got, declared, [f for f in FORM_FIELDS if f not in ("ce_hours", "specialty")])
    assert got["specialty"].value == declared["specialty"]
    assert got["employer_type"].value == "enterprise"


def test_unreadable_value_is_kept_as_none_with_what_was_printed():
    a, rng = _applicant(9)
    lab = {"birth": "出生日期", "id": "身份证号", "edu": "学历", "tech": "任技术员时间", "appr_vertical": True,
           "style": "cn"}
    rows, _ = form_rows(a, lab, true_fields(a))
    rows[0][5] = "不详"
    rows[3][1] = "函授"
    got = _form_values("评审表.docx", _docx_from_rows(rows))
    assert got["birth_date"].value is None and "不详" in got["birth_date"].note
    assert got["education"].value is None and "函授" in got["education"].note
    assert got["appraisals"].value is None and got["appraisals"].note  # no grade table at all


def test_labels_file_loads_and_labels_are_unambiguous():
    labels = load_labels()
    seen: dict[str, str] = {}
    for field, names in labels.form_labels.items():
        for n in names:
            assert seen.setdefault(norm(n), field) == field, n
    assert {"name", "id_number", "specialty"} <= set(labels.summary_heads)
    for variant in SUMMARY_HEADS:
        known = {norm(h) for hs in labels.summary_heads.values() for h in hs}
        assert sum(norm(h) in known for h in variant) >= 12, variant


# --- the 申报汇总表 -----------------------------------------------------------------------------------

def _summary_decls(n: int = 4) -> list[dict]:
    out = []
    for seed in range(30, 30 + n):
        a, _ = _applicant(seed)
        out.append(true_fields(a))
    return out


def _summary_expected(d: dict) -> dict:
    return {"name": d["name"], "sex": d["sex"], "birth_date": d["birth_date"][:7], "id_number": d["id_number"],
            "education": d["education"], "school": d["school"], "major": d["major"],
            "graduation_date": d["graduation_date"][:7], "work_start_date": d["work_start_date"][:7],
            "technician_date": d["technician_date"], "specialty": d["specialty"], "employer": d["employer"]}


def _summary(pages, hints, extra=()):
    file = pages[0].file if pages else "汇总表.xlsx"
    doc = Document(type="summary_table", file=file, pages=(1,), sha256="0" * 64)
    found = read_summary_table(doc, list(pages), ExtractContext(extra_pages=tuple(extra), hints=hints))
    assert all(v.origin == "declared" and v.document == "summary_table" and v.extractor == "summary_table@1"
               for v in found)
    return {v.field: v for v in found}


@pytest.mark.parametrize("variant", [0, 1])
def test_summary_row_by_id(variant):
    decls = _summary_decls()
    data, _ = summary_xlsx("山西阳城东岭煤业有限公司", decls, variant, DATE_TIME)
    pages = _pages("汇总表.xlsx", data)
    for d in decls:
        got = _summary(pages, {"id_number": d["id_number"], "name": "某某"})
        _assert_same(got, _summary_expected(d), list(_summary_expected(d)))
        assert got["name"].evidence[0].file == "汇总表.xlsx" and got["name"].evidence[0].text == d["name"]


def test_summary_row_by_name_from_batch_pages_and_no_match():
    decls = _summary_decls()
    data, _ = summary_xlsx("阳城县华晟燃气输配有限公司", decls, 1, DATE_TIME)
    batch_pages = _pages("汇总表-华晟燃气.xlsx", data)
    d = decls[2]
    got = _summary([], {"name": d["name"]}, extra=batch_pages)
    _assert_same(got, _summary_expected(d), list(_summary_expected(d)))
    got = _summary([], {"name": d["name"], "id_number": "140522199001011234"}, extra=batch_pages)
    assert got["id_number"].value == d["id_number"]  # no ID match: the unique name decides
    missing = _summary([], {"name": "查无此人", "id_number": "140522199001011234"}, extra=batch_pages)
    assert list(missing) == ["summary_row"] and missing["summary_row"].value is None
    assert "140522199001011234" in missing["summary_row"].note


# --- scanned rows rebuilt from geometry (synthetic OCR lines: exact, no engine) --------------------

CHAR_W, CHAR_H = 30, 40


def _ocr_line(y: float, *runs: tuple[float, str]) -> Line:
    """An OCR line at height y: runs of text starting at x, one Word per character, as RapidOCR gives."""
    words, texts = [], []
    for x, text in runs:
        for k, ch in enumerate(text):
            if not ch.isspace():
                words.append(Word(text=ch, bbox=(x + k * CHAR_W, y, x + (k + 1) * CHAR_W - 2, y + CHAR_H),
                                  confidence=0.99))
        texts.append(text)
    bbox = (min(w.bbox[0] for w in words), y, max(w.bbox[2] for w in words), y + CHAR_H)
    return Line(text=" ".join(texts), bbox=bbox, confidence=0.99, words=tuple(words))


def test_scan_rows_rebuild_wrapped_spaced_and_glued_cells():
    lines = (
        _ocr_line(60, (300, "申报专业：矿井建设申报资格：助理工程师")),
        _ocr_line(150, (100, "姓"), (190, "名"), (300, "王小明"), (600, "性别"), (800, "男"), (900, "出生年月日"),
                  (1100, "1990年1月2日")),
        _ocr_line(280, (900, "参加工作时")),                                          # a label wrapped in its cell
        _ocr_line(300, (100, "工作单位"), (300, "阳城县某某煤业有限公司"), (1100, "2012年9月")),
        _ocr_line(322, (960, "间")),
        _ocr_line(450, (100, "现任职务"), (300, "技术员"), (600, "任技术员2012-08-01申报专业"), (1300, "矿井建设")),
        _ocr_line(478, (610, "时间")),                                                # the label's end, below
        _ocr_line(580, (1100, "机械设计制造及")),                                      # a value wrapped in its cell
        _ocr_line(600, (100, "毕业院校"), (300, "太原理工大学"), (850, "所学专业")),
        _ocr_line(622, (1150, "其自动化")),
        _ocr_line(750, (100, "年度"), (400, "2022"), (700, "20.23")),
        _ocr_line(850, (100, "考核等次"), (400, "合格"), (700, "基本合格")),
        _ocr_line(950, (100, "继续教育年度"), (400, "2022"), (700, "2023")),
        _ocr_line(1050, (400, "90"), (700, "102.")),                                   # the 学时 label was lost
    )
    page = PageText(file="scan0001.pdf", page=2, width=1654, height=2339, source="ocr:test@1", lines=lines)
    doc = Document(type="review_form", file="scan0001.pdf", pages=(2,), sha256="0" * 64)
    got = {v.field: v for v in read_review_form(doc, [page], ExtractContext())}
    want = {"name": "王小明", "birth_date": "1990-01-02", "employer": "阳城县某某煤业有限公司", "work_start_date": "2012-09",
            "technician_date": "2012-08-01", "specialty": "矿井建设", "school": "太原理工大学",
            "major": "机械设计制造及其自动化", "appraisals": {"2022": "合格", "2023": "基本合格"},
            "ce_hours": {"2022": 90, "2023": 102}}
    _assert_same(got, want, list(want))
    name = got["name"].evidence
    assert len(name) == 1 and name[0].bbox == (300, 150, 388, 190) and name[0].page == 2  # the value, not the label
    assert [e.text for e in got["major"].evidence] == ["机械设计制造及", "其自动化"]
    assert "20.23" in got["appraisals"].note and got["appraisals"].confidence < 0.9


def test_scanned_hours_with_a_leading_zero_are_flagged_not_trusted():
    lines = (_ocr_line(100, (100, "继续教育年度"), (400, "2022"), (700, "2023")),
             _ocr_line(200, (100, "学时"), (400, "06"), (700, "90")))
    page = PageText(file="scan.pdf", page=1, width=1654, height=2339, source="ocr:test@1", lines=lines)
    doc = Document(type="review_form", file="scan.pdf", pages=(1,), sha256="0" * 64)
    got = {v.field: v for v in read_review_form(doc, [page], ExtractContext())}
    assert got["ce_hours"].value == {"2022": 6, "2023": 90}
    assert got["ce_hours"].confidence <= 0.3 and "'06'" in got["ce_hours"].note
    assert got["appraisals"].value == {} and got["appraisals"].confidence < 1.0  # an hours table, no grade table


# --- one scanned form, OCR'd for real ----------------------------------------------------------------

def test_scanned_form_read_by_ocr_matches_declared():
    a, rng = _applicant(11, education="bachelor")
    lab = {"birth": "出生年月日", "id": "公民身份号码", "edu": "学历", "tech": "任技术员时间", "appr_vertical": False,
           "style": "cn"}
    st = {"font": "NotoSansCJK-Regular.ttc", "dpi": 200, "margin": 22}
    [page], declared = review_scan(a, rng, true_fields(a), lab, st)
    buf = io.BytesIO()
    page.image.save(buf, format="PNG")
    got = _form_values("评审表.png", buf.getvalue())
    _assert_same(got, declared)
    for v in got.values():  # every scanned value has a box on the page, narrower than the label+value line
        assert v.evidence and all(e.bbox and e.page == 1 for e in v.evidence), v
    name_box = got["name"].evidence[0].bbox
    assert name_box[2] - name_box[0] < 0.25 * page.image.width
