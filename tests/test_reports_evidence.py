"""Evidence crops: the region of the page a claim rests on, the read text boxed, at a readable size."""
import io

import numpy as np
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from core.records import Dossier, Evidence, FieldReport, Finding, PageText, Report
from reports.evidence import TEXT_HEIGHT, crop, crop_name, thumbnail, write_evidence


def _red_box(img: Image.Image) -> tuple[int, int, int, int]:
    a = np.asarray(img.convert("RGB")).astype(int)
    red = (a[..., 0] > 170) & (a[..., 1] < 90) & (a[..., 2] < 90)
    ys, xs = np.nonzero(red)
    return xs.min(), ys.min(), xs.max(), ys.max()


def test_the_crop_boxes_the_text_and_scales_it_to_a_readable_height():
    page = Image.new("RGB", (2480, 3508), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((1200, 1500, 1500, 1560), fill="black")  # the "text": 300 × 60 px
    shot = crop(page, (1200, 1500, 1500, 1560))
    x0, y0, x1, y1 = _red_box(shot)
    assert abs((y1 - y0) - TEXT_HEIGHT * 1.3) < 8  # the box: the text's height plus a small margin
    black = np.argwhere(np.asarray(shot.convert("L")) < 60)
    assert x0 < black[:, 1].min() and black[:, 1].max() < x1 and y0 < black[:, 0].min() and black[:, 0].max() < y1
    assert shot.width > (x1 - x0) * 1.5  # context: the label to the left of a value is in the crop


def test_a_crop_at_the_page_edge_stays_on_the_page():
    page = Image.new("RGB", (800, 600), "white")
    shot = crop(page, (0, 0, 100, 20))
    assert shot.width > 0 and shot.height > 0 and _red_box(shot)[0] <= 3


def test_crop_names_are_stable_and_distinct():
    a = Evidence(file="x/a.pdf", page=2, bbox=(1, 2, 3, 4))
    assert crop_name(a) == crop_name(Evidence(file="x/a.pdf", page=2, bbox=(1.0, 2.0, 3.0, 4.0), text="t"))
    assert crop_name(a) != crop_name(Evidence(file="x/a.pdf", page=3, bbox=(1, 2, 3, 4)))
    assert crop_name(Evidence(file="x/a.pdf", page=2)) not in (None, crop_name(a))  # the whole page
    assert crop_name(Evidence(file="x/a.docx")) is None


def test_text_layer_pdf_evidence_is_cut_from_the_rendered_page(tmp_path):
    """A text-layer PDF's bbox is in points: the crop renders the page at 2× and boxes the same words."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 20)
    c.drawString(200, 500, "2024-12-18")
    c.save()
    data = buf.getvalue()
    top = A4[1] - 500 - 20 * 0.8  # pdfplumber's top-left origin
    ev = Evidence(file="p/report.pdf", page=1, bbox=(200, top, 200 + 20 * 5.6, A4[1] - 500 + 20 * 0.2), text="2024-12-18")
    page = PageText(file="p/report.pdf", page=1, width=A4[0], height=A4[1], source="text_layer")
    docx_ev = Evidence(file="p/form.docx", page=1, text="王小明")
    report = Report(applicant="p", verdict="needs_review",
                    findings=(Finding(rule="SUBMIT.WINDOW", severity="error", message="m", evidence=(ev,)),),
                    fields={"name": FieldReport(found="王小明", evidence=(docx_ev,))})
    n = write_evidence(report, Dossier(applicant="p", pages=(page,)), images=None, members={"p/report.pdf": data},
                       folder=tmp_path / "p")
    assert n == 1
    shot = Image.open(tmp_path / "p" / "evidence" / crop_name(ev))
    x0, y0, x1, y1 = _red_box(shot)
    inside = np.asarray(shot.convert("L"))[y0 + 4:y1 - 3, x0 + 4:x1 - 3]
    assert (inside < 100).mean() > 0.05  # the digits are inside the box
    assert not (tmp_path / "p" / "evidence" / "None").exists()


def test_a_page_without_a_region_becomes_a_reduced_page():
    page = Image.new("RGB", (3000, 4000), "white")
    small = thumbnail(page)
    assert small.width == 640 and small.height == round(4000 * 640 / 3000)
