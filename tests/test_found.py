"""Evidence extractors on text as OCR returns it (one Line per printed line, boxes on every line).

These pin the grammar of each document type; the accuracy on rendered, degraded pages is
measured by bench/fields.py and guarded by tests/test_provenance.py.
"""
import pytest

from core.records import Document, Line, PageText
from extract.extractors import ExtractContext, extractors
from extract.fieldspec import load_fields
from extract.found import READERS
from extract import run as _run  # noqa: F401  (registers every extractor)


def _read(doc_type: str, *texts: str, pages: int = 1) -> dict:
    lines = tuple(Line(text=t, bbox=(100, 100 + 60 * i, 100 + 30 * max(len(t), 1), 140 + 60 * i), confidence=0.99)
                  for i, t in enumerate(texts))
    page = PageText(file="scan.pdf", page=1, width=2000, height=3000, source="ocr:test@1", lines=lines)
    doc = Document(type=doc_type, file="scan.pdf", pages=(1,), sha256="0")
    values = extractors.get(doc_type)(doc, [page], ExtractContext())
    out = {}
    for v in values:
        assert v.extractor.startswith(doc_type + "@") and v.document == doc_type
        if v.value is not None:
            assert v.evidence, f"{v.field} has no evidence"
        out[v.field] = v
    return out


def test_fields_yaml_names_known_document_types_readers_and_priorities():
    from core.records import DOC_TYPES

    table = load_fields()
    assert set(table.types) <= set(DOC_TYPES)
    for doc_type, fields in table.types.items():
        for field, rules in fields.items():
            for rule in rules:
                assert rule.present or rule.read in READERS, (doc_type, field, rule.read)
                if rule.pattern:
                    assert "(?P<v>" in rule.pattern
    for field, docs in table.priority.items():
        assert set(docs) <= set(DOC_TYPES), field


def test_appointment_effective_date_not_the_letters_date():
    got = _read("appointment", "关于聘任专业技术职务的通知", "经研究决定，聘任唐立新同志为技术员，聘期",
                "自2021.09:01起，享受相应待遇。", "阳城县泽源煤业有限公司", "二〇二一年八月二十六日")
    assert got["technician_date"].value == "2021-09-01"
    assert got["technician_date"].evidence[0].text == "2021.09:01"
    assert got["name"].value == "唐立新"


@pytest.mark.parametrize("sentence, expected", [
    ("经研究，决定聘任张伟同志为技术员，聘任时间从2019年8月1日起计算。", "2019-08-01"),
    ("聘任张伟同志为技术员，聘期三年（2019年8月1日至2022年7月31日）。", "2019-08-01"),
    ("兹聘任张伟同志为技术员，自二〇一九年八月一日起执行。", "2019-08-01"),
])
def test_appointment_wordings(sentence, expected):
    got = _read("appointment", "聘任通知", sentence, "2019年7月25日")
    assert got["technician_date"].value == expected


def test_appointment_without_an_effective_date_falls_back_to_the_letter_date_with_low_confidence():
    got = _read("appointment", "聘任通知", "经研究，聘任张伟同志为技术员。", "二〇一九年七月二十五日")
    v = got["technician_date"]
    assert v.value == "2019-07-25" and v.confidence <= 0.5 and "letter" in v.note


@pytest.mark.parametrize("line, start, end", [
    ("公示时间 2024年11月25日至11月29日", "2024-11-25", "2024-11-29"),
    ("公示期：2024.11.25-2024.11.29", "2024-11-25", "2024-11-29"),
    ("公示时间 2024-11-28至2024-12-05", "2024-11-28", "2024-12-05"),
    ("公示日期：自2024年11月25日至2024年11月29日止", "2024-11-25", "2024-11-29"),
])
def test_publicity_period(line, start, end):
    got = _read("publicity_record", "任职资格评审推荐过程三公示纪实表", "申报人姓名 何海涛 申报专业：矿山机电", line,
                "公示内容 评审条件、个人申报条件、单位鉴定意见", "2024/12/6")
    assert (got["publicity_start"].value, got["publicity_end"].value) == (start, end)
    assert got["specialty"].value == "矿山机电"
    assert got["publicity_items"].value == ["conditions", "application", "opinion"]


def test_publicity_items_missing_one():
    got = _read("publicity_record", "三公示纪实表", "公示内容 评审条件、个人申报条件", "公示时间 2024年11月25日至11月29日")
    assert got["publicity_items"].value == ["conditions", "application"]


def test_id_card_empty_name_cell_does_not_read_the_next_label():
    got = _read("id_card", "身份证复印件", "姓名", "性别 男 民族 汉", "出生 1993年12月14日",
                "公民身份号码 140522199312141038")
    assert "name" not in got
    assert got["sex"].value == "男" and got["birth_date"].value == "1993-12-14"
    assert got["id_number"].value == "140522199312141038"


def test_chsi_labels_with_ocr_brackets_and_spaces():
    got = _read("chsi_report", "教育部学历证书电子注册备案表", "姓 名 何海涛", "出生日期 1989年6月17日", "层次 本科",
                "专业 计算机科学与技术", "学历类别 普通高等教育", "毕(结)业日期 2011年7月1日")
    assert got["name"].value == "何海涛" and got["education"].value == "bachelor"
    assert got["major"].value == "计算机科学与技术" and got["graduation_date"].value == "2011-07-01"


def test_diploma_prose_across_lines_and_issue_date_year_under_the_seal():
    got = _read("diploma", "普通高等学校毕业证书", "学生何海涛，性别男，一九八九年六月十七日生，于二〇〇七年九月至二",
                "〇一一年七月在本校计算机科学与技术专业四年制本科学习，修完教学计划规定的全部课程，",
                "成绩合格，准予毕业。", "校名：安徽理工大学", "一一年七月一日", "证书编号：103611201105408488")
    assert got["name"].value == "何海涛" and got["sex"].value == "男"
    assert got["birth_date"].value == "1989-06-17"
    assert got["major"].value == "计算机科学与技术" and got["education"].value == "bachelor"
    assert got["school"].value == "安徽理工大学"
    g = got["graduation_date"]
    assert g.value == "2011-07-01" and g.confidence < 0.8 and "study period" in g.note


def test_diploma_with_a_legible_issue_date():
    got = _read("diploma", "中等专业学校毕业证书", "学生 周立新 ，性别男，1963年1月21日生，于1979年9月至1982年7月",
                "在本校矿井通风与安全专业三年制中专学习，成绩合格，准予毕业。", "1982年7月10日")
    assert got["graduation_date"].value == "1982-07-10" and got["graduation_date"].confidence > 0.9
    assert got["education"].value == "secondary"


@pytest.mark.parametrize("grade_line, grade", [
    ("考核等次 合格", "合格"), ("考核结果：基本合格", "基本合格"), ("考核等次 口优秀合格口基本合格口不合格", "合格"),
    ("考核等次 ☑优秀 □合格 □基本合格 □不合格", "优秀"),
])
def test_appraisal_year_and_grade(grade_line, grade):
    got = _read("appraisal", "2023年度专业技术人员年度考核登记表", "姓名 何海涛 性别 男 出生年月 1989.06",
                "年度 2023年 专业 矿山信息和智能化", grade_line, "考核单位（盖章）", "2024/1/9")
    assert got["appraisals"].value == {"2023": grade}
    assert got["name"].value == "何海涛"


def test_appraisal_grade_on_the_next_line_and_ambiguous_ticks():
    got = _read("appraisal", "2022年度事业单位工作人员年度考核登记表", "考核等次", "优秀")
    assert got["appraisals"].value == {"2022": "优秀"}
    got = _read("appraisal", "2022年度考核登记表", "考核等次 优秀合格口基本合格口不合格")
    assert got["appraisals"].value == {"2022": None}  # without the image the ticked box cannot be told
    assert got["appraisals"].note


def test_ce_single_certificate_with_lines_out_of_order_and_a_table():
    got = _read("ce_certificate", "继续教育证书", "科目60学时，合计90学时，经考核合格，特发此证。石华同志于2022年度参加专业技术人员继续教育，"
                "完成公需科目30学时、专业", "晋城市专业技术人员继续教育基地", "2022年12月14日")
    assert got["ce_hours"].value == {"2022": 90}
    got = _read("ce_certificate", "专业技术人员继续教育学时证明", "兹证明何海涛（身份证号：140502198906172712）参加继续教育",
                "年度 公需科目学时 专业科目学时 合计学时", "2021年 30 66 96学时", "2022年 30 60 90学时", "2023年 30 72 102学时")
    assert got["ce_hours"].value == {"2021": 96, "2022": 90, "2023": 102}


def test_probation_period_and_result():
    got = _read("probation", "高校毕业生见习期满考核表", "姓名 何海涛 性别 男 出生年月 1989.06", "见习期 自2011/9/23至2012/9/22",
                "考核结果 合格")
    assert got["probation_end_date"].value == "2012-09-22" and got["probation_passed"].value is True
    got = _read("probation", "见习期满考核表", "见习期 自2011/9/23至2012/9/22", "考核结果 不合格")
    assert got["probation_passed"].value is False


def test_unit_opinion_itemised_or_not_and_commitment_signatures():
    got = _read("unit_opinion", "单位鉴定意见", "一、品德条件：……", "二、学历条件：……", "三、资历条件：……",
                "综上，同意推荐何海涛同志申报矿山信息和智能化专业助理工程师任职资格。", "2024/11/26")
    assert got["opinion_itemized"].value is True and got["opinion_present"].value is True
    assert got["specialty"].value == "矿山信息和智能化" and got["opinion_date"].value == "2024-11-26"
    got = _read("unit_opinion", "单位鉴定意见", "该同志工作积极，表现良好，同意推荐。", "2024/11/26")
    assert got["opinion_itemized"].value is False
    got = _read("commitment", "承诺书", "申报人（签字）：", "2024/12/16", "单位负责人（签字）：赵志刚", "2024/12/16")
    assert got["applicant_signed"].value is False and got["unit_signed"].value is True
    assert got["submission_date"].value == "2024-12-16"


def test_a_specialty_wrapped_in_its_cell_is_completed_only_to_a_known_name():
    got = _read("publicity_record", "三公示纪实表", "申报人姓名 周立新 申报专业：矿井通风与安全工", "程",
                "公示时间 2024年11月25日至11月29日")
    assert got["specialty"].value == "矿井通风与安全工程"
    assert [e.text for e in got["specialty"].evidence] == ["矿井通风与安全工", "程"]
    got = _read("publicity_record", "三公示纪实表", "申报人姓名 周立新 申报专业：煤炭贸易", "公示时间 2024年11月25日至11月29日")
    assert got["specialty"].value == "煤炭贸易"  # outside the list: reported as written, never rewritten


def test_appraisal_options_listed_one_per_line():
    got = _read("appraisal", "2023年度考核登记表", "考核等次", "口优秀", "☑合格", "口基本合格", "口不合格", "考核单位（盖章）")
    assert got["appraisals"].value == {"2023": "合格"}
    got = _read("appraisal", "2023年度考核登记表", "经考核，该同志2023年度考核结果为：基本合格。", "考核单位（盖章）")
    assert got["appraisals"].value == {"2023": "基本合格"}


def test_an_illegible_value_after_its_label_is_reported_unread_with_its_pixels():
    got = _read("probation", "见习期满考核表", "见习期 自2011/9/23至2012/9/22", "考核结果 格")
    v = got["probation_passed"]
    assert v.value is None and v.confidence == 0.0 and "'格'" in v.note
    assert v.evidence[0].text == "格" and v.evidence[0].bbox is not None


@pytest.mark.parametrize("major_line, school_line", [
    ("专业 矿井建设.", "学校 ·晋城市煤炭工业学校"), ("专业：·矿井通风与安全", "学校：晋城市煤炭工业学校．"),
])
def test_a_speck_read_as_a_dot_before_or_after_a_name_is_not_part_of_it(major_line, school_line):
    got = _read("diploma", "毕业证书", "姓名 张伟", major_line, school_line, "毕业日期 2011年7月1日")
    assert got["major"].value in ("矿井建设", "矿井通风与安全")
    assert got["school"].value == "晋城市煤炭工业学校"
    assert got["major"].evidence[0].text == got["major"].value  # the evidence names what was kept


def test_id_card_without_a_legible_birth_label_and_a_diploma_without_a_major():
    got = _read("id_card", "身份证复印件", "姓名顾华", "性别男民族汉", "1994年12月26日", "公民身份号码140522199412263075",
                "有效期限2020.03.07-2040.03.07")
    assert got["birth_date"].value == "1994-12-26" and got["birth_date"].confidence < 0.95
    got = _read("diploma", "初级中学毕业证书", "学生卢伟，性别男，一九九二年一月二十二日生，于二〇〇九年九月至二",
                "〇一二年六月在本校无专业初中学习。", "二〇一二年六月三十日")
    assert got["major"].value == "无" and got["education"].value == "below_secondary"


def test_a_signature_date_missing_its_day_is_weak():
    got = _read("unit_opinion", "单位鉴定意见", "同意推荐。", "单位（盖章）", "2024年11月")
    assert got["opinion_date"].value == "2024-11" and got["opinion_date"].confidence <= 0.5


def test_work_specialties_are_what_the_applicant_works_in_not_what_was_studied():
    got = _read("work_report", "专业技术工作总结", "一、本人学历、学位", "2011年7月毕业于安徽理工大学计算机科学与技术专业，",
                "二、工作经历", "2012年9月被聘任为技术员，至今一直从事矿山信息和智能化相关专业技术工作。")
    assert got["work_specialties"].value == ["矿山信息和智能化"]
    assert got["report_present"].value is True
    assert got["report_sections"].value == ["education", "work_history"]


def test_employer_type_only_where_the_name_decides_it():
    from core.records import ExtractedValue
    from extract.run import _employer_types

    def employer(name, origin="found"):
        return ExtractedValue(field="employer", value=name, extractor="appraisal@1", document="appraisal", origin=origin)

    kinds = {v.value: v for v in _employer_types([employer("阳城县能源局"), employer("阳城县煤炭安全技术服务中心"),
                                                  employer("山西阳城润丰煤业有限公司")])}
    assert set(kinds) == {"civil_service", "public_institution"}
    assert "能源局" in kinds["civil_service"].note
    assert _employer_types([employer("阳城县能源局", origin="declared")]) == []


def test_ce_table_with_the_total_column_first():
    got = _read("ce_certificate", "继续教育学时证明", "兹证明金鑫同志（身份证号码：140522199003099833）已完成继续教育，各年度学时如下：",
                "年度 合计（学时） 公需科目（学时） 专业科目（学时）", "2021年度 96 30 66", "2022年度 90 30 60", "特此证明。",
                "2024年2月2日")
    assert got["ce_hours"].value == {"2021": 96, "2022": 90}


def test_id_card_validity_period_is_never_the_birth_date():
    got = _read("id_card", "身份证复印件", "姓名吕倩", "性别女民族汉", "住址山西省阳城县", "公民身份号码140522199508190026",
                "有效期限2021.04.05-2041.04.05")
    assert "birth_date" not in got


@pytest.mark.parametrize("line, passed", [
    ("单位考核意见 该同志见习期满，经考核，成绩合格，同意按期转正定级。", True),
    ("单位考核意见 该同志见习期满，经考核，成绩不合格，延长见习期。", False),
    ("该同志见习期满。经考核，成绩合格。", True),
])
def test_probation_result_stated_in_a_sentence(line, passed):
    got = _read("probation", "见习期满考核鉴定表", "见习期 2010年07月13日—2011年07月12日", line)
    assert got["probation_passed"].value is passed
    assert got["probation_end_date"].value == "2011-07-12"


def test_labels_above_their_values_in_a_grid():
    got = _read("chsi_report", "教育部学历证书电子注册备案表", "姓名 性别", "金鑫 男", "出生日期 民族", "1990年03月09日 回族",
                "证件号码", "140522199003099833", "学校名称", "山东科技大学", "层次 专业", "本科 土木工程",
                "入学日期 毕（结）业日期", "2008年09月01日 2012年06月01日")
    assert got["name"].value == "金鑫" and got["sex"].value == "男"
    assert got["birth_date"].value == "1990-03-09" and got["id_number"].value == "140522199003099833"
    assert got["school"].value == "山东科技大学" and got["education"].value == "bachelor"
    assert got["major"].value == "土木工程"
    assert got["graduation_date"].value == "2012-06-01"


def test_labels_wrapped_in_their_cells_over_their_values():
    got = _read("probation", "见习期考核鉴定表", "所学专业 矿物加工工程 工作单位 山西阳城东岭煤业有限公司", "见习开始时 见习结束时",
                "2011年07月31日 2012年07月30日", "间 间", "考核等次 合格")
    assert got["probation_end_date"].value == "2012-07-30"


def test_probation_end_from_the_year_long_period_when_its_labels_are_torn():
    got = _read("probation", "高校毕业生见习期考核鉴定表", "见习开始 见习结束", "时间 2020年9月14日 时间 2021年9月13日",
                "考核结果 合格", "二〇二一年十月一日")
    v = got["probation_end_date"]
    assert v.value == "2021-09-13" and v.confidence < 0.85 and "year-long" in v.note


def test_ce_certificate_with_labels_above_values_and_lines_out_of_order():
    got = _read("ce_certificate", "专业技术人员继续教育合格证书", "姓名 身份证号码 培训年度", "卢浩 140581199807288293 2021年",
                "公需科目 专业科目60学时 总学时90学时", "30学时", "2021年12月22日")
    assert got["ce_hours"].value == {"2021": 90}
    got = _read("ce_certificate", "专业技术人员继续教育合格证书", "姓名 身份证号码 培训年度", "卢浩 140581199807288293 2023年",
                "公需科目 专业科目 总学时", "30学时 66学时 96学时", "2023年12月18白")
    assert got["ce_hours"].value == {"2023": 96}


def test_ce_register_with_course_rows_takes_each_years_subtotal():
    got = _read("ce_certificate", "专业技术人员继续教育学时登记表", "姓名 杜晋阳 身份证号码 14052219911226743X",
                "年度 培训项目 科目类别 学时", "2022 习近平新时代中国特色社会主义思想专题 公需科目 30",
                "2022. 智能化综采技术 专业科目 33", "2022年度小计 96", "2023 煤矿安全规程解读 专业科目 30",
                "2023 矿井灾害防治技术 专业科目 30", "2023年度小计 .90")
    assert got["ce_hours"].value == {"2022": 96, "2023": 90}



def _report(*lines):
    return _read("work_report", *lines)["report_sections"].value


def test_report_sections_come_from_the_headings_even_when_ocr_drops_their_numbers():
    body = "2019年7月参加工作，先后在生产技术科从事专业技术工作，获得学历证书和荣誉。"
    full = _report("专业技术工作总结", "、个人基本情况及学历", body, "二、工作简历", body, "三丶任现职以来的专业技术工作", body,
                   "（四）主要工作业绩及所获荣誉", body)
    assert full == ["education", "work_history", "technical_work", "tasks_and_honours"]
    # the body names every part in passing: a dropped heading is still a dropped part
    dropped = _report("专业技术工作总结", "一、本人学历、学位", body, "二、工作经历", body, "四、完成的主要工作任务及取得的荣誉", body)
    assert dropped == ["education", "work_history", "tasks_and_honours"]


def test_an_opinion_set_out_as_table_rows_of_conditions_is_itemised_a_flat_paragraph_is_not():
    rows = _read("unit_opinion", "单位鉴定意见", "品德条件 政治立场坚定，遵纪守法。", "学历条件 2014年7月毕业，大学专科学历。",
                 "资历条件 2016年5月起聘任为技术员。", "考核条件 任现职以来年度考核均为合格。")
    flat = _read("unit_opinion", "单位鉴定意见", "该同志政治立场坚定，学历符合要求，工作认真负责，考核合格，同意推荐。")
    assert rows["opinion_itemized"].value is True and flat["opinion_itemized"].value is False


def _read_weak(doc_type: str, text: str, weak: dict[int, float], *others: str) -> dict:
    """Like _read, with one word per character of `text` and OCR confidences `weak` (index → confidence)."""
    from core.records import Word

    words = tuple(Word(text=ch, bbox=(100 + 30 * i, 100, 130 + 30 * i, 140), confidence=weak.get(i, 0.99))
                  for i, ch in enumerate(text) if not ch.isspace())
    first = Line(text=text, bbox=(100, 100, 100 + 30 * len(text), 140), confidence=min(w.confidence for w in words),
                 words=words)
    rest = tuple(Line(text=t, bbox=(100, 160 + 60 * i, 100 + 30 * len(t), 200 + 60 * i), confidence=0.99)
                 for i, t in enumerate(others))
    page = PageText(file="scan.pdf", page=1, width=2000, height=3000, source="ocr:test@1", lines=(first, *rest))
    doc = Document(type=doc_type, file="scan.pdf", pages=(1,), sha256="0")
    return {v.field: v for v in extractors.get(doc_type)(doc, [page], ExtractContext())}


def test_a_weakly_read_year_digit_that_the_first_fixes_does_not_weaken_the_date():
    text = "开始时间 二〇二四年十一月二十二日 结束时间 二〇二四年十一月二十八日"
    zeros = [i for i, ch in enumerate(text) if ch == "〇"]
    got = _read_weak("publicity_record", text, {zeros[0]: 0.497, zeros[1]: 0.484}, "公示结果 无异议")
    assert got["publicity_start"].value == "2024-11-22" and got["publicity_start"].confidence >= 0.95
    assert got["publicity_end"].value == "2024-11-28" and got["publicity_end"].confidence >= 0.95
    # the evidence still shows what OCR said of the characters
    assert got["publicity_start"].evidence[0].confidence < 0.5


def test_a_weakly_read_digit_that_carries_the_date_still_weakens_it():
    text = "开始时间 二〇二四年十一月二十二日 结束时间 二〇二四年十一月二十八日"
    got = _read_weak("publicity_record", text, {text.index("四"): 0.5, text.rindex("八"): 0.45})
    assert got["publicity_start"].confidence <= 0.5 and got["publicity_end"].confidence <= 0.45


def test_a_date_label_whose_closing_word_wrapped_whole_still_names_its_value():
    # a narrow two-line label cell: 见习结束 / 时间, the date to its right on the first line
    got = _read("probation", "见习期满考核鉴定表", "见习开始 见习结束 2015年10月8日", "2014年10月9日", "时间 时间",
                "考核等次 合格")
    assert got["probation_end_date"].value == "2015-10-08" and got["probation_end_date"].note is None


def test_a_publicity_period_labelled_qi_zhi_is_read_after_its_label():
    got = _read("publicity_record", "任职资格评审推荐过程三公示纪实表", "申报人 孙燕",
                "公示起止时间 2024年11月27日至2024年12月4日", "公示地点 单位门口公示栏")
    assert got["publicity_start"].value == "2024-11-27" and got["publicity_start"].confidence >= 0.95
    assert got["publicity_end"].value == "2024-12-04" and got["publicity_end"].confidence >= 0.95
