"""A PDF changed by an incremental update: the page's changed region in the first revision is kept as
evidence beside the region as submitted (extract/forensics_pdf.py names it, reports/evidence.py cuts it
from the first revision's bytes), with the words that changed where the page has a text layer; the
reports show the two side by side (修改前 / 现在). Real files: reportlab PDFs and the fixture factory's
scan writer, revisions appended as editors and signers append them, crops read back by RapidOCR, the
HTML opened in Debian's Chromium, the Word report read with python-docx.
"""
from __future__ import annotations

import io
import json

import numpy as np
import pikepdf
import pytest
from docx import Document
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from test_forensics import PATCHED, _append_update, _checked, _letter, _page_and_catalog, _patch, _pdf_pages
from test_reports_html import ARTEFACTS, browser, open_page  # noqa: F401  (browser: the shared Chromium)

from core.records import Dossier, Evidence, Report
from extract.forensics_pdf import text_change
from extract.images import MemberImages
from extract.ocr.engines import get_engine
from fixtures.pdfwrite import edit_pdf, image_pdf
from reports import schema
from reports.docx_report import write_docx
from reports.evidence import FOLDER, crop_name, write_evidence
from reports.html import render_report_html
from reports.view import applicant_view
from verify.catalogue import finding
from verify.rules import load_rules

pytestmark = pytest.mark.xdist_group("checked")  # Chromium: beside the other browser tests

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # not embedded: a glyph's code is its character
LETTER = ["关于聘任专业技术职务的通知", "聘任张伟同志为技术员，", "聘期自2011年07月01日起，享受相应待遇。", "阳城县泽源煤业有限公司"]
EDITED = {2: "聘期自2019年07月01日起，享受相应待遇。"}  # the line an editor changed, the year only


def _letter_pdf(lines: list[str]) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setFont("STSong-Light", 14)
    for i, text in enumerate(lines):
        c.drawString(72, 760 - 30 * i, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def _text_edited() -> tuple[bytes, bytes]:
    """(the letter as first saved, the letter with an incremental update that rewrites its page's content
    stream to say 2019 where it said 2011), as a PDF editor saves a change."""
    original = _letter_pdf(LETTER)
    changed = _letter_pdf([EDITED.get(i, line) for i, line in enumerate(LETTER)])
    with pikepdf.open(io.BytesIO(original)) as first, pikepdf.open(io.BytesIO(changed)) as second:
        number = first.pages[0].obj.Contents.objgen[0]
        stream = second.pages[0].obj.Contents
        raw, filters = stream.read_raw_bytes(), stream.get("/Filter")
    head = b"<</Length %d%s>>" % (len(raw), b"/Filter " + filters.unparse() if filters is not None else b"")
    return original, _append_update(original, {number: head + b"\nstream\n" + raw + b"\nendstream"})


def _report(pages, findings) -> tuple[Report, Dossier]:
    return (Report(applicant="张伟", verdict="needs_review", findings=tuple(findings)),
            Dossier(applicant="张伟", pages=tuple(pages)))


def _crop(folder, ev: Evidence) -> Image.Image:
    with Image.open(folder / FOLDER / crop_name(ev)) as img:
        return img.convert("RGB")


def _read(img: Image.Image) -> str:
    """The crop's text as RapidOCR reads it, on the red channel (where the red box fades into the paper)."""
    plain = img.getchannel("R").convert("RGB")
    return "".join(line.text for line in get_engine("rapidocr").read(plain, 144)).replace(" ", "")


@pytest.fixture(scope="module")
def text_case(tmp_path_factory):
    """The text-layer letter edited: its readings, finding, pages and evidence folder (crops written)."""
    original, edited = _text_edited()
    pages = _pdf_pages("聘任文件.pdf", edited)
    values, findings = _checked("聘任文件.pdf", edited, pages, "appointment", "pdf")
    report, dossier = _report(pages, findings)
    folder = tmp_path_factory.mktemp("text") / "张伟"
    written = write_evidence(report, dossier, MemberImages({"聘任文件.pdf": edited}), {"聘任文件.pdf": edited}, folder)
    return dict(original=original, edited=edited, pages=pages, values=values, findings=findings, report=report,
                folder=folder, written=written)


# ---- extraction: the earlier region named, the words compared ---------------------------------------


def test_text_change_compares_words_not_characters():
    assert text_change("聘期自2011年07月01日起", "聘期自2019年07月01日起") == (["2011"], ["2019"])
    assert text_change("Effective from 2011-07-01 on", "Effective from 2019-07-01 on") == (["2011-07-01"], ["2019-07-01"])
    assert text_change("聘任张伟同志为技术员", "聘任张伟同志为助理工程师") == (["技术员"], ["助理工程师"])
    assert text_change("同一行文字", "同一行文字") == ([], [])
    assert text_change("a b c", "a c") == (["b"], [])  # removed only


def test_text_layer_edit_names_the_earlier_region_and_the_words(text_case):
    (finding,) = text_case["findings"]
    assert finding.rule == "FRAUD.PDF_EDITED" and finding.severity == "warn"
    changed = next(i for i in text_case["values"][0].value if i["kind"] == "page_changed")
    assert (changed["text_removed"], changed["text_added"]) == (["2011"], ["2019"])
    now, before = finding.evidence
    assert now.revision is None and now.text == "2019"
    assert before.revision == 1 and before.text == "2011"
    assert before.bbox == now.bbox and before.page == now.page == 1 and now.bbox is not None
    # the box lies on the edited line: 72 pt from the left, the third line (baseline 700 pt from the bottom)
    x0, y0, x1, y1 = now.bbox
    height = text_case["pages"][0].height
    assert 72 < x0 < x1 < 300 and height - 716 < y0 < y1 < height - 696


def test_the_earlier_region_is_cut_from_the_first_revision(text_case):
    folder, (now, before) = text_case["folder"], text_case["findings"][0].evidence
    assert text_case["written"] == 2 and crop_name(now) != crop_name(before)
    old, new = _crop(folder, before), _crop(folder, now)
    assert old.size == new.size  # the same box, the same margin: the two line up
    assert np.abs(np.asarray(old, np.int16) - np.asarray(new, np.int16)).max() > 100
    assert "2011" in _read(old) and "2019" in _read(new)


def test_no_earlier_picture_for_a_file_without_that_revision(tmp_path):
    """Evidence naming an earlier revision a file does not have gets no crop, never the current page."""
    data = _letter_pdf(LETTER)
    pages = _pdf_pages("a.pdf", data)
    ev = Evidence(file="a.pdf", page=1, bbox=(72.0, 120.0, 200.0, 140.0), revision=1)
    report, dossier = _report(pages, [finding("FRAUD.PDF_EDITED", "PDF文件a.pdf在生成后被修改过", evidence=(ev,))])
    assert write_evidence(report, dossier, MemberImages({"a.pdf": data}), {"a.pdf": data}, tmp_path) == 0
    assert not (tmp_path / FOLDER / crop_name(ev)).exists()


def test_scanned_page_replaced_keeps_the_page_as_first_scanned(tmp_path):
    """The fixture factory's edited scan (fixtures.pdfwrite.edit_pdf, the `pdf_edited` fault): the earlier
    crop is the scanner's page, pixel for pixel where the edit pasted its patch; no text layer, no words."""
    scan, boxes = _letter()
    grey = scan.convert("L")
    original = image_pdf([(grey, 200, 80)], {"Producer": "Canon iR-ADV C5535 PDF"})
    edited = edit_pdf(original, 0, _patch(scan, boxes[PATCHED]).convert("L"), 80,
                      {"Producer": "Adobe Acrobat Pro (64-bit) 24.2.20687"})
    pages = _pdf_pages("scan.pdf", edited)
    values, findings = _checked("scan.pdf", edited, pages, "appointment", "pdf")
    changed = next(i for i in values[0].value if i["kind"] == "page_changed")
    assert changed["change"] == "region" and "text_removed" not in changed
    now, before = findings[0].evidence
    assert (before.revision, before.bbox, before.text) == (1, now.bbox, None)
    report, dossier = _report(pages, findings)
    assert write_evidence(report, dossier, MemberImages({"scan.pdf": edited}), {"scan.pdf": edited}, tmp_path) == 2
    # the same crop cut from the original file (as the scanner wrote it) is the earlier one
    alone = tmp_path / "original"
    write_evidence(report.model_copy(update={"findings": (findings[0].model_copy(update={"evidence": (now,)}),)}),
                   dossier, MemberImages({"scan.pdf": original}), {"scan.pdf": original}, alone)
    old, new, scanner = _crop(tmp_path, before), _crop(tmp_path, now), _crop(alone, now)
    assert np.abs(np.asarray(old, np.int16) - np.asarray(scanner, np.int16)).mean() < 1.0
    assert np.abs(np.asarray(old, np.int16) - np.asarray(new, np.int16)).mean() > 5.0


def test_a_page_replaced_whole_shows_both_pages_reduced(tmp_path):
    """A replaced page has no region: the page as first scanned and as submitted, both reduced, paired."""
    scan, _ = _letter()
    grey = scan.convert("L")
    other = Image.new("L", grey.size, 255)
    other.paste(0, (40, 40, grey.width - 40, grey.height - 40))  # another page altogether
    original = image_pdf([(grey, 200, 80)], {"Producer": "Canon iR-ADV C5535 PDF"})
    edited = edit_pdf(original, 0, other, 80, {"Producer": "Canon iR-ADV C5535 PDF"})
    pages = _pdf_pages("scan.pdf", edited)
    values, findings = _checked("scan.pdf", edited, pages, "appointment", "pdf")
    assert next(i for i in values[0].value if i["kind"] == "page_changed")["change"] == "whole_page"
    now, before = findings[0].evidence
    assert (now.bbox, before.bbox, before.revision) == (None, None, 1)
    report, dossier = _report(pages, findings)
    assert write_evidence(report, dossier, MemberImages({"scan.pdf": edited}), {"scan.pdf": edited}, tmp_path) == 2
    old, new = _crop(tmp_path, before), _crop(tmp_path, now)
    assert np.asarray(new.convert("L")).mean() < 100 < np.asarray(old.convert("L")).mean()  # black page now, letter before
    (pair,) = applicant_view(report, load_rules(), tmp_path).all_findings[0].revisions
    assert [e.crop is not None for e in pair] == [True, True]


def test_signature_only_update_gives_no_earlier_crop_and_no_warning(tmp_path):
    """Near miss: a second revision that only signs the file changes no page: no page_changed reading, no
    earlier-revision evidence, no finding, and nothing for write_evidence to cut."""
    data = _letter_pdf(LETTER)
    page_no, page, root_no, root, size = _page_and_catalog(data)
    sig, widget = size, size + 1
    signed = _append_update(data, {
        sig: b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached/ByteRange[0 0 0 0]/Contents<"
             + b"00" * 64 + b">/M(D:20241210100000+08'00')>>",
        widget: b"<</Type/Annot/Subtype/Widget/FT/Sig/T(Signature1)/Rect[0 0 0 0]/F 132/V %d 0 R/P %d 0 R>>"
                % (sig, page_no),
        page_no: page[:-2] + b"/Annots[%d 0 R]>>" % widget,
        root_no: root[:-2] + b"/AcroForm<</Fields[%d 0 R]/SigFlags 3>>>>" % widget,
    })
    pages = _pdf_pages("a.pdf", signed)
    values, findings = _checked("a.pdf", signed, pages, "appointment", "pdf")
    assert [(i["kind"], i["strength"]) for i in values[0].value] == [("signature_update", "info")]
    assert findings == [] and all(e.revision is None for v in values for e in v.evidence)
    report, dossier = _report(pages, findings)
    assert write_evidence(report, dossier, MemberImages({"a.pdf": signed}), {"a.pdf": signed}, tmp_path) == 0
    assert not (tmp_path / FOLDER).exists()


# ---- report.json: the field is optional and absent unless set ----------------------------------------


def test_report_json_names_the_revision_only_on_earlier_evidence(text_case):
    doc = text_case["report"].model_dump(mode="json")
    now, before = doc["findings"][0]["evidence"]
    assert "revision" not in now and before["revision"] == 1
    assert schema.errors(doc) == []
    old_style = json.loads(json.dumps(doc))  # a report written before the field existed still validates
    del old_style["findings"][0]["evidence"][1]["revision"]
    assert schema.errors(old_style) == []
    before["revision"] = 0  # revisions count from 1
    assert schema.errors(doc)


# ---- the reports: side by side -----------------------------------------------------------------------


def test_html_shows_the_earlier_region_beside_the_current_one(text_case, browser):
    folder = text_case["folder"]
    view = applicant_view(text_case["report"], load_rules(), folder)
    (finding,) = view.all_findings
    assert [(e.label, e.revision) for e in finding.revisions[0]] == [("修改前", 1), ("现在", None)]
    assert finding.evidence == []  # both items are in the pair, not repeated below it
    (folder / "report.html").write_text(render_report_html(view), encoding="utf-8")
    page = open_page(browser, folder / "report.html")
    pair = page.locator("article.finding .revisions").first
    figures = pair.locator("figure")
    assert figures.count() == 2
    assert figures.nth(0).locator("figcaption").inner_text().startswith("修改前")
    assert "“2011”" in figures.nth(0).inner_text() and "首次保存时" in figures.nth(0).inner_text()
    assert figures.nth(1).locator("figcaption").inner_text().startswith("现在")
    assert "“2019”" in figures.nth(1).inner_text()
    pair.scroll_into_view_if_needed()
    for i in range(2):
        img = figures.nth(i).locator("img")
        assert page.evaluate("(i) => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0", img.element_handle())
    left, right = (figures.nth(i).bounding_box() for i in range(2))
    assert left["x"] + left["width"] <= right["x"] and abs(left["y"] - right["y"]) < 2  # beside, not below
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("article.finding").first.screenshot(path=str(ARTEFACTS / "pdf-revision-evidence.png"))
    assert all(u.startswith("file://") for u in page.requests), page.requests
    page.close()


def test_word_report_puts_the_two_regions_in_one_row(text_case, tmp_path):
    folder = text_case["folder"]
    path = write_docx(applicant_view(text_case["report"], load_rules(), folder), tmp_path / "report.docx", folder)
    doc = Document(str(path))
    pairs = [t for t in doc.tables if len(t.columns) == 2 and "修改前" in t.rows[0].cells[0].text]
    assert len(pairs) == 1
    before, now = pairs[0].rows[0].cells
    assert "现在" in now.text and "“2019”" in now.text and "“2011”" in before.text
    for cell in (before, now):
        assert cell._tc.xpath(".//pic:pic"), "the crop is a picture in its cell"
