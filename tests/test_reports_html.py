"""report.html, index.html and report.json's schema, checked on a real batch in real headless Chromium.

Chromium is Debian's (/usr/bin/chromium, installed by `make setup`), driven by Playwright's Python
package with that executable; no browser is downloaded. Screenshots go to test-artifacts/reports/.
Every request the pages make is recorded: a report must ask for nothing but its own files.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from core.records import Evidence, FieldReport, Finding, Report
from reports import schema
from reports.html import render_report_html
from reports.view import applicant_view
from verify.rules import load_rules

REPO = Path(__file__).resolve().parents[1]
ARTEFACTS = REPO / "test-artifacts" / "reports"
VENV_BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.xdist_group("checked")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, path: Path):
    """The page at `path`, with every request and every script dialog it makes recorded."""
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.requests, page.dialogs = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


def test_the_shipped_schema_is_the_one_the_records_generate():
    assert schema.SCHEMA_FILE.read_text(encoding="utf-8") == schema.text(), "run: python -m reports.schema"


def test_the_schema_rejects_values_outside_the_contract():
    rep = Report(applicant="a", verdict="eligible", fields={
        "birth_date": FieldReport(declared="1995-03", found="1995-03-01"),
        "appraisals": FieldReport(found={"2023": "合格"}),
    })
    good = rep.model_dump(mode="json")
    assert schema.errors(good) == []
    for path, bad in ((("fields", "birth_date", "found"), "1995-13-01"), (("fields", "appraisals", "found"), {"2023": "好"}),
                      (("verdict",), "maybe"), (("fields", "birth_date", "declared"), "1995年3月")):
        doc = json.loads(json.dumps(good))
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = bad
        assert schema.errors(doc), (path, bad)


def test_every_report_of_the_checked_batch_follows_the_schema(checked_batch):
    out = checked_batch["out"]
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*/report.json"))]
    assert len(reports) == len(batch["applicants"]) >= 5
    for report in reports + batch["applicants"]:
        assert schema.errors(report) == [], report["applicant"]


def test_index_and_report_in_chromium(checked_batch, browser):
    out, faulty = checked_batch["out"], checked_batch["faulty"]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    expected = json.loads((out / faulty / "report.json").read_text(encoding="utf-8"))

    index = open_page(browser, out / "index.html")
    rows = index.locator("#list tbody tr")
    assert rows.count() == len(list(out.glob("*/report.json")))
    row = rows.filter(has_text=faulty)
    assert row.locator("td").nth(2).inner_text() == "不符合条件" == {"ineligible": "不符合条件"}[expected["verdict"]]
    index.fill("#q", faulty)  # the filter hides every other row
    assert rows.filter(has_text=faulty).is_visible() and index.locator("#list tbody tr:visible").count() == 1
    index.fill("#q", "")
    index.locator("#list thead th").nth(2).click()  # sort by verdict: 不符合条件 first
    assert index.locator("#list tbody tr").first.get_attribute("data-verdict") == "ineligible"
    index.screenshot(path=str(ARTEFACTS / "index.png"), full_page=True)
    with index.expect_navigation():
        row.locator("a").first.click()
    report = index
    assert report.url.endswith("/report.html")

    assert report.locator("#verdict").is_visible()
    assert "不符合条件" in report.locator("#verdict").inner_text()
    blocks = [f for f in expected["findings"] if f["severity"] == "block"]
    first = report.locator("article.finding.sev-block").first
    assert first.is_visible()
    assert first.locator("code").first.inner_text() == blocks[0]["rule"]
    assert blocks[0]["message"] in first.inner_text()
    # the clause quoted in full, as the rules file has it
    code = blocks[0]["clause"].split(",")[0].strip()
    assert load_rules().clauses[code][:30] in first.locator("blockquote.clause").first.inner_text()
    # its evidence image is there, loaded, and shows the region the finding rests on
    img = report.locator("article.finding img").first
    img.scroll_into_view_if_needed()
    assert img.is_visible()
    assert report.evaluate("(i) => i.complete && i.naturalWidth > 50 && i.naturalHeight > 20", img.element_handle())
    img.screenshot(path=str(ARTEFACTS / "evidence.png"))
    report.screenshot(path=str(ARTEFACTS / "report.png"), full_page=True)
    # the timeline is drawn, and the checklist lists every material
    assert report.locator("#timeline svg.chart").count() >= 1
    assert report.locator("#materials tbody tr").count() >= 12
    for page in (index, report):
        assert all(u.startswith("file://") for u in page.requests), page.requests
    report.close()


def test_print_layout_is_a4(checked_batch, browser):
    """The report prints: Chromium's PDF of it is A4 and holds the verdict and a finding."""
    import pdfplumber

    out, faulty = checked_batch["out"], checked_batch["faulty"]
    page = open_page(browser, out / faulty / "report.html")
    pdf = ARTEFACTS / "report-print.pdf"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    with pdfplumber.open(pdf) as doc:
        first = doc.pages[0]
        assert abs(first.width - 595.3) < 3 and abs(first.height - 841.9) < 3
        text = "".join(p.extract_text() or "" for p in doc.pages[:3])
    assert "不符合条件" in text


def test_ocr_text_cannot_inject_markup(tmp_path, browser):
    """A document whose text carries <script> and "onerror= goes through `dossier check`; the pages show
    the text and run none of it."""
    package = tmp_path / "batch" / "王小明-测试单位"
    package.mkdir(parents=True)
    doc = Document()
    doc.add_paragraph("山西省专业技术职务任职资格评审表")
    table = doc.add_table(rows=0, cols=4)
    for row in (("姓名", "王小明", "性别", "男"),
                ("工作单位", '阳城县<script>alert("x")</script>煤业有限公司', "申报专业", '采矿工程"onerror="alert(1)'),
                ("所学专业", "<img src=x onerror=alert(2)>采矿工程", "学历", "大学本科")):
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    doc.save(package / "评审表.docx")
    out = tmp_path / "out"
    proc = subprocess.run([str(VENV_BIN / "dossier"), "check", str(tmp_path / "batch"), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / package.name / "report.json").read_text(encoding="utf-8"))
    assert "<script>" in report["fields"]["employer"]["declared"]  # read as it is written
    html = (out / package.name / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<img src=x" not in html and '"onerror=' not in html
    for path in (out / package.name / "report.html", out / "index.html"):
        page = open_page(browser, path)
        body = page.inner_text("body")
        assert page.dialogs == []
        assert page.evaluate("document.querySelectorAll('[onerror], img[src=x]').length") == 0
        if path.name == "report.html":
            assert page.evaluate("document.querySelectorAll('script').length") == 0
            assert '阳城县<script>alert("x")</script>煤业有限公司' in body
            assert "<img src=x onerror=alert(2)>采矿工程" in body
        page.close()


def test_a_report_without_crops_or_fields_still_renders():
    """A package that could not be read: the page says so, with no evidence image and no crash."""
    f = Finding(rule="INGEST.UNREADABLE", severity="error", message="文件无法读取 <b>x</b>",
                evidence=(Evidence(file="a.pdf", page=1, bbox=(0, 0, 10, 10)),))
    view = applicant_view(Report(applicant="某-单位", verdict="needs_review", findings=(f,)), load_rules(), None)
    html = render_report_html(view)
    assert "需人工复核" in html and "文件无法读取 &lt;b&gt;x&lt;/b&gt;" in html and "<img" not in html
