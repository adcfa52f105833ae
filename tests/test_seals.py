"""Unit seals and signature slots read from the pixels (extract/seals.py), on pages rendered by the
fixture factory: a red seal found on colour pages and as a grey ring on grey copies, nothing on plain
print, red headings or filled discs; `unit_sealed` True / False / unknown (a grey copy never accuses);
a signature slot with and without a handwritten name."""
from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.records import Document, Line, PageText
from extract.extractors import ExtractContext
from extract.seals import find_seals, pixel_readings
from fixtures import docs_forms
from fixtures.alt_common import alt_style
from fixtures.layouts import ALT
from fixtures.package import style_for
from fixtures.people import make_applicant
from fixtures.render import Canvas
from fixtures.seal import stamp


def _page(seal: bool, dpi: int = 150, seed: int = 1) -> Image.Image:
    c = Canvas("NotoSansCJK-Regular.ttc", dpi)
    for i in range(12):
        c.text(c.mm(25), c.mm(40 + 9 * i), "本单位已对申报人所提交材料的真实性、合法性进行了审核，并按规定进行了公示。", 12)
    c.text(c.w * 0.5, c.mm(170), "单位（盖章）", 12)
    if seal:
        stamp(c.img, c.w * 0.62, c.mm(175), "山西阳城润丰煤业有限公司", random.Random(seed), radius=c.mm(20))
    return c.img


def _grey(img: Image.Image) -> Image.Image:
    return img.convert("L").convert("RGB")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_red_seal_is_found_where_it_was_pressed(seed):
    img = _page(True, seed=seed)
    scan = find_seals(img)
    assert scan.colour and len(scan.seals) == 1
    s = scan.seals[0]
    cx, cy = (s.bbox[0] + s.bbox[2]) / 2, (s.bbox[1] + s.bbox[3]) / 2
    mm = 150 / 25.4
    assert abs(cx - img.width * 0.62) < 3 * mm and abs(cy - 175 * mm) < 3 * mm
    assert 34 <= s.diameter_mm <= 44 and s.ink == "red" and s.score >= 0.7


def test_a_grey_copy_shows_the_seal_as_a_grey_ring():
    scan = find_seals(_grey(_page(True)))
    assert not scan.colour and len(scan.seals) == 1 and scan.seals[0].ink == "grey"


def test_a_phone_photo_squashes_the_seal_into_an_ellipse_and_shrinks_it():
    img = _page(True)
    img = img.resize((int(img.width * 0.62), int(img.height * 0.7)))  # perspective-ish, sheet small in the frame
    frame = Image.new("RGB", (int(img.width / 0.62 * 0.8), int(img.height / 0.7 * 0.8)), (120, 100, 80))
    frame.paste(img, (40, 40))
    assert len(find_seals(frame).seals) == 1


def test_print_alone_red_headings_and_filled_discs_are_no_seal():
    assert find_seals(_page(False)).seals == ()
    assert find_seals(_grey(_page(False))).seals == ()
    c = Canvas("NotoSansCJK-Regular.ttc", 150)
    c.center(c.mm(20), "继续教育证书", 22, fill=(150, 20, 20))  # a red title
    d = ImageDraw.Draw(c.img)
    r = c.mm(20)
    d.ellipse([c.w / 2 - r, c.mm(120) - r, c.w / 2 + r, c.mm(120) + r], fill=(215, 30, 35))  # a red disc
    d.rectangle([c.mm(30), c.mm(200), c.mm(70), c.mm(240)], outline=(215, 30, 35), width=6)  # a red square frame
    scan = find_seals(c.img)
    assert scan.colour and scan.seals == ()


# --- readings on rendered commitments ----------------------------------------------------------------

class Images:
    """The ExtractContext.images of a test: each page's colour image by (file, page)."""

    def __init__(self, pages: dict[tuple[str, int], Image.Image]):
        self.pages = pages

    def get(self, page):  # the OCR image (grey); not used by the seal readings
        return self.pages[(page.file, page.page)].convert("L")

    def colour(self, page):
        return self.pages.get((page.file, page.page))


def _text(rendered, file: str, drop: tuple[str, ...] = (), cut: dict[str, str] | None = None) -> PageText:
    """The page's text as OCR would give it, from the boxes the renderer recorded; lines starting with
    `drop` lost, lines in `cut` read only as far as the text given (the box cut to match)."""
    cut = cut or {}
    lines = []
    for t, b in rendered.meta["boxes"]:
        if not t or t.startswith(drop):
            continue
        b = tuple(float(v) for v in b)
        if t in cut:
            b = (b[0], b[1], b[0] + (b[2] - b[0]) * len(cut[t]) / len(t), b[3])
            t = cut[t]
        lines.append(Line(text=t, bbox=b, confidence=0.99))
    lines = tuple(lines)
    return PageText(file=file, page=1, width=rendered.image.width, height=rendered.image.height,
                    source="ocr:rapidocr@1", lines=lines)


def _commitment(seed: int, layout: str = "default", grey: bool = False, drop: tuple[str, ...] = (), paint=None,
                cut: dict[str, str] | None = None, **faults):
    rng = random.Random(seed)
    a = make_applicant(rng, 0, set(), education="bachelor")
    a.extra.update(faults)
    st = style_for(rng)
    st["dpi"] = 150
    rendered = (docs_forms.commitment(a, rng, st) if layout == "default"
                else ALT["commitment"](a, rng, alt_style(rng, st)))[0]
    if paint:
        paint(rendered.image, dict(rendered.meta["boxes"]))
    img = _grey(rendered.image) if grey else rendered.image
    page = _text(rendered, "commit.jpg", drop, cut)
    doc = Document(type="commitment", file="commit.jpg", pages=(1,), sha256="0")
    got = pixel_readings([doc], {("commit.jpg", 1): page}, ExtractContext(images=Images({("commit.jpg", 1): img})))
    return {v.field: v for v in got}, a


@pytest.mark.parametrize("layout", ["default", "alt"])
def test_a_signed_and_sealed_commitment(layout):
    got, _ = _commitment(4, layout)
    assert got["unit_sealed"].value is True and got["unit_sealed"].evidence[0].bbox is not None
    assert got["applicant_signed"].value is True and got["unit_signed"].value is True
    assert "ink in the slot" in got["applicant_signed"].note


@pytest.mark.parametrize("layout", ["default", "alt"])
def test_an_unsigned_commitment(layout):
    got, a = _commitment(4, layout, no_applicant_sign=True)
    signed = got["applicant_signed"]
    assert signed.value is False and signed.confidence >= 0.8
    assert signed.evidence[0].bbox is not None  # the label, then the empty slot
    assert got["unit_signed"].value is True


def test_a_handwritten_name_ocr_did_not_read_is_seen_in_the_pixels():
    got, a = _commitment(5, "default")  # the renderer's boxes hold the name as its own line: drop it
    got2, _ = _commitment(5, "default", drop=(a.name,))
    assert got["applicant_signed"].value is True and got2["applicant_signed"].value is True


def test_a_commitment_without_the_unit_seal():
    got, _ = _commitment(6, no_unit_seal=True)
    sealed = got["unit_sealed"]
    assert sealed.value is False and sealed.confidence >= 0.8 and sealed.evidence[0].page == 1


def test_a_grey_copy_without_a_seal_is_unknown_not_unsealed():
    got, _ = _commitment(6, grey=True, no_unit_seal=True)
    assert got["unit_sealed"].value is None and "grey copy" in got["unit_sealed"].note
    got, _ = _commitment(6, grey=True)
    assert got["unit_sealed"].value is True and got["applicant_signed"].value is True


def _grey_scan(commit_lightness: float = 0.0, commit_rows: int | None = None):
    """An opinion (sealed) and a commitment without its seal on two pages of one grey scan; the
    commitment's print lightened by `commit_lightness` (0: as dark as the opinion's) and kept to its
    first `commit_rows` text rows (a sparse page)."""
    rng = random.Random(7)
    a = make_applicant(rng, 0, set(), education="bachelor")
    st = style_for(rng)
    st["dpi"] = 150
    opinion = docs_forms.unit_opinion(a, rng, st)[0]
    a.extra["no_unit_seal"] = True
    commit = docs_forms.commitment(a, rng, st)[0]
    grey = np.asarray(_grey(commit.image)).astype(np.float32)
    if commit_rows is not None:
        boxes = [b for t, b in commit.meta["boxes"] if t]
        grey[int(boxes[commit_rows][1]):] = 255.0
    grey = 255.0 - (255.0 - grey) * (1.0 - commit_lightness)
    p1, p2 = _text(opinion, "scan.pdf"), _text(commit, "scan.pdf").model_copy(update={"page": 2})
    docs = [Document(type="unit_opinion", file="scan.pdf", pages=(1,), sha256="0"),
            Document(type="commitment", file="scan.pdf", pages=(2,), sha256="0")]
    images = Images({("scan.pdf", 1): _grey(opinion.image), ("scan.pdf", 2): Image.fromarray(grey.astype(np.uint8))})
    got = pixel_readings(docs, {("scan.pdf", 1): p1, ("scan.pdf", 2): p2}, ExtractContext(images=images))
    return {(v.field, v.document): v for v in got}


def test_a_sparse_page_of_the_grey_scan_is_judged_by_its_print_not_its_blank_paper():
    got = _grey_scan(commit_rows=3)  # the heading and two rows: mostly paper, printed as dark as the rest
    assert got[("unit_sealed", "commitment")].value is False


def test_a_washed_out_page_of_the_grey_scan_has_no_control():
    got = _grey_scan(commit_lightness=0.45)  # printed much lighter: a seal there might not show
    sealed = got[("unit_sealed", "commitment")]
    assert sealed.value is None and "grey copy" in sealed.note


def test_print_contrast_is_the_darkest_print_whatever_the_amount_of_text():
    from extract.seals import print_contrast

    page = np.full((800, 600), 245, np.uint8)
    dense, sparse = page.copy(), page.copy()
    for y in range(40, 760, 30):
        dense[y:y + 6, 40:560] = 40
    sparse[40:46, 40:300] = 40
    assert abs(print_contrast(dense) - print_contrast(sparse)) <= 5
    faded = (255 - (255 - dense.astype(np.int16)) // 2).astype(np.uint8)
    assert print_contrast(faded) < 0.8 * print_contrast(dense)


def test_a_grey_scan_that_keeps_another_seal_shows_the_missing_one():
    """Two pages of one grey scan: the opinion shows its seal as a grey ring, so the commitment's
    missing seal would have shown too."""
    got = _grey_scan()
    assert got[("unit_sealed", "unit_opinion")].value is True
    sealed = got[("unit_sealed", "commitment")]
    assert sealed.value is False and "same scan" in sealed.note
    assert any(e.page == 1 and e.bbox for e in sealed.evidence)  # the control seal is shown


def test_no_images_no_readings():
    doc = Document(type="commitment", file="c.docx", pages=(1,), sha256="0")
    page = PageText(file="c.docx", page=1, width=0, height=0, source="docx", lines=(Line(text="申报人（签字）："),))
    assert pixel_readings([doc], {("c.docx", 1): page}, ExtractContext()) == []
    got = pixel_readings([doc], {("c.docx", 1): page}, ExtractContext(images=Images({})))
    assert [(v.field, v.value) for v in got] == [("unit_sealed", None)] and "DOCX" in got[0].note


def test_grey_scan_under_a_seal_label_is_read_again_without_it():
    """A grey copy's seal over the 单位负责人 label makes OCR lose the label: the seal's neighbourhood
    is read again (real OCR) with the seal's grey lifted away, and the slot is judged."""
    got, a = _commitment(4, grey=True, drop=("单位负责人",))
    assert got["unit_signed"].value is True and "read again without the seal" in got["unit_signed"].note


def _name_stamp(img: Image.Image, boxes: dict) -> None:
    """A red square name stamp (名章) pressed right of the applicant's label instead of a signature."""
    x0, y0, x1, y1 = boxes["申报人（签字）："]
    side = int((y1 - y0) * 2.2)
    d = ImageDraw.Draw(img)
    d.rectangle([x1 + 20, y0 - side // 4, x1 + 20 + side, y0 - side // 4 + side], outline=(210, 35, 40), width=5)
    d.text((x1 + 20 + side // 5, y0), "印", fill=(210, 35, 40))
    d.rectangle([x1 + 20 + side // 2, y0 - side // 4 + 8, x1 + 20 + side - 8, y0 - side // 4 + side - 8],
                fill=(210, 35, 40))


def test_a_red_name_stamp_in_the_slot_is_a_signature():
    got, _ = _commitment(4, no_applicant_sign=True, paint=_name_stamp)
    assert got["applicant_signed"].value is True and "name stamp" in got["applicant_signed"].note
    got, _ = _commitment(4, no_applicant_sign=True)  # the same page without it
    assert got["applicant_signed"].value is False


def test_a_photo_of_a_grey_copy_on_a_coloured_desk_is_still_grey():
    """Only coloured ink on the sheet shows that the image can show colour, not the desk around it."""
    sheet = _grey(_page(False))
    frame = Image.new("RGB", (sheet.width + 200, sheet.height + 200), (120, 95, 70))
    frame.paste(sheet, (100, 100))
    content = (100 + 0.1 * sheet.width, 100 + 0.1 * sheet.height, 100 + 0.9 * sheet.width, 100 + 0.9 * sheet.height)
    assert find_seals(frame).colour  # the whole frame has colour ...
    assert not find_seals(frame, content=content).colour  # ... the sheet has none
    signed = sheet.copy()
    ImageDraw.Draw(signed).line([(400, 900), (520, 880), (600, 930)], fill=(25, 30, 120), width=6)  # blue ink
    frame.paste(signed, (100, 100))
    assert find_seals(frame, content=content).colour


@pytest.mark.parametrize("sign", [True, False])
def test_a_label_read_only_up_to_the_seal_is_read_again(sign):
    """OCR read 单位负责 and lost 人（签字）： under a grey seal: that print must not pass for a signature."""
    cut = {"单位负责人（签字）：": "单位负责"}
    got, _ = _commitment(4, grey=True, cut=cut, **({} if sign else {"no_unit_sign": True}))
    assert got["unit_signed"].value is sign and "read again without the seal" in got["unit_signed"].note
