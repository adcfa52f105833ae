"""summary.xlsx read back with openpyxl: the same applicants, verdicts, counts and found values as batch.json."""
import json
from collections import Counter

import openpyxl
import pytest

from core.records import FieldReport, Finding, Report
from reports.summary import write_summary
from verify.checks_cross import EDUCATION_ZH  # the glossary of education levels

pytestmark = pytest.mark.xdist_group("checked")

SEVERITY_HEADS = {"block": "否决", "error": "错误", "warn": "提示复核", "info": "信息"}
VERDICT_ZH = {"eligible": "符合条件", "needs_review": "需人工复核", "ineligible": "不符合条件"}
FIELD_HEADS = {"姓名": "name", "性别": "sex", "出生年月": "birth_date", "身份证号": "id_number", "学历": "education",
               "毕业院校": "school", "所学专业": "major", "毕业时间": "graduation_date", "参加工作时间": "work_start_date",
               "任技术员时间": "technician_date", "申报专业": "specialty", "工作单位": "employer"}


def read_rows(path):
    ws = openpyxl.load_workbook(path)["申报汇总表"]
    rows = list(ws.iter_rows(values_only=False))
    heads = [c.value for c in rows[0]]
    return ws, heads, {r[0].value: {h: c for h, c in zip(heads, r)} for r in rows[1:]}


def expected_text(name, value):
    if name == "education":
        return EDUCATION_ZH[value]
    return value


def test_summary_matches_batch_json(checked_batch):
    out = checked_batch["out"]
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    ws, heads, rows = read_rows(out / "summary.xlsx")
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(heads)).column_letter}{len(batch['applicants']) + 1}"
    assert heads[0] == "申报包" and set(FIELD_HEADS) <= set(heads) and "结论" in heads
    assert ws.max_row == len(batch["applicants"]) + 1
    assert set(rows) == {a["applicant"] for a in batch["applicants"]}
    found_cells = 0
    for a in batch["applicants"]:
        row = rows[a["applicant"]]
        assert row["结论"].value == VERDICT_ZH[a["verdict"]]
        counts = Counter(f["severity"] for f in a["findings"])
        for severity, head in SEVERITY_HEADS.items():
            assert row[head].value == counts.get(severity, 0), (a["applicant"], head)
        for head, name in FIELD_HEADS.items():
            rep = a["fields"].get(name) or {}
            cell = row[head]
            if rep.get("found") is not None:
                assert cell.value == expected_text(name, rep["found"]), (a["applicant"], name)
                assert not cell.font.italic
                found_cells += 1
            elif rep.get("declared") is not None:  # nothing found: the declared value, marked
                assert cell.value == expected_text(name, rep["declared"]) and cell.font.italic and cell.comment
            else:
                assert cell.value is None
        if a["fields"].get("birth_date", {}).get("found"):
            assert isinstance(row["出生年月"].value, str)  # a date as batch.json writes it, not an Excel date
    assert found_cells >= 3 * len(FIELD_HEADS)  # the clean applicants' values are found, not declared


def test_untrusted_and_missing_values(tmp_path):
    """A formula-looking value stays text, a control character is dropped, declared fills in for found."""
    report = Report(applicant="王小明-测试单位", verdict="needs_review", fields={
        "name": FieldReport(declared="王小明", found="王小明"),
        "employer": FieldReport(declared="阳城县煤业", found='=HYPERLINK("http://x","点我")\x0b'),
        "work_start_date": FieldReport(declared="2015-07", found=None),
        "technician_date": FieldReport(),
        "education": FieldReport(found="bachelor"),
    }, findings=(Finding(rule="CHECK.UNDECIDED", severity="warn", message="请人工核对"),
                 Finding(rule="ID.INVALID", severity="error", message="身份证号校验位不符")))
    path = write_summary([report], tmp_path / "summary.xlsx")
    ws, _, rows = read_rows(path)
    row = rows["王小明-测试单位"]
    assert row["工作单位"].value == '=HYPERLINK("http://x","点我")' and row["工作单位"].data_type == "s"
    assert row["参加工作时间"].value == "2015-07" and row["参加工作时间"].font.italic
    assert "评审表" not in row["参加工作时间"].comment.text  # declared_in unknown: no document named
    assert row["任技术员时间"].value is None and row["学历"].value == "大学本科"
    assert (row["错误"].value, row["提示复核"].value, row["否决"].value) == (1, 1, 0)
    assert row["主要发现"].value == "ID.INVALID：身份证号校验位不符"
    assert not list(tmp_path.glob("*.part"))
