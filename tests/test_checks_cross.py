"""DECL.MISMATCH, DOC.INCONSISTENT, EVID.MISSING (verify/checks_cross.py): a case that fires and a near miss
that does not, per rule; and the OCR slips and extraction noise that must accuse nobody."""
import pytest

from core.records import Document, Dossier, Evidence, ExtractedValue, IngestIssue, Line, PageText, SourceFile, Word
from extract.merge import merge_fields
from verify import verify_dossier
from verify.checks_cross import declared_mismatch, documents_inconsistent, missing_evidence
from verify.rules import load_rules

RULES = load_rules()
ID = "140502198906172712"  # valid (GB 11643), born 1989-06-17, male
# one page per document type, in its own file unless said otherwise
FILES = {"review_form": "评审表.docx", "summary_table": "汇总表.xlsx", "id_card": "id.jpg", "diploma": "diploma.jpg",
         "degree_certificate": "degree.jpg", "chsi_report": "chsi.pdf", "appointment": "appoint.pdf",
         "probation": "probation.pdf", "appraisal": "appraisal.pdf", "publicity_record": "pub.pdf",
         "commitment": "commit.pdf", "work_report": "report.pdf", "unit_opinion": "opinion.pdf"}


def v(field, value, doc, *, origin="found", conf=1.0, file=None, page=1, note=None, bbox=(1, 2, 3, 4)):
    file = file or FILES[doc]
    return ExtractedValue(field=field, value=value, document=doc, origin=origin, confidence=conf, note=note,
                          extractor=f"{doc}@1", evidence=(Evidence(file=file, page=page, bbox=bbox, text=str(value),
                                                                    confidence=conf),))


def d(field, value, doc="review_form", **kw):
    return v(field, value, doc, origin="declared", **kw)


def clean_values(**override):
    """A consistent bachelor: every declaration shown by the evidence."""
    decl = dict(name="张伟", sex="男", id_number=ID, birth_date="1989-06-17", graduation_date="2012-07",
                education="bachelor", degree="bachelor", school="山西大同大学", major="采矿工程",
                employer="山西阳城润丰煤业有限公司", specialty="采矿工程", technician_date="2013-09-01",
                appraisals={"2022": "合格", "2023": "合格"})
    decl.update(override)
    values = [d(k, x) for k, x in decl.items() if x is not None]
    values += [
        v("name", "张伟", "id_card"), v("sex", "男", "id_card"), v("birth_date", "1989-06-17", "id_card"),
        v("id_number", ID, "id_card"),
        v("name", "张伟", "diploma"), v("birth_date", "1989-06-17", "diploma"), v("school", "山西大同大学", "diploma"),
        v("major", "采矿工程", "diploma"), v("graduation_date", "2012-07-01", "diploma"), v("education", "bachelor", "diploma"),
        v("name", "张伟", "chsi_report"), v("school", "山西大同大学", "chsi_report"), v("major", "采矿工程", "chsi_report"),
        v("graduation_date", "2012-07-01", "chsi_report"), v("education", "bachelor", "chsi_report"),
        v("id_number", ID, "chsi_report"),
        v("degree", "bachelor", "degree_certificate"), v("major", "采矿工程", "degree_certificate"),
        v("name", "张伟", "appointment"), v("technician_date", "2013-09-01", "appointment"),
        v("name", "张伟", "appraisal", page=1), v("appraisals", {"2022": "合格"}, "appraisal", page=1),
        v("name", "张伟", "appraisal", page=2), v("appraisals", {"2023": "合格"}, "appraisal", page=2),
        v("employer", "阳城县润丰煤业有限公司", "publicity_record"), v("specialty", "采矿工程", "publicity_record"),
        v("name", "张伟", "probation"), v("major", "采矿工程", "probation"),
    ]
    return values


ALL_DOCS = ("review_form", "id_card", "diploma", "degree_certificate", "chsi_report", "appointment", "probation",
            "appraisal", "publicity_record", "commitment", "work_report", "unit_opinion")


def dossier(values, docs=ALL_DOCS, *, pages=(), files=(), extra_docs=()):
    documents = tuple(Document(type=t, file=FILES[t], pages=(1,), sha256="0") for t in docs) + tuple(extra_docs)
    return Dossier(applicant="a", values=tuple(values), fields=merge_fields(values), documents=documents,
                   pages=tuple(pages), files=tuple(files))


def replace(values, field, doc, value, **kw):
    """The values with the `doc` reading(s) of `field` replaced by `value` (a found reading)."""
    out = [x for x in values if not (x.field == field and x.document == doc and x.origin == "found")]
    return out + [v(field, value, doc, **kw)]


def decl(values):
    return {f.field: f for f in declared_mismatch(dossier(values), RULES)}


def docs(values, **kw):
    return {f.field: f for f in documents_inconsistent(dossier(values, **kw), RULES)}


def missing(dossier_):
    return {f.field: f for f in missing_evidence(dossier_, RULES)}


# --- the clean applicant, through the registry --------------------------------------------------------------

def test_a_consistent_dossier_gets_none_of_these_findings():
    rules = {f.rule for f in verify_dossier(dossier(clean_values()))}
    assert not rules & {"DECL.MISMATCH", "DOC.INCONSISTENT", "EVID.MISSING"}


# --- DECL.MISMATCH ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("declared, fires", [
    ("2011-07", True),      # a year early: the planted fault
    ("2012-07", False),     # month precision agrees with 2012-07-01
    ("2012-06", False),     # a diploma dated 1 July for a June graduation: neighbouring days agree
    ("2012-07-01", False),
])
def test_declared_graduation_date_against_the_diploma(declared, fires):
    got = decl(clean_values(graduation_date=declared))
    assert ("graduation_date" in got) is fires
    if fires:
        f = got["graduation_date"]
        assert f.rule == "DECL.MISMATCH" and f.severity == "error"
        assert "2011年7月" in f.message and "2012年7月1日" in f.message and "五(二)" in f.message
        assert {e.file for e in f.evidence} >= {"diploma.jpg", "评审表.docx"}


def test_a_date_read_below_the_threshold_accuses_nobody():
    values = [x for x in clean_values(graduation_date="2011-07") if not (x.field == "graduation_date" and x.origin == "found")]
    values.append(v("graduation_date", "2012-07-01", "diploma", conf=0.6))
    assert "graduation_date" not in decl(values)


def test_birth_date_is_checked_against_the_id_number_as_well():
    values = [x for x in clean_values(birth_date="1988-06-17") if not (x.field == "birth_date" and x.origin == "found")]
    got = decl(values)  # no birth date read anywhere: the ID number states it
    assert "birth_date" in got and "1989年6月17日" in got["birth_date"].message


@pytest.mark.parametrize("declared, fires", [
    ("山西大同学院", True),       # 大学 → 学院: the planted change
    ("山西大同大学分校", True),   # a campus the certificates do not name
    ("大同大学", False),          # an abbreviation of the printed name
    ("山西 大同大学", False),     # spaces do not count
])
def test_declared_school(declared, fires):
    assert ("school" in decl(clean_values(school=declared))) is fires


def test_a_one_character_ocr_slip_on_one_document_accuses_nobody_but_two_documents_agreeing_do():
    values = [x for x in clean_values() if not (x.field == "school" and x.origin == "found")]
    slip = values + [v("school", "山西大同大字", "diploma", conf=0.99)]
    assert "school" not in decl(slip)
    both = slip + [v("school", "山西大同大字", "chsi_report", conf=0.99)]
    assert "school" in decl(both)


@pytest.mark.parametrize("declared, fires", [
    ("采矿工程技术", True),   # the major + 技术: the certificates show 采矿工程
    ("安全工程", True),
    ("采矿工程专业", False),  # 专业 is no part of the name
])
def test_declared_major(declared, fires):
    assert ("major" in decl(clean_values(major=declared))) is fires


def test_a_truncated_cell_does_not_contradict_the_declared_major():
    values = [x for x in clean_values(major="建筑环境与能源应用工程") if not (x.field == "major" and x.origin == "found")]
    values += [v("major", "应用工程", "probation")]  # the probation form's cell wrapped
    assert "major" not in decl(values)


def test_a_declaration_one_document_shows_is_no_mismatch_even_if_another_differs():
    values = replace(clean_values(), "major", "chsi_report", "测绘工程")
    assert "major" not in decl(values)
    assert "major" in docs(values)  # the documents disagree: that is DOC.INCONSISTENT's


def test_the_review_form_and_the_summary_table_declaring_different_values():
    values = [x for x in clean_values() if x.field != "work_start_date"]
    values += [d("work_start_date", "2012-08"), d("work_start_date", "2013-08", "summary_table")]
    got = decl(values)
    assert "work_start_date" in got
    assert "评审表" in got["work_start_date"].message and "汇总表" in got["work_start_date"].message
    same = [x for x in values if not (x.field == "work_start_date" and x.document == "summary_table")]
    assert "work_start_date" not in decl(same + [d("work_start_date", "2012-08", "summary_table")])


@pytest.mark.parametrize("declared, fires", [
    ({"2022": "优秀", "2023": "合格"}, True),   # 2022 was 合格
    ({"2022": "合格", "2023": "称职"}, False),  # 称职 is the civil-service word for 合格
    ({"2021": "优秀", "2022": "合格"}, False),  # no evidence for 2021: not a mismatch (another rule's matter)
])
def test_declared_appraisals_year_by_year(declared, fires):
    got = decl(clean_values(appraisals=declared))
    assert ("appraisals" in got) is fires
    if fires:
        assert "2022年度优秀" in got["appraisals"].message and "2022年度合格" in got["appraisals"].message


@pytest.mark.parametrize("printed, fires", [
    ("阳城县润丰煤业有限公司", False),
    ("润丰煤业", False),                        # the unit's short name
    ("山西阳城华晟燃气输配有限公司", True),    # another unit
])
def test_declared_employer_against_the_publicity_record(printed, fires):
    values = replace(clean_values(), "employer", "publicity_record", printed)
    assert ("employer" in decl(values)) is fires


def test_an_ocr_slip_in_the_employers_name_is_no_other_employer():
    assert "employer" not in decl(replace(clean_values(), "employer", "publicity_record", "阳城县润丰土业有限公司"))


def test_a_previous_employer_on_an_appraisal_is_not_compared():
    values = clean_values() + [v("employer", "山西阳城华晟燃气输配有限公司", "appraisal")]
    assert "employer" not in decl(values)


def test_codes_and_sex():
    assert "education" in decl(clean_values(education="master"))
    assert "education" not in decl(clean_values(education="second_bachelor"))  # its diploma reads 本科
    assert "sex" in decl(clean_values(sex="女"))
    assert not decl(clean_values())


# --- DOC.INCONSISTENT ---------------------------------------------------------------------------------------------

def test_a_diploma_of_someone_else():
    values = replace(clean_values(), "name", "diploma", "田国栋", conf=0.98)
    values = replace(values, "birth_date", "diploma", "1987-06-10")
    got = docs(values)
    assert set(got) == {"name", "birth_date"}
    assert "田国栋" in got["name"].message and "张伟" in got["name"].message and "身份证" in got["name"].message
    assert got["name"].evidence[0].file == "diploma.jpg" and got["name"].severity == "error"


@pytest.mark.parametrize("name, conf, fires", [
    ("张玮", 0.99, True),    # an appraisal form made out to another name, printed clearly
    ("张玮", 0.85, False),   # one character, read with doubt: an OCR slip is likelier
    ("张建玮", 0.85, True),  # more than a slip
    ("以下", 1.0, False),    # 聘任以下同志: a word of the sentence, no name
    ("通知张伟", 1.0, False),  # the name with the word before it
])
def test_names_across_documents(name, conf, fires):
    values = replace(clean_values(), "name", "appointment", name, conf=conf)
    assert ("name" in docs(values)) is fires


def test_one_character_of_a_school_apart_is_a_slip_even_when_read_confidently():
    assert "school" not in docs(replace(clean_values(), "school", "chsi_report", "山西大同大字", conf=0.99))
    assert "school" in docs(replace(clean_values(), "school", "chsi_report", "太原理工大学", conf=0.99))


def test_majors_across_documents():
    assert "major" in docs(replace(clean_values(), "major", "chsi_report", "测绘工程"))
    assert "major" in docs(replace(clean_values(), "major", "chsi_report", "采矿工程(煤矿方向)"))  # another programme
    assert "major" not in docs(replace(clean_values(), "major", "probation", "矿工程"))  # a cell cut short
    assert "major" not in docs(replace(clean_values(), "major", "chsi_report", "采矿工程专业"))


@pytest.mark.parametrize("conf, fires", [(1.0, True), (0.9, False)])
def test_one_digit_of_a_birth_date_apart_needs_certain_readings(conf, fires):
    values = replace(clean_values(), "birth_date", "diploma", "1989-06-18", conf=conf)
    assert ("birth_date" in docs(values)) is fires
    far = replace(clean_values(), "birth_date", "diploma", "1987-03-12", conf=0.85)
    assert "birth_date" in docs(far)


def test_documents_of_two_courses_are_not_compared_on_school_or_major():
    base = clean_values()
    master = [v("education", "master", "diploma", file="master.jpg"), v("school", "中国矿业大学", "diploma", file="master.jpg"),
              v("major", "矿业工程", "diploma", file="master.jpg"), v("graduation_date", "2015-06-30", "diploma", file="master.jpg")]
    got = docs(base + master)
    assert not set(got) & {"school", "major", "graduation_date"}
    same_level = replace(base, "school", "chsi_report", "中国矿业大学")
    assert "school" in docs(same_level)


def test_same_type_same_file_is_not_compared_but_another_file_is():
    values = clean_values() + [v("name", "张玮", "appraisal", page=3)]
    assert "name" in docs(values)  # against the ID card, the diploma …
    only = [v("name", "张伟", "appraisal", page=1), v("name", "张玮", "appraisal", page=2)]
    assert "name" not in docs(only)
    assert "name" in docs([v("name", "张伟", "appraisal", page=1),
                           v("name", "张玮", "appraisal", page=1, file="appraisal2.pdf")])


def _chsi_page(bracket_conf):
    text = "城市地下空间工程(煤矿方向)"
    words, x = [], 100
    for ch in text:
        words.append(Word(text=ch, bbox=(x, 10, x + 20, 40), confidence=bracket_conf if ch in "()" else 0.999))
        x += 20
    return PageText(file="chsi.pdf", page=1, width=1000, height=1000, source="ocr:rapidocr",
                    lines=(Line(text=text, bbox=(100, 10, x, 40), words=tuple(words)),))


def test_a_weakly_read_bracket_does_not_make_the_major_uncertain():
    base = [v("name", "张伟", "id_card"), v("major", "城市地下空间工程", "diploma")]
    weak = base + [v("major", "城市地下空间工程(煤矿方向)", "chsi_report", conf=0.54, bbox=(100, 10, 380, 40))]
    assert "major" not in docs(weak)  # no page to look at: 0.54 decides nothing
    assert "major" in docs(weak, pages=(_chsi_page(0.54),))  # every character but the brackets is certain
    # words that do not spell the reading (a second look read something else) say nothing about it
    other = base + [v("major", "城市地下空间工程(煤田方向)", "chsi_report", conf=0.54, bbox=(100, 10, 380, 40))]
    assert "major" not in docs(other, pages=(_chsi_page(0.54),))
    # a reading whose pattern was uncertain keeps its confidence
    noted = base + [v("major", "城市地下空间工程(煤矿方向)", "chsi_report", conf=0.54, bbox=(100, 10, 380, 40),
                      note="read twice")]
    assert "major" not in docs(noted, pages=(_chsi_page(0.54),))


def test_graduation_dates_of_the_diploma_and_the_chsi_record_a_day_apart_agree():
    assert "graduation_date" not in docs(replace(clean_values(), "graduation_date", "chsi_report", "2012-06-30"))
    assert "graduation_date" in docs(replace(clean_values(), "graduation_date", "chsi_report", "2013-07-01"))


# --- EVID.MISSING ---------------------------------------------------------------------------------------------------

def test_no_education_document():
    got = missing(dossier(clean_values(), [t for t in ALL_DOCS if t not in ("diploma", "chsi_report", "degree_certificate")]))
    assert "diploma" in got and got["diploma"].rule == "EVID.MISSING" and got["diploma"].severity == "error"
    only_chsi = [t for t in ALL_DOCS if t not in ("diploma", "degree_certificate")]
    assert "diploma" not in missing(dossier(clean_values(), only_chsi))


def test_no_id_card():
    assert "id_card" in missing(dossier(clean_values(), [t for t in ALL_DOCS if t != "id_card"]))
    assert "id_card" not in missing(dossier(clean_values()))


def test_probation_for_the_bachelor_path_only():
    no_probation = [t for t in ALL_DOCS if t != "probation"]
    assert "probation" in missing(dossier(clean_values(), no_probation))
    college = [x for x in clean_values(education="junior_college", degree=None)
               if not (x.field in ("education", "degree") and x.origin == "found")]
    assert "probation" not in missing(dossier(college, no_probation))


def test_appointment_for_the_college_path():
    college = [x for x in clean_values(education="junior_college", degree=None)
               if not (x.field in ("education", "degree") and x.origin == "found")]
    no_appointment = [t for t in ALL_DOCS if t != "appointment"]
    got = missing(dossier(college, no_appointment))
    assert "appointment" in got and "2022年12月31日" in got["appointment"].message
    assert "appointment" not in missing(dossier(college))
    # a bachelor's probation form records the post taken on its completion
    assert "appointment" not in missing(dossier(clean_values(), no_appointment))


@pytest.mark.parametrize("kind, declared, fires", [
    ("public_institution", None, True),
    ("non_public", None, False),                    # exempt (三(五))
    (None, {"2022": "合格", "2023": "合格"}, True),  # grades declared, no form to show them
    (None, None, False),                            # nothing said: the appraisal check asks a human
])
def test_appraisal_forms(kind, declared, fires):
    values = [x for x in clean_values(appraisals=declared) if x.field != "appraisals" or x.origin == "declared"]
    if kind:
        values.append(d("employer_type", kind))
    no_appraisal = [t for t in ALL_DOCS if t != "appraisal"]
    assert ("appraisal" in missing(dossier(values, no_appraisal))) is fires


def test_an_exemption_stated_on_the_form_is_an_exemption():
    values = [x for x in clean_values(appraisals=None) if x.field != "appraisals"]
    values.append(ExtractedValue(field="appraisals", value={}, document="review_form", origin="declared",
                                 extractor="review_form@1", note="the form states: 非公有制经济组织人员，不提供年度考核材料。"))
    values.append(d("employer_type", "enterprise", "summary_table"))  # not this: the field decides when shown
    no_appraisal = [t for t in ALL_DOCS if t != "appraisal"]
    assert "appraisal" in missing(dossier(values, no_appraisal))
    values = values[:-1]
    assert "appraisal" not in missing(dossier(values, no_appraisal))


def test_commitment_in_the_review_form_or_apart():
    no_commitment = [t for t in ALL_DOCS if t != "commitment"]
    assert "commitment" in missing(dossier(clean_values(), no_commitment))
    form = PageText(file=FILES["review_form"], page=1, width=1, height=1, source="docx",
                    lines=(Line(text="双 承 诺"), Line(text="申报人承诺：本人所提交的申报材料真实")))
    assert "commitment" not in missing(dossier(clean_values(), no_commitment, pages=(form,)))


def test_no_review_form():
    assert "review_form" in missing(dossier(clean_values(), [t for t in ALL_DOCS if t != "review_form"]))


def test_documents_with_a_rule_of_their_own_are_not_evid_missing():
    few = ("review_form", "id_card", "diploma", "appointment", "probation", "appraisal", "commitment")
    assert not missing(dossier(clean_values(), few))


def test_a_page_titled_like_the_missing_document_makes_it_undecided():
    page = PageText(file="x.jpg", page=1, width=1, height=1, source="ocr:rapidocr", lines=(Line(text="毕 业 证 书"),))
    other = Document(type="other", file="x.jpg", pages=(1,), sha256="0")
    no_edu = [t for t in ALL_DOCS if t not in ("diploma", "chsi_report", "degree_certificate")]
    got = missing_evidence(dossier(clean_values(), no_edu, pages=(page,), extra_docs=(other,)), RULES)
    assert [f.rule for f in got if f.field == "diploma"] == ["CHECK.UNDECIDED"]


def test_an_unreadable_file_is_named_in_the_finding():
    bad = SourceFile(path="scan9.pdf", sha256="0", size=1, format="pdf", status="failed",
                     issues=(IngestIssue(stage="ingest", category="corrupt", message="broken"),))
    no_edu = [t for t in ALL_DOCS if t not in ("diploma", "chsi_report", "degree_certificate")]
    got = missing(dossier(clean_values(), no_edu, files=(bad,)))
    assert got["diploma"].rule == "EVID.MISSING" and "scan9.pdf" in got["diploma"].message
