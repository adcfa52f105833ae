"""Value readers (extract/values.py) and the lexicon they read (extract/lexicon.yaml)."""
import unicodedata
from pathlib import Path

import pytest
import yaml

from extract.lexicon import DEGREES, EDUCATION_LEVELS, LEXICON_FILE, load_lexicon
from extract.values import (clean_name, find_grades, find_id_numbers, id_checksum_ok, read_bool_result,
                            read_degree, read_education, read_hours, read_id_number, read_sex,
                            read_tick_choice)

VALID_ID = "11010519491231002X"  # GB 11643's own example: check character X
VALID_ID_2 = "140522199911213515"


# ---- lexicon ------------------------------------------------------------------------------------

def test_lexicon_loads_with_the_notice_specialties():
    lexicon = load_lexicon()
    assert set(lexicon.notice_specialties().values()) == {
        "采矿工程", "矿井建设", "矿井通风与安全工程", "矿山机电", "矿山机械", "矿山信息和智能化",
        "矿山地质与测量", "矿物洗选和加工工程",
        "燃气气源工程", "燃气输配工程", "燃气控制工程", "燃气应用工程"}
    others = set(lexicon.other_majors.values())
    assert {"工程造价", "矿山机电技术", "矿井通风与安全", "会计"} <= others
    assert not others & set(lexicon.notice_specialties().values())
    assert set(lexicon.education.levels) == set(EDUCATION_LEVELS)
    assert set(lexicon.degrees) == set(DEGREES)


def test_lexicon_refuses_a_wording_listed_twice(tmp_path: Path):
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    data["education"]["levels"]["master"].append("本科")
    bad = tmp_path / "lexicon.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="本科"):
        load_lexicon(bad)


def test_lexicon_refuses_an_unknown_level(tmp_path: Path):
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    data["education"]["levels"]["postdoc"] = ["博士后"]
    bad = tmp_path / "lexicon.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError):
        load_lexicon(bad)


# ---- sex ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [("男", "男"), ("女", "女"), ("性别：男", "男"), ("性 别 女", "女"),
                                         ("☑男 口女", "男"), ("口男 女", "女")])
def test_read_sex(text, value):
    reading = read_sex(text)
    assert reading.value == value and text[reading.start:reading.end] == value


def test_read_sex_none_and_ambiguous():
    assert read_sex("民族：汉") is None
    assert read_sex("男 女").value is None and read_sex("男 女").problem


# ---- ID numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, certainty", [
    (VALID_ID_2, VALID_ID_2, 1.0),
    ("身份证号：140522199911213515", VALID_ID_2, 1.0),
    ("11010519491231002x", VALID_ID, 1.0),
    ("１１０１０５１９４９１２３１００２Ｘ", VALID_ID, 1.0),
    ("1405 2219 9911 2135 15", VALID_ID_2, 1.0),
    ("140522 19991121 3515", VALID_ID_2, 1.0),
    ("14O522l999112135I5", VALID_ID_2, 0.9),
    ("No14o522199911213515", VALID_ID_2, 0.9),
    ("1101051949123100 2×", VALID_ID, 0.9),
])
def test_read_id_number(text, value, certainty):
    reading = read_id_number(text)
    assert (reading.value, reading.certainty) == (value, certainty)
    printed = "".join(text[reading.start:reading.end].split())
    assert len(printed) == 18 and reading.start == text.find(printed[:3])


def test_read_id_number_span_covers_the_number():
    text = "姓名 张伟 身份证号 140522199911213515 电话 13912345678"
    reading = read_id_number(text)
    assert text[reading.start:reading.end] == VALID_ID_2


@pytest.mark.parametrize("text", ["13912345678", "0356-4220191", "1405221999112135", "6222021234567890123",
                                  "0356 4220191 1234567", "140522199911213515123", "XX大学"])
def test_read_id_number_none(text):
    assert read_id_number(text) is None


def test_find_id_numbers_keeps_every_candidate():
    found = find_id_numbers(f"{VALID_ID_2} 或 140522199911213516")
    assert [r.value for r in found] == [VALID_ID_2, "140522199911213516"]
    assert [id_checksum_ok(r.value) for r in found] == [True, False]


@pytest.mark.parametrize("value, ok", [(VALID_ID, True), (VALID_ID_2, True), ("110105194912310021", False),
                                       ("14052219991121351X", False), ("1405221999112135", False),
                                       ("11010519491231002x", False)])
def test_id_checksum_ok(value, ok):
    assert id_checksum_ok(value) is ok


# ---- education and degree -----------------------------------------------------------------------

@pytest.mark.parametrize("text, level", [
    ("博士研究生", "doctorate"), ("博士", "doctorate"),
    ("硕士研究生", "master"), ("研究生", "master"), ("硕士", "master"), ("研究生（硕士）", "master"),
    ("第二学士", "second_bachelor"),
    ("本科", "bachelor"), ("大学本科", "bachelor"), ("四年制本科", "bachelor"), ("专升本", "bachelor"),
    ("太原理工大学 本科", "bachelor"),
    ("专科", "junior_college"), ("大专", "junior_college"), ("大学专科", "junior_college"),
    ("太原理工大学专科", "junior_college"), ("三年制专科", "junior_college"), ("高职", "junior_college"),
    ("高等职业教育", "junior_college"), ("初中起点五年制大专", "junior_college"),
    ("中专", "secondary"), ("三年制中专", "secondary"), ("中等专业学校", "secondary"),
    ("中等职业教育", "secondary"), ("中职", "secondary"), ("职高", "secondary"), ("职业高中", "secondary"),
    ("职业中学", "secondary"), ("技校", "secondary"), ("技工学校", "secondary"), ("中技", "secondary"),
    ("技工院校 中级工班", "secondary"), ("技工院校高级工班", "junior_college"), ("技工学校 高级工班", "junior_college"),
    ("技工院校预备技师班", "bachelor"), ("预备技师", "bachelor"), ("技师班", "bachelor"),
    ("高中", "below_secondary"), ("初中", "below_secondary"), ("小学", "below_secondary"),
    ("初级中学", "below_secondary"),
    ("本 科", "bachelor"),
])
def test_read_education(text, level):
    reading = read_education(text)
    assert reading is not None and reading.value == level and reading.certainty == 1.0


def test_read_education_span_is_the_deciding_word():
    text = "太原理工大学 采矿工程 大学专科"
    reading = read_education(text)
    assert text[reading.start:reading.end] == "大学专科"


def test_daxue_alone_is_bachelor_with_lower_certainty():
    reading = read_education("大学")
    assert reading.value == "bachelor" and reading.certainty < 1.0


@pytest.mark.parametrize("text", ["普通高等学校毕业证书", "技工院校", "毕业证书", "", "采矿工程"])
def test_read_education_none_without_a_level_word(text):
    assert read_education(text) is None


def test_read_education_conflict_is_reported():
    reading = read_education("本科 研究生")
    assert reading.value is None and "conflicting" in reading.problem


@pytest.mark.parametrize("text, degree", [("博士", "doctor"), ("硕士", "master"), ("学士", "bachelor"),
                                          ("工学学士学位", "bachelor"), ("管理学硕士学位", "master"),
                                          ("博士学位", "doctor"), ("第二学士学位", "bachelor")])
def test_read_degree(text, degree):
    assert read_degree(text).value == degree


@pytest.mark.parametrize("text", ["无", "空", " 无 ", "/", "—"])
def test_read_degree_explicit_none(text):
    reading = read_degree(text)
    assert reading is not None and reading.value is None and reading.problem is None


def test_read_degree_unreadable_or_conflicting():
    assert read_degree("本科") is None
    assert read_degree("学士 硕士").value is None and read_degree("学士 硕士").problem


# ---- grades and tick boxes ----------------------------------------------------------------------

def test_find_grades_longest_first():
    text = "2021年度 基本合格 2022年度 不合格 2023年度 合格 优秀 称职 基本称职 不称职 不确定"
    assert [r.value for r in find_grades(text)] == ["基本合格", "不合格", "合格", "优秀", "称职", "基本称职",
                                                    "不称职", "不确定"]
    assert all(text[r.start:r.end] == r.value for r in find_grades(text))


def test_find_grades_across_ocr_spaces():
    (reading,) = find_grades("考核结果：基本 合格")
    assert reading.value == "基本合格" and (reading.start, reading.end) == (5, 10)


@pytest.mark.parametrize("text, value, certainty", [
    ("考核等次 口优秀合格口基本合格口不合格", "合格", 0.8),
    ("考核等次 囗优秀 合格 囗基本合格 囗不合格", "合格", 0.8),
    ("口优秀 □合格 基本合格 口不合格", "基本合格", 0.8),
    ("☑合格  □优秀 □基本合格", "合格", 1.0),
    ("□优秀 ✓合格 □基本合格", "合格", 1.0),
    ("□优秀 √称职 □基本称职 □不称职", "称职", 1.0),
    ("■优秀 □合格", "优秀", 1.0),
    ("☒不合格 口合格", "不合格", 1.0),
    ("✔基本合格 口合格", "基本合格", 1.0),
    ("考核等次：合格", "合格", 1.0),
])
def test_read_tick_choice(text, value, certainty):
    reading = read_tick_choice(text)
    assert (reading.value, reading.certainty, reading.problem) == (value, certainty, None)
    assert text[reading.start:reading.end] == value


@pytest.mark.parametrize("text, problem", [
    ("考核等次 优秀合格口基本合格口不合格", "ambiguous"),  # the first option lost its box too
    ("优秀合格基本合格不合格", "ambiguous: several grades"),
    ("口优秀口合格口基本合格口不合格", "no option ticked"),
    ("√优秀 √合格", "several options ticked"),
])
def test_read_tick_choice_cannot_tell(text, problem):
    reading = read_tick_choice(text)
    assert reading.value is None and reading.problem == problem


def test_read_tick_choice_without_grades():
    assert read_tick_choice("考核等次 口 口 口") is None


@pytest.mark.parametrize("text, value", [("合格", True), ("通过", True), ("优秀", True), ("同意转正", True),
                                         ("不合格", False), ("不通过", False), ("不同意", False),
                                         ("见习期满考核合格，同意转正定级", True), ("☑合格 口不合格", True),
                                         ("口合格 ☑不合格", False)])
def test_read_bool_result(text, value):
    assert read_bool_result(text).value is value


@pytest.mark.parametrize("text", ["基本合格", "合格 不合格"])
def test_read_bool_result_unclear(text):
    reading = read_bool_result(text)
    assert reading.value is None and reading.problem


def test_read_bool_result_none():
    assert read_bool_result("见习期一年") is None


# ---- hours and names ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, hours", [("90学时", 90), ("合计90学时", 90), ("96", 96), ("合计：90 学时", 90),
                                         ("９０学时", 90), ("公需科目30学时 专业科目60学时 合计90学时", 90),
                                         ("2023年 72学时", 72), ("2023 72学时", 72), ("24小时", 24)])
def test_read_hours(text, hours):
    reading = read_hours(text)
    assert reading.value == hours
    assert int(unicodedata.normalize("NFKC", text[reading.start:reading.end])) == hours


@pytest.mark.parametrize("text, problem", [("30学时 60学时", "several hour counts"), ("1.5学时", "not whole hours: 1.5")])
def test_read_hours_cannot_tell(text, problem):
    reading = read_hours(text)
    assert reading.value is None and reading.problem == problem


@pytest.mark.parametrize("text", ["", "学时", "2023年", "2024年11月25日"])
def test_read_hours_none(text):
    assert read_hours(text) is None


@pytest.mark.parametrize("text, name", [("张伟", "张伟"), ("张 伟", "张伟"), (" 张伟： ", "张伟"), ("姓名：李娜", "李娜"),
                                        ("欧阳娜娜", "欧阳娜娜"), ("买买提·艾力", "买买提·艾力"),
                                        ("阿依古丽•买买提", "阿依古丽·买买提"), ("「王芳」", "王芳")])
def test_clean_name(text, name):
    reading = clean_name(text)
    assert reading.value == name
    assert "".join(text[reading.start:reading.end].split()).replace("•", "·") == name


@pytest.mark.parametrize("text", ["张", "张伟1", "Zhang Wei", "欧阳娜娜娜", "姓名", "", "·", "12"])
def test_clean_name_none(text):
    assert clean_name(text) is None
