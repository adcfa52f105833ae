"""The ring text of unit seals (extract/seal_text.py) and FRAUD.SEAL_NAME (verify/checks_seals.py), on
unit opinions rendered by the fixture factory in both layouts and read by the real recogniser: the
seal of another unit (the `wrong_seal` fault) is found and boxed; the employer's own seal, clean,
scanned in grey, photographed, with a department after the name or under a short name of the
employer, is not; a faint, blurred seal read garbled accuses nobody."""
from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFilter

from core.records import Document, Dossier, Evidence, ExtractedValue, Line, PageText
from extract.extractors import ExtractContext
from extract.seals import find_seals, pixel_readings
from fixtures import degrade, docs_forms
from fixtures.alt_common import alt_style
from fixtures.docs_forms import seal_unit
from fixtures.layouts import ALT
from fixtures.package import style_for
from fixtures.people import EMPLOYERS, make_applicant
from fixtures.render import Canvas
from fixtures.seal import stamp
from verify import verify_dossier
from verify.checks_seals import MIN_READING, core_name, fit, places, seal_names_employer, vocabulary
from verify.rules import load_rules

RULES = load_rules()
FILE = "opinion.jpg"


class Images:
    """ExtractContext.images of a test: the colour image of each page."""

    def __init__(self, pages: dict[tuple[str, int], Image.Image]):
        self.pages = pages

    def get(self, page):
        return self.pages[(page.file, page.page)].convert("L")

    def colour(self, page):
        return self.pages.get((page.file, page.page))


def _page_text(image: Image.Image, boxes=None) -> PageText:
    """The page's lines as the renderer placed them (a degraded page: one line over the whole sheet)."""
    lines = tuple(Line(text=t, bbox=tuple(float(v) for v in b), confidence=0.99) for t, b in boxes if t) if boxes \
        else (Line(text="单位鉴定意见", bbox=(0.0, 0.0, float(image.width), float(image.height)), confidence=0.99),)
    return PageText(file=FILE, page=1, width=image.width, height=image.height, source="ocr:rapidocr@1", lines=lines)


def _opinion(seed: int, layout: str = "default", **switches):
    """(the unit opinion page as rendered, the applicant)."""
    rng = random.Random(seed)
    a = make_applicant(rng, 0, set(), employer=EMPLOYERS[seed % len(EMPLOYERS)], education="bachelor")
    a.extra.update(switches)
    st = style_for(rng)
    st["dpi"] = 200
    page = (docs_forms.unit_opinion(a, rng, st) if layout == "default"
            else ALT["unit_opinion"](a, rng, alt_style(rng, st)))[0]
    return page, a


def _readings(image: Image.Image, boxes=None) -> list[ExtractedValue]:
    doc = Document(type="unit_opinion", file=FILE, pages=(1,), sha256="0")
    return pixel_readings([doc], {(FILE, 1): _page_text(image, boxes)}, ExtractContext(images=Images({(FILE, 1): image})))


def _employer(name: str, document: str = "review_form") -> ExtractedValue:
    origin = "declared" if document in ("review_form", "summary_table") else "found"
    return ExtractedValue(field="employer", value=name, origin=origin, document=document, extractor=f"{document}@1",
                          confidence=0.99, evidence=(Evidence(file="form.docx", text=name),))


def _findings(readings: list[ExtractedValue], *names: str):
    values = tuple(readings) + tuple(_employer(n) for n in names)
    return seal_names_employer(Dossier(applicant="a", values=values), RULES)


def _ring(readings) -> ExtractedValue:
    rings = [v for v in readings if v.field == "seal_text"]
    assert len(rings) == 1, [v.value for v in rings]
    return rings[0]


# --- the name's parts -------------------------------------------------------------------------------------

def test_the_vocabulary_loads_and_names_lose_place_and_legal_form():
    voc = vocabulary()
    assert voc.province.match("山西省阳城县") and voc.legal_form.search("有限责任公司")
    assert places("山西阳城县泽源煤业有限公司") == {"阳城"}
    assert core_name("山西阳城润丰煤业有限公司", {"阳城"}) == "润丰煤业"
    assert core_name("山西阳城润丰煤业有限公司", set()) == "阳城润丰煤业"  # 阳城 unknown as a place
    assert core_name("阳城县煤炭安全技术服务中心", set()) == "煤炭安全技术服务中心"
    assert core_name("润丰煤业有限公司综采一队", set()) == "润丰煤业"


def test_alignment_weighs_each_differing_character_by_its_confidence():
    ring = [(c, 0.99) for c in "阳城县泽源煤业有限公司"]
    wrong = fit("润丰", "润丰煤业", ring)
    assert wrong.differing == "泽源" and wrong.foreign == pytest.approx(1.98)
    assert fit("泽源", "泽源煤业", ring).foreign == 0.0
    unsure = [(c, 0.3 if c in "泽源" else 0.99) for c in "阳城县泽源煤业有限公司"]
    assert fit("润丰", "润丰煤业", unsure).foreign == pytest.approx(0.6)  # unsure characters could be anything
    dept = [(c, 0.99) for c in "晋能控股集团泽源煤业有限公司人力资源部"]  # parent before, department after: free
    assert fit("泽源", "泽源煤业", dept).foreign == 0.0


# --- rendered unit opinions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["default", "alt"])
def test_another_units_seal_on_the_unit_opinion_is_found_and_boxed(layout):
    page, a = _opinion(3, layout, wrong_seal=True)
    other = seal_unit(a)
    assert other != a.employer
    got = _readings(page.image, page.meta["boxes"])
    ring = _ring(got)
    assert ring.confidence >= MIN_READING and core_name(other, places(other)) in ring.value
    found = _findings(got, a.employer)
    assert [f.rule for f in found] == ["FRAUD.SEAL_NAME"] and found[0].severity == "warn"
    assert ring.value in found[0].message and a.employer in found[0].message
    seal = next(v for v in got if v.field == "unit_sealed").evidence[0]
    box = found[0].evidence[0]
    assert box.bbox == seal.bbox and box.text == ring.value and box.page == 1
    x0, y0, x1, y1 = (int(v) for v in box.bbox)
    red = np.asarray(page.image.convert("RGB"))[y0:y1, x0:x1].astype(int)
    assert ((red[..., 0] - red[..., 1]) > 80).mean() > 0.05  # the box holds the red seal


@pytest.mark.parametrize("layout", ["default", "alt"])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_employers_own_seal_is_no_finding(layout, seed):
    page, a = _opinion(seed, layout)
    got = _readings(page.image, page.meta["boxes"])
    assert core_name(a.employer, places(a.employer)) in _ring(got).value
    assert _findings(got, a.employer) == []


@pytest.mark.parametrize("kind", ["grey_scan", "colour_scan", "phone"])
def test_degraded_copies_of_the_employers_seal_are_no_finding(kind):
    page, a = _opinion(4)
    rng = random.Random(4)
    image = {"grey_scan": lambda i: degrade.scanner(i, rng, grey=True).convert("RGB"),
             "colour_scan": lambda i: degrade.scanner(i, rng, grey=False),
             "phone": lambda i: degrade.phone(i, rng)}[kind](page.image)
    got = _readings(image)
    assert _ring(got).value  # read, well or not
    assert _findings(got, a.employer) == []


def test_a_degraded_copy_of_another_units_seal_is_still_found():
    page, a = _opinion(5, wrong_seal=True)
    image = degrade.scanner(page.image, random.Random(5), grey=False)
    assert [f.rule for f in _findings(_readings(image), a.employer)] == ["FRAUD.SEAL_NAME"]


def _sealed_page(ring_text: str, seed: int = 1) -> Image.Image:
    c = Canvas("NotoSansCJK-Regular.ttc", 200)
    for i in range(10):
        c.text(c.mm(25), c.mm(40 + 9 * i), "经单位评议组综合评议、领导班子集体研究，同意推荐该同志申报助理工程师任职资格。", 12)
    c.text(c.w * 0.5, c.mm(160), "单位（盖章）", 12)
    stamp(c.img, c.w * 0.62, c.mm(165), ring_text, random.Random(seed), radius=c.mm(20))
    return c.img


@pytest.mark.parametrize("ring_text, employer", [
    ("泽源煤业有限公司人力资源部", "阳城县泽源煤业有限公司"),  # a department's seal, no place on the ring
    ("阳城县泽源煤业有限公司", "泽源煤业"),  # the form writes the short name
    ("山西阳城润丰煤业有限公司", "阳城县润丰煤业有限公司"),  # the place written another way
])
def test_the_employers_seal_under_another_form_of_its_name_is_no_finding(ring_text, employer):
    got = _readings(_sealed_page(ring_text))
    assert _ring(got).confidence >= MIN_READING
    assert _findings(got, employer) == []


def test_a_department_seal_of_another_unit_is_found():
    got = _readings(_sealed_page("东岭煤业有限公司人力资源部"))
    assert [f.rule for f in _findings(got, "阳城县泽源煤业有限公司")] == ["FRAUD.SEAL_NAME"]


def test_an_earlier_employers_seal_on_an_appraisal_is_no_finding():
    """The appraisal form names the unit that sealed it: a name the dossier shows, so no accusation."""
    got = _readings(_sealed_page("山西阳城东岭煤业有限公司"))
    assert _findings(got, "阳城县泽源煤业有限公司")  # against the current employer alone it differs
    values = tuple(got) + (_employer("阳城县泽源煤业有限公司"), _employer("山西阳城东岭煤业有限公司", "appraisal"))
    assert seal_names_employer(Dossier(applicant="a", values=values), RULES) == []


def _faint_seal(image: Image.Image) -> Image.Image:
    """The seal pressed with little ink and smeared: its region blurred and washed towards the paper."""
    rgb = np.asarray(image.convert("RGB")).astype(np.float32)
    x0, y0, x1, y1 = (int(v) for v in find_seals(image).seals[0].bbox)
    part = Image.fromarray(rgb[y0:y1, x0:x1].astype(np.uint8)).filter(ImageFilter.GaussianBlur(2.0))
    rgb[y0:y1, x0:x1] = 255 - (255 - np.asarray(part).astype(np.float32)) * 0.8
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("seed", [6, 7])
@pytest.mark.parametrize("wrong", [False, True])
def test_a_faint_blurred_seal_read_garbled_accuses_nobody(seed, wrong):
    page, a = _opinion(seed, wrong_seal=wrong)
    got = _readings(_faint_seal(page.image), page.meta["boxes"])
    ring = _ring(got)
    for name in {a.employer, seal_unit(a)}:
        assert core_name(name, places(name)) not in ring.value  # the reading is garbled ...
    assert _findings(got, a.employer) == []  # ... and says nothing, whoever's seal it was


def test_no_employer_name_or_no_seal_reading_is_silence():
    page, a = _opinion(3, wrong_seal=True)
    got = _readings(page.image, page.meta["boxes"])
    assert _findings(got) == []  # nothing to compare with
    assert _findings([v for v in got if v.field != "seal_text"], a.employer) == []


def test_the_rule_is_checked_and_reported_through_verify():
    page, a = _opinion(3, wrong_seal=True)
    values = tuple(_readings(page.image, page.meta["boxes"])) + (_employer(a.employer),)
    rules = {f.rule for f in verify_dossier(Dossier(applicant="a", values=values), RULES)}
    assert "FRAUD.SEAL_NAME" in rules
    incomplete = [f for f in verify_dossier(Dossier(applicant="a"), RULES) if f.rule == "CHECK.INCOMPLETE"]
    assert all("FRAUD.SEAL_NAME" not in f.message for f in incomplete)


def test_a_wrong_seal_fixture_changes_only_the_unit_opinion():
    page, a = _opinion(3, wrong_seal=True)
    plain, b = _opinion(3)
    assert a.employer == b.employer and seal_unit(b) == b.employer
    diff = cv2.absdiff(np.asarray(page.image.convert("L")), np.asarray(plain.image.convert("L")))
    ys, xs = np.nonzero(diff > 40)
    seal = find_seals(page.image).seals[0].bbox
    assert len(xs) and xs.min() >= seal[0] - 2 and xs.max() <= seal[2] + 2 and ys.min() >= seal[1] - 2


def test_at_most_max_seals_are_read_the_employers_own_documents_first():
    from dataclasses import replace

    from extract.seal_text import MAX_SEALS, impression, ring_readings
    from extract.seals import page_dpi

    page, a = _opinion(2)
    rgb = np.asarray(page.image.convert("RGB"))
    seal = find_seals(page.image).seals[0]
    one = impression("appraisal", FILE, 1, rgb, seal, page_dpi(rgb.shape[1], rgb.shape[0]))
    many = [replace(one, page=i) for i in range(1, MAX_SEALS + 2)] + [replace(one, document="unit_opinion", page=99)]
    got = ring_readings(many)
    assert len(got) == MAX_SEALS and got[0].document == "unit_opinion" and got[0].evidence[0].page == 99
    assert all(core_name(a.employer, places(a.employer)) in v.value for v in got)
