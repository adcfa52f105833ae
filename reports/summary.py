"""summary.xlsx: the batch as a 申报汇总表, one row per applicant, with the verdict and the counts (openpyxl).

Columns: the applicant key (申报包), then the 汇总表's own columns (姓名, 性别, 出生年月, 身份证号, 学历,
毕业院校, 所学专业, 毕业时间, 参加工作时间, 任技术员时间, 申报专业, 工作单位), then 结论 and the number of
findings per severity (否决, 错误, 提示复核, 信息) and the first finding of the most severe kind.

Values are those FOUND in the evidence (report.json's `found`), as the issue asks: the table is what
the documents show, to set beside the unit's own 汇总表. Where nothing was found (a field no evidence
document shows, e.g. a work start date on a form only) the DECLARED value fills the cell, in grey
italics with a comment saying so, so that no row has holes a clerk would fill by hand; a cell stays
empty only when neither is known. Dates are text exactly as in batch.json (`YYYY-MM-DD`, or `YYYY-MM`
for a month-only date): a real Excel date could not hold a month-only value and would read back
differently. 学历 is written in Chinese (大学本科 …) as the 汇总表 prints it. Every value is written as
text (a value starting with '=' is not turned into a formula), with the characters a worksheet cannot
hold removed. The header row is frozen and the auto-filter is on. A second sheet, 说明, says all this.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.records import Report
from reports.view import SEVERITIES, SEVERITY_ZH, VERDICT_ZH
from verify.checks_cross import DOC_ZH, EDUCATION_ZH

KEY_HEAD = "申报包"
FIELD_COLUMNS = (  # (header of the 申报汇总表, field of report.json)
    ("姓名", "name"), ("性别", "sex"), ("出生年月", "birth_date"), ("身份证号", "id_number"),
    ("学历", "education"), ("毕业院校", "school"), ("所学专业", "major"), ("毕业时间", "graduation_date"),
    ("参加工作时间", "work_start_date"), ("任技术员时间", "technician_date"), ("申报专业", "specialty"),
    ("工作单位", "employer"),
)
VERDICT_HEAD, TOP_HEAD = "结论", "主要发现"
HEADERS = (KEY_HEAD, *(h for h, _ in FIELD_COLUMNS), VERDICT_HEAD, *(SEVERITY_ZH[s] for s in SEVERITIES), TOP_HEAD)
VERDICT_FILL = {"eligible": "E8F5E9", "needs_review": "FFF3E0", "ineligible": "FFEBEE"}
DECLARED_FONT = Font(italic=True, color="777777")
TOP_LENGTH = 300  # characters of the top finding's message kept in the cell


def cell_text(name: str, value) -> str | None:
    """A found or declared value as the sheet shows it (and as a test reads it back)."""
    if value is None or value == "":
        return None
    if name == "education":
        return EDUCATION_ZH.get(value, str(value))
    return str(value)


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _put(ws, row: int, column: int, value):
    cell = ws.cell(row=row, column=column, value=_clean(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # OCR text starting with '=' stays text, never a formula
        cell.number_format = "@"
    return cell


def _width(text) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def write_summary(reports: Sequence[Report], path: Path) -> Path:
    """Write the batch's summary sheet to `path` (one row per report, in the given order); returns `path`."""
    wb = Workbook()
    ws = wb.active
    ws.title = "申报汇总表"
    for c, head in enumerate(HEADERS, 1):
        cell = _put(ws, 1, c, head)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = [_width(h) for h in HEADERS]
    for r, report in enumerate(reports, 2):
        values: list = [report.applicant]
        declared_only = set()
        for _, name in FIELD_COLUMNS:
            rep = report.fields.get(name)
            found = cell_text(name, rep.found) if rep else None
            if found is None and rep is not None and cell_text(name, rep.declared) is not None:
                declared_only.add(len(values))
                values.append(cell_text(name, rep.declared))
            else:
                values.append(found)
        counts = Counter(f.severity for f in report.findings)
        top = next((f for s in SEVERITIES for f in report.findings if f.severity == s), None)
        values += [VERDICT_ZH[report.verdict], *(counts.get(s, 0) for s in SEVERITIES),
                   f"{top.rule}：{top.message}"[:TOP_LENGTH] if top else None]
        for c, value in enumerate(values, 1):
            cell = _put(ws, r, c, value)
            if c - 1 in declared_only:
                name = FIELD_COLUMNS[c - 2][1]
                source = DOC_ZH.get(report.fields[name].declared_in or "", "申报材料")
                cell.font = DECLARED_FONT
                cell.comment = Comment(f"证明材料中未读到，此为{source}填写的值", "dossier")
            if value is not None:
                widths[c - 1] = max(widths[c - 1], _width(value))
        ws.cell(row=r, column=len(FIELD_COLUMNS) + 2).fill = PatternFill("solid", fgColor=VERDICT_FILL[report.verdict])
    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = min(60 if c == len(HEADERS) else 40, max(6, width + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{max(1, len(reports) + 1)}"
    _notes(wb.create_sheet("说明"))
    part = path.with_name(path.name + ".part")
    wb.save(part)
    part.replace(path)
    return path


def _notes(ws) -> None:
    lines = (
        "本表每行一名申报人，各列为证明材料中识别到的值（材料所示），供与单位报送的申报汇总表对照。",
        "灰色斜体：证明材料中未读到该项，此为评审表或汇总表中申报填写的值（单元格批注注明来源）。",
        "日期为文本，格式 YYYY-MM-DD（只写到月份的为 YYYY-MM），与 batch.json 中的值一致。",
        "结论：符合条件 / 需人工复核 / 不符合条件；否决、错误、提示复核、信息为各级别发现的条数。",
        "主要发现：最严重一级中的第一条发现（规则编号：说明）；全部发现见各申报人的 report.html / report.docx。",
    )
    for r, line in enumerate(lines, 1):
        _put(ws, r, 1, line)
    ws.column_dimensions["A"].width = 100
