"""report.docx: the printable report of one applicant, the same content as report.html (python-docx).

`write_docx(view, path, folder)` draws an `ApplicantView` on A4 portrait (2 cm margins): the header
facts, the verdict in words and colour, the counts by severity; the findings grouped by severity, each
with its rule ID, message, the notice's clauses quoted in full and its evidence crops as pictures
(from `folder/<crop>`, at most 14 cm wide) with file, page, text read and confidence (a PDF page's
region in its earlier revision beside the current one, 修改前 / 现在); the
declared-vs-found table (differences shaded red, weak readings amber, their crops beside them); the
timeline and the materials checklist as tables; and a line for the reviewer's signature and date.

The CJK font is named on the Normal style, on the heading styles and on every run (w:eastAsia, with
the East-Asian language zh-CN, so a Word without Noto substitutes a Chinese font, not a Latin one). Text is untrusted OCR output:
python-docx writes it as XML text (escaped), and the characters XML cannot hold are dropped first. A crop
that is missing or does not open as an image is shown as its caption only.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from PIL import Image

from reports.chart import career_svg, days_svg, svg_png
from reports.view import SEVERITIES, SEVERITY_ZH, ApplicantView, EvidenceView, zh_date

FONT = "Noto Sans CJK SC"  # installed by the set-up (fonts-noto-cjk); LibreOffice renders with it
VERDICT_RGB = {"eligible": "2E7D32", "needs_review": "EF6C00", "ineligible": "C62828"}
SEVERITY_RGB = {"block": "C62828", "error": "D84315", "warn": "EF8F00", "info": "607D8B"}
GREY, RED, AMBER = "555555", "C62828", "B26A00"
FILL_HEAD, FILL_DIFF, FILL_LOW, FILL_CLAUSE = "EEEEEE", "FFF0F0", "FFF8E1", "F6F6F0"
CROP_MAX_CM = 14.0  # a finding's crop, at most the text width less the indent
CROP_CELL_CM = 4.8  # a crop inside the declared-vs-found table
PAIR_CM = 8.5  # each half of an earlier revision's region beside the current one (two fit the text width)
PICTURE_FORMATS = ("JPEG", "PNG", "GIF", "BMP", "TIFF")  # what python-docx places
CM_PER_PX = 0.015  # crops show text ~30 px high (reports.evidence.TEXT_HEIGHT): 4.5 mm on paper
TEXT_WIDTH_CM = 17.0  # A4 less the margins
CHART_CM = 17.0  # the timeline charts, the text width
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def write_docx(view: ApplicantView, path: Path, folder: Path) -> Path:
    """Write `view` to `path` (through a temporary file, so a failure leaves no half report).

    `folder` is the applicant's output folder: the crops' relative paths (`evidence/<name>.jpg`) are
    looked up in it. Returns `path`."""
    doc = Document()
    _page(doc, view)
    _fonts(doc)
    _header(doc, view)
    _findings(doc, view, folder)
    _fields(doc, view, folder)
    _timeline(doc, view)
    _materials(doc, view)
    _closing(doc)
    doc.core_properties.title = _clean(f"{view.name}（{view.key}）材料核查报告")
    doc.core_properties.subject = _clean(view.title)
    doc.core_properties.author = "dossier"
    part = path.with_name(path.name + ".part")
    doc.save(str(part))
    part.replace(path)
    return path


# ---- page, fonts, small drawing helpers -------------------------------------------------------------

def _page(doc, view: ApplicantView) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    section.header_distance = section.footer_distance = Cm(1.0)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, f"{view.name}（{view.key}）材料核查报告　第 ", size=8, color=GREY)
    _field(footer, "PAGE")
    _run(footer, " 页 共 ", size=8, color=GREY)
    _field(footer, "NUMPAGES")
    _run(footer, " 页", size=8, color=GREY)


def _set_fonts(rpr, size: float | None = None) -> None:
    """Name FONT for every script on a w:rPr (theme fonts removed, or they would win)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)


def _fonts(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    _set_fonts(normal.element.get_or_add_rPr())
    lang = OxmlElement("w:lang")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 12.5)):
        style = doc.styles[name]
        _set_fonts(style.element.get_or_add_rPr())
        style.font.size, style.font.color.rgb, style.font.bold = Pt(size), RGBColor(0x22, 0x22, 0x22), True


def _clean(text) -> str:
    return _NOT_XML.sub("", "" if text is None else str(text))


def _run(paragraph, text, *, bold=False, size: float | None = None, color: str | None = None, italic=False):
    run = paragraph.add_run(_clean(text))
    _set_fonts(run._element.get_or_add_rPr())
    run.bold, run.italic = bold or None, italic or None
    if size:
        run.font.size = Pt(size)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    return run


def _field(paragraph, instruction: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def _shade(element_pr, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    element_pr.append(shd)


def _left_border(paragraph, colour: str, eighths: int = 18) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for k, v in (("w:val", "single"), ("w:sz", str(eighths)), ("w:space", "6"), ("w:color", colour)):
        left.set(qn(k), v)
    borders.append(left)
    ppr.append(borders)


def _para(doc_or_cell, text="", *, indent_cm: float = 0.0, keep_next=False, **run_style):
    p = doc_or_cell.add_paragraph()
    if indent_cm:
        p.paragraph_format.left_indent = Cm(indent_cm)
    if keep_next:
        p.paragraph_format.keep_with_next = True
    if text:
        _run(p, text, **run_style)
    return p


def _table(doc, heads: list[str], widths_cm: list[float]):
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _widths(table, widths_cm)
    row = table.rows[0]
    header = OxmlElement("w:tblHeader")  # repeated on every page the table spans
    row._tr.get_or_add_trPr().append(header)
    for cell, head, width in zip(row.cells, heads, widths_cm):
        cell.width = Cm(width)
        _run(cell.paragraphs[0], head, bold=True, size=9.5)
        _shade(cell._tc.get_or_add_tcPr(), FILL_HEAD)
    return table


def _widths(table, widths_cm: list[float]) -> None:
    """Column widths in the table grid (LibreOffice reads these; Word reads the cells')."""
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)


def _row(table, values: list, widths_cm: list[float], fill: str | None = None, color: str | None = None):
    cells = table.add_row().cells
    for cell, value, width in zip(cells, values, widths_cm):
        cell.width = Cm(width)
        if value:
            _run(cell.paragraphs[0], value, size=9.5, color=color)
        if fill:
            _shade(cell._tc.get_or_add_tcPr(), fill)
    return cells


def _cell_paragraph(cell):
    """A new paragraph in `cell`; the cell's own first paragraph while it is still empty."""
    paragraphs = cell.paragraphs
    if len(paragraphs) == 1 and not paragraphs[0].runs:
        return paragraphs[0]
    return cell.add_paragraph()


def _picture(new_paragraph, folder: Path, crop: str | None, max_cm: float) -> bool:
    """The crop as an inline picture in `new_paragraph()`, which is called only once the crop has opened as
    an image; False (nothing added) when the crop is missing or is not an image python-docx can place."""
    if not crop:
        return False
    file = folder / crop
    try:
        with Image.open(file) as im:
            width_px, kind = im.size[0], im.format
            im.verify()
    except Exception:  # noqa: BLE001 — a missing or broken crop leaves the caption, never the report
        return False
    if kind not in PICTURE_FORMATS:
        return False
    width = Cm(min(max_cm, max(2.0, width_px * CM_PER_PX)))
    new_paragraph().add_run().add_picture(str(file), width=width)
    return True


def _caption(e: EvidenceView) -> str:
    text = e.where + (f"：“{e.text}”" if e.text else "")
    if e.confidence is not None:
        text += f"（置信度 {e.confidence:.2f}{'，偏低' if e.low else ''}）"
    return text


# ---- the sections ---------------------------------------------------------------------------------

def _header(doc, v: ApplicantView) -> None:
    _para(doc, f"{v.title} · 材料核查报告", size=10, color=GREY)
    title = doc.add_paragraph(style="Title")
    _run(title, v.name, bold=True)
    _run(title, f"　{v.key}", size=11, color=GREY)
    facts = doc.add_table(rows=2, cols=4)
    facts.autofit = False
    widths = [2.2, 5.8, 2.2, 6.8]
    _widths(facts, widths)
    for r, row in enumerate((("身份证号", v.id_number, "工作单位", v.employer),
                             ("申报专业", v.specialty, "依据", v.notice))):
        for c, text in enumerate(row):
            cell = facts.cell(r, c)
            cell.width = Cm(widths[c])
            _run(cell.paragraphs[0], text, size=10, color=GREY if c % 2 == 0 else None)
    verdict = _para(doc)
    verdict.paragraph_format.space_before = Pt(8)
    _run(verdict, "结论：", bold=True, size=14)
    _run(verdict, v.verdict_zh, bold=True, size=16, color=VERDICT_RGB.get(v.verdict))
    _left_border(verdict, VERDICT_RGB.get(v.verdict, GREY), 36)
    counts = _para(doc)
    for s in SEVERITIES:
        _run(counts, f"{SEVERITY_ZH[s]} {v.counts.get(s, 0)}", bold=True, color=SEVERITY_RGB[s])
        _run(counts, "　　")
    if v.files_failed:
        _para(doc, f"无法完整读取的文件：{'、'.join(v.files_failed)}（见下方发现）", color=RED)


def _findings(doc, v: ApplicantView, folder: Path) -> None:
    doc.add_heading(f"一、发现（{len(v.all_findings)}）", level=1)
    if not v.all_findings:
        _para(doc, "未发现问题。")
    for s in SEVERITIES:
        items = v.findings.get(s) or []
        if not items:
            continue
        head = doc.add_heading(level=2)
        _run(head, f"{SEVERITY_ZH[s]}（{len(items)}）", color=SEVERITY_RGB[s])
        for f in items:
            colour = SEVERITY_RGB.get(f.severity, GREY)
            rule = _para(doc, keep_next=True)
            rule.paragraph_format.space_before = Pt(6)
            _run(rule, f.rule, bold=True, color=colour)
            if f.field_zh:
                _run(rule, f" · {f.field_zh}", color=GREY)
            message = _para(doc, f.message, keep_next=bool(f.clauses or f.evidence))
            for p in (rule, message):
                _left_border(p, colour)
            for code, text in f.clauses:
                clause = _para(doc, indent_cm=0.5, keep_next=bool(f.evidence))
                _run(clause, f"通知{code}　", bold=True, size=9.5)
                _run(clause, text or "（规则文件中未收录该条原文）", size=9.5, color="444444")
                _shade(clause._p.get_or_add_pPr(), FILL_CLAUSE)
            for pair in f.revisions:
                _revision_pair(doc, pair, folder)
            for e in f.evidence:
                _picture(lambda: _para(doc, indent_cm=0.5, keep_next=True), folder, e.crop, CROP_MAX_CM)
                _para(doc, _caption(e), indent_cm=0.5, size=8.5, color=RED if e.low else GREY)


def _revision_pair(doc, pair: tuple[EvidenceView, EvidenceView], folder: Path) -> None:
    """A region of a PDF page in its earlier revision and as submitted, side by side in a borderless
    two-column table, each under its label (修改前 / 现在)."""
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    _widths(table, [PAIR_CM, PAIR_CM])
    for cell, e in zip(table.rows[0].cells, pair):
        cell.width = Cm(PAIR_CM)
        _picture(lambda c=cell: _cell_paragraph(c), folder, e.crop, PAIR_CM - 0.3)
        _run(_cell_paragraph(cell), e.label or "", bold=True, size=9.5)
        _run(_cell_paragraph(cell), _caption(e), size=8.5, color=GREY)


def _fields(doc, v: ApplicantView, folder: Path) -> None:
    doc.add_heading("二、申报填写与材料所示对照", level=1)
    _para(doc, "红底：申报填写与材料所示不一致；黄底：材料所示值识别置信度偏低，须核对原件。", size=8.5, color=GREY)
    widths = [2.6, 3.8, 4.6, 6.0]
    table = _table(doc, ["项目", "申报填写", "材料所示", "依据"], widths)
    for r in v.fields:
        fill = FILL_DIFF if r.differs else FILL_LOW if r.low else None
        cells = _row(table, [r.label, r.declared, r.found, ""], widths, fill=fill)
        if r.declared_in:
            _run(cells[1].add_paragraph(), r.declared_in, size=8, color=GREY)
        found = cells[2].paragraphs[0]
        if r.differs:
            _run(found, "　【不一致】", bold=True, size=9, color=RED)
        if r.low:
            _run(found, f"　【识别置信度低（{r.confidence:.2f}）】", bold=True, size=9, color=AMBER)
        if r.found_in:
            _run(cells[2].add_paragraph(), r.found_in, size=8, color=GREY)
        if r.note:
            _run(cells[2].add_paragraph(), r.note, size=8, color=AMBER)
        for e in r.evidence:
            if r.differs or r.low:  # the pixels of a contested value beside it
                _picture(lambda: _cell_paragraph(cells[3]), folder, e.crop, CROP_CELL_CM)
            _run(_cell_paragraph(cells[3]), _caption(e), size=8, color=RED if e.low else GREY)


def _timeline(doc, v: ApplicantView) -> None:
    doc.add_heading("三、时间线", level=1)
    birth = next((e for e in v.events if e.kind == "birth"), None)
    if birth:
        _para(doc, f"出生：{zh_date(birth.date)}")
    pub = v.publicity
    if pub:
        days = (f"共 {pub.working_days} 个工作日" if pub.working_days is not None
                else "工作日数无法计算（该年节假日安排未收录）")
        line = (f"公示期：{zh_date(pub.start.isoformat())}至{zh_date(pub.end.isoformat())}，{days}"
                f"（通知要求不少于 {pub.minimum} 个工作日）；申报材料报送时间："
                f"{zh_date(pub.window[0].isoformat())}至{zh_date(pub.window[1].isoformat())}")
        if pub.submission:
            line += f"；申报材料日期：{zh_date(pub.submission.isoformat())}"
        short = pub.working_days is not None and pub.working_days < pub.minimum
        _para(doc, line + "。", color=RED if short else None)
    for svg in (career_svg(v.events), days_svg(v.publicity)):
        png = svg_png(svg)
        if png is not None:
            doc.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Cm(CHART_CM))
    widths = [3.4, 5.4, 3.4, 4.8]
    table = _table(doc, ["日期", "事项", "来源", "依据"], widths)
    for t in v.timeline:
        label = t.label + ("（待确认）" if t.weak else "")
        source = t.source_zh + (f"（{t.where}）" if t.where else "")
        _row(table, [t.date, label, source, "；".join(_caption(e) for e in t.evidence)], widths,
             fill=FILL_LOW if t.weak else None)


def _materials(doc, v: ApplicantView) -> None:
    doc.add_heading("四、申报材料清单", level=1)
    widths = [5.0, 2.2, 3.8, 6.0]
    table = _table(doc, ["材料", "条款", "情况", "所在页"], widths)
    for m in v.materials:
        status = m.status_zh + (f"（{m.rule}）" if m.rule else "")
        missing = m.status == "missing"
        _row(table, [m.label, m.clause, status, "；".join(m.pages)], widths, fill=FILL_DIFF if missing else None,
             color=RED if missing else GREY if m.status == "not_seen" else None)


def _closing(doc) -> None:
    note = _para(doc, size=9, color="444444")
    note.paragraph_format.space_before = Pt(12)
    _run(note, "本报告由材料核查程序生成，供评审人员复核参考；每条发现附有所依据的原件页面区域（红框为识别文字所在位置）。"
               "“提示复核”类发现表示程序无法确定，须人工查看原件。", size=9, color="444444")
    sign = _para(doc)
    sign.paragraph_format.space_before = Pt(24)
    _run(sign, "复核人（签字）：＿＿＿＿＿＿＿＿＿＿　　　　日期：＿＿＿＿年＿＿月＿＿日", size=11)
