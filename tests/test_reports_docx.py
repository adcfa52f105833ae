"""report.docx: the printable report, converted to PDF by the real LibreOffice and read back with pdfplumber.

LibreOffice runs with its own profile under the test's tmp_path, so parallel runs do not share one.
The PDF goes to test-artifacts/reports/ for a person to look at.
"""
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm
from PIL import Image

from core.records import Evidence, FieldReport, Finding, Report
from reports.docx_report import FONT, write_docx
from reports.evidence import FOLDER, crop_name
from reports.view import VERDICT_ZH, applicant_view
from verify.rules import load_rules

REPO = Path(__file__).resolve().parents[1]
ARTEFACTS = REPO / "test-artifacts" / "reports"
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
A4_POINTS = (595.3, 841.9)

pytestmark = pytest.mark.xdist_group("checked")


def to_pdf(docx: Path, tmp_path: Path) -> Path:
    """`docx` converted by LibreOffice (headless, a private profile); returns the PDF's path."""
    outdir = tmp_path / "pdf"
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(outdir), str(docx)],
        capture_output=True, text=True, timeout=120,
    )
    pdf = outdir / (docx.stem + ".pdf")
    assert proc.returncode == 0 and pdf.is_file(), (proc.stdout, proc.stderr)
    return pdf


def squeeze(text: str) -> str:
    """Text without white space: the PDF breaks lines where the docx has none."""
    return re.sub(r"\s+", "", text)


def test_faulty_applicants_docx_prints_verdict_clauses_and_crops(checked_batch, tmp_path):
    import pdfplumber

    out, faulty = checked_batch["out"], checked_batch["faulty"]
    for report_json in out.glob("*/report.json"):  # every applicant gets its Word report
        assert (report_json.parent / "report.docx").is_file(), report_json.parent.name
    report = Report.model_validate_json((out / faulty / "report.json").read_text(encoding="utf-8"))
    rules = load_rules()
    docx = out / faulty / "report.docx"

    document = Document(str(docx))
    section = document.sections[0]
    assert abs(section.page_width - Cm(21.0)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)
    assert abs(section.left_margin - Cm(2.0)) < Cm(0.05) and abs(section.top_margin - Cm(2.0)) < Cm(0.05)
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == FONT
    pictures = document.inline_shapes
    assert len(pictures) >= 1
    widths = [p.width for p in pictures]
    charts = [w for w in widths if abs(w - Cm(17.0)) < Cm(0.1)]  # the two timeline charts, text-wide
    assert len(charts) == 2
    assert len(widths) > 2 and all(w <= Cm(14.0) + 1 for w in widths if w not in charts)  # the crops

    pdf = to_pdf(docx, tmp_path)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTEFACTS / "report-docx.pdf")
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            assert (round(page.width, 1), round(page.height, 1)) == A4_POINTS
        text = squeeze("".join(page.extract_text() or "" for page in doc.pages))
        cjk_fonts = {c["fontname"] for page in doc.pages[:1] for c in page.chars if "\u4e00" <= c["text"] <= "\u9fff"}
        images = sum(len(page.images) for page in doc.pages)
    assert report.verdict == "ineligible"
    assert squeeze(f"结论：{VERDICT_ZH[report.verdict]}") in text
    assert cjk_fonts and all("CJK" in f for f in cjk_fonts), cjk_fonts  # the CJK font, not a substitute
    assert images >= len(pictures)  # the crops are printed
    # each finding with a quoted clause: its message and the clause's words, in full
    quoted = [(f, code, rules.clauses[code]) for f in report.findings
              for code, _ in rules.clause_texts(f.clause) if rules.clauses.get(code)]
    assert len(quoted) >= 5
    for finding, code, clause in quoted:
        assert squeeze(finding.message) in text, finding.rule
        assert squeeze(f"通知{code}") in text and squeeze(clause) in text, (finding.rule, code)
    assert "复核人（签字）" in text and "申报材料清单" in text and "申报填写与材料所示对照" in text


def _jpeg(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (400, 60), "white").save(path, "JPEG")


def test_untrusted_text_missing_and_broken_crops(tmp_path):
    """A hand-built report (no OCR): markup in OCR text is printed as text, a crop that is gone or is not
    an image leaves its caption, and the one good crop becomes a picture."""
    folder = tmp_path / "王小明-测试单位"
    good = Evidence(file="scan0001.pdf", page=1, bbox=(10, 10, 200, 40), text="2023年度", confidence=0.95)
    gone = Evidence(file="scan0001.pdf", page=2, bbox=(10, 10, 200, 40), text='<script>alert("x")</script>',
                    confidence=0.41)
    broken = Evidence(file="IMG_1.jpg", page=1, bbox=(1, 2, 3, 4), text='"onerror=alert(1)\x0b', confidence=0.9)
    for ev in (good, gone, broken):
        _jpeg(folder / FOLDER / crop_name(ev))
    findings = (
        Finding(rule="APPR.COUNT", severity="block", field="appraisals", message="考核次数不足 <b>x</b>",
                clause="三(五)", evidence=(good, gone, broken)),
        Finding(rule="CHECK.UNDECIDED", severity="warn", message="无法确定 & 请人工核对", clause="不存在的条款"),
    )
    fields = {"employer": FieldReport(declared='阳城县<script>alert("x")</script>煤业', found="阳城县煤业",
                                      evidence=(gone,), confidence=0.41)}
    report = Report(applicant=folder.name, verdict="ineligible", fields=fields, findings=findings)
    view = applicant_view(report, load_rules(), folder)  # the crops exist when the view is built ...
    (folder / FOLDER / crop_name(gone)).unlink()  # ... then one is gone
    (folder / FOLDER / crop_name(broken)).write_bytes(b"not a jpeg")  # and one is not an image

    path = write_docx(view, folder / "report.docx", folder)
    document = Document(str(path))
    assert len(document.inline_shapes) == 1
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    body = "\n".join(texts)
    assert "不符合条件" in body and "考核次数不足 <b>x</b>" in body and "无法确定 & 请人工核对" in body
    assert 'scan0001.pdf 第2页：“<script>alert("x")</script>”（置信度 0.41，偏低）' in body
    assert '"onerror=alert(1)' in body  # the control character XML cannot hold is dropped, the rest kept
    assert '阳城县<script>alert("x")</script>煤业' in body and "【不一致】" in body
    assert "通知不存在的条款" in body and "（规则文件中未收录该条原文）" in body
    assert "复核人（签字）" in body
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "<script" not in xml and "&lt;script&gt;" in xml
    assert not list(folder.glob("*.part"))


def test_the_timeline_charts_are_pictures_in_the_word_report(tmp_path):
    """The same SVG charts as the HTML, drawn to PNG: the career axis and the publicity's days."""
    from core.records import TimelineEvent

    events = tuple(TimelineEvent(kind=k, date=d, precision=p, label=label, source=s) for k, d, p, label, s in (
        ("graduation", "2019-07-01", "day", "毕业", "found"), ("technician", "2021-03-01", "day", "聘任技术员", "found"),
        ("appraisal", "2023", "year", "2023年度考核：合格", "found"),
        ("publicity_start", "2024-11-27", "day", "公示开始", "found"), ("publicity_end", "2024-12-02", "day", "公示结束", "found"),
        ("window_close", "2024-12-20", "day", "报送截止", "notice")))
    fields = {"publicity_start": FieldReport(found="2024-11-27"), "publicity_end": FieldReport(found="2024-12-02")}
    report = Report(applicant="甲-单位", verdict="ineligible", fields=fields, timeline=events)
    view = applicant_view(report, load_rules(), tmp_path)
    assert view.publicity is not None and view.publicity.working_days == 4
    write_docx(view, tmp_path / "report.docx", tmp_path)
    doc = Document(tmp_path / "report.docx")
    assert len(doc.inline_shapes) == 2  # no crops here: both pictures are the charts
    assert all(abs(s.width - Cm(17)) < Cm(0.1) for s in doc.inline_shapes)
    assert any("共 4 个工作日" in p.text for p in doc.paragraphs)


def test_a_word_report_drawn_before_comes_from_the_cache_and_a_changed_crop_draws_it_again(tmp_path):
    """python-docx took most of a re-run of an unchanged batch: the same report, rules, crops and code
    give the bytes drawn before; anything else is drawn afresh."""
    from extract.ocr import cache
    from reports.writer import DOCX_KIND, write_report

    cache.configure(str(tmp_path / "cache"))
    try:
        ev = Evidence(file="scan0001.pdf", page=1, bbox=(10, 10, 200, 40), text="2023年度", confidence=0.95)
        report = Report(applicant="王小明-测试单位", verdict="ineligible", findings=(
            Finding(rule="APPR.COUNT", severity="block", field="appraisals", message="考核次数不足",
                    clause="三(五)", evidence=(ev,)),))
        outs = [tmp_path / f"out{n}" for n in range(3)]
        for out in outs:
            _jpeg(out / report.applicant / FOLDER / crop_name(ev))
        Image.new("RGB", (400, 60), "grey").save(outs[2] / report.applicant / FOLDER / crop_name(ev), "JPEG")
        store = cache.current()
        write_report(report, outs[0])
        assert store.misses[DOCX_KIND] == 1 and store.hits[DOCX_KIND] == 0
        write_report(report, outs[1])
        assert store.hits[DOCX_KIND] == 1
        docx = [out / report.applicant / "report.docx" for out in outs]
        assert docx[1].read_bytes() == docx[0].read_bytes()
        write_report(report, outs[2])  # another crop: drawn again, with that crop in it
        assert store.misses[DOCX_KIND] == 2
        assert len(Document(str(docx[2])).inline_shapes) == 1 and docx[2].read_bytes() != docx[0].read_bytes()
        changed = report.model_copy(update={"verdict": "eligible"})
        write_report(changed, outs[1])
        assert store.misses[DOCX_KIND] == 3
        body = "\n".join(p.text for p in Document(str(docx[1])).paragraphs)
        assert VERDICT_ZH["eligible"] in body and VERDICT_ZH["ineligible"] not in body
    finally:
        cache.configure(None)
