"""Page classification on text as real originals word it (not the fixture factory's wording)."""
import pytest

from core.records import Line, PageText
from extract.classify import classify_page, group_documents


def page(text: str, file="a.pdf", n=1, height=1000.0) -> PageText:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    step = height / (len(lines) + 1)
    return PageText(
        file=file, page=n, width=800, height=height, source="ocr:test@1",
        lines=tuple(
            Line(text=t.strip(), bbox=(50, i * step + 10, 750, i * step + 30), confidence=0.9)
            for i, t in enumerate(lines)
        ),
    )


CASES = {
    "diploma": """普通高等学校
    毕 业 证 书
    学生王建国，性别男，一九九零年五月六日生，于二〇〇八年九月至二〇一一年七月
    在本校煤矿开采技术专业三年制专科学习，修完教学计划规定的全部课程，成绩合格，准予毕业。
    校 名：山西煤炭职业技术学院   校（院）长：李明
    证书编号：123451201106000123   二〇一一年七月一日""",
    "degree_certificate": """学士学位证书
    李娜，女，1993年2月生。在太原理工大学采矿工程专业完成了本科学习计划，业已毕业。
    经审核符合《中华人民共和国学位条例》的规定，授予工学学士学位。
    太原理工大学学位评定委员会主席  二〇一五年七月""",
    "id_card": """姓名 张伟
    性别 男 民族 汉
    出生 1992 年 3 月 12 日
    住址 山西省阳城县凤城镇东关村
    公民身份号码 140522199203120017""",
    "chsi_report": """教育部学历证书电子注册备案表
    在线验证码：A1B2C3D4E5F6G7
    姓名 张伟 学历类别 普通 学习形式 普通全日制 层次 本科
    中国高等教育学生信息网（学信网）""",
    "appointment": """阳城县润丰煤业有限公司文件
    关于聘任张伟同志为技术员的通知
    各科室：经研究决定，聘任张伟同志为技术员，聘期自2019年1月1日起至2021年12月31日止。""",
    "probation": """见习期满考核表
    姓名 李娜 见习期 自2015年7月至2016年7月
    本人小结 ……  单位考核意见：见习期满，考核合格，同意转正。""",
    "appraisal": """2023年度考核登记表
    姓名 张伟 单位 润丰煤业 职务 技术员
    个人总结 一年来认真履行岗位职责……
    主管领导评语  考核等次 合格""",
    "ce_certificate": """专业技术人员继续教育证书
    张伟同志于2023年度参加继续教育，完成公需科目30学时，专业科目60学时，合计90学时。""",
    "work_report": """专业技术工作总结
    本人张伟，2013年7月毕业于太原理工大学采矿工程专业，同年参加工作。
    参加工作以来，本人先后负责采煤工作面作业规程编制和顶板管理……
    今后我将继续努力，克服不足。""",
    "unit_opinion": """单位鉴定意见
    经单位评议组综合评议、集体研究，该同志具备申报条件：
    一、品德条件：……二、学历条件：……三、资历条件：……四、考核条件：……
    同意推荐。 单位负责人：王强 2024年11月20日""",
    "publicity_record": """任职资格评审推荐过程三公示纪实表
    公示内容 评审条件、个人申报条件、单位鉴定意见
    公示时间 2024年11月25日至2024年12月2日 公示地点 公司办公楼一楼公示栏
    公示结果 无异议""",
    "publicity_photo": """公 示
    根据阳城县2024年度工程系列煤炭专业初级评审工作安排，现将张伟同志的申报条件予以公示，
    公示期为2024年11月25日至12月2日。如有异议，请向公司人力资源部反映。联系电话：0356-4220000""",
    "commitment": """承诺书
    本人承诺所提交的申报材料真实、准确，如有虚假，愿意承担一切后果，取消评审资格。
    申报人签字：张伟  单位（盖章）""",
    "review_form": """山西省专业技术职务任职资格评审表
    姓名 张伟 现任专业技术职务 技术员 申报专业 采矿工程
    单位推荐意见 主管部门意见 评审委员会意见""",
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_document_type_is_recognised_by_its_wording(kind):
    assert classify_page(page(CASES[kind])).type == kind


def test_ocr_noise_in_the_title_is_tolerated():
    noisy = CASES["chsi_report"].replace("电子注册备案表", "电子注删备案表")
    assert classify_page(page(noisy)).type == "chsi_report"


def test_unrelated_text_is_other():
    assert classify_page(page("发票\n购买方 名称 金额 合计 税额")).type == "other"


def test_continuation_pages_join_their_document():
    pages = [
        page(CASES["work_report"], n=1),
        page("在矿井通风系统改造中，本人负责风量测定和通风网络解算。\n取得了一定成绩。", n=2),
        page(CASES["appraisal"], n=3),
        page(CASES["appraisal"].replace("2023", "2022"), n=4),
    ]
    docs = group_documents(pages, {"a.pdf": "f" * 64})
    assert [(d.type, d.pages) for d in docs] == [
        ("work_report", (1, 2)),
        ("appraisal", (3,)),
        ("appraisal", (4,)),
    ]
    assert all(d.sha256 == "f" * 64 for d in docs)
