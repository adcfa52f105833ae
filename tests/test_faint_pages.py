"""Faint pages: read again with their contrast stretched, and never passed silently when unread.

Real RapidOCR on pages rendered by tests/ocr_pages.py and washed out by the fixture factory's own
`degrade.faint` (text at grey ~230 on 254 paper, blurred, noisy), as the `low_ocr_confidence` fault is.
"""
from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from core.records import Dossier, Line, PageText
from extract.ocr import DEFAULT_ENGINE, get_engine, normalise_page, normalised_image, ocr_page
from extract.ocr.normalise import apply_normalisation, parse_stretch
from extract.ocr.page import FEW_CHARS, INK_MIN, normalised_colour
from fixtures import degrade
from ingest.pages import RawPage
from ocr_pages import DPI, render_page
from verify import decide_verdict
from verify.checks import unread_pages
from verify.rules import load_rules

ID_NUMBER = "140522199203120017"


def raw_page(image: Image.Image, name: str) -> RawPage:
    return RawPage(file=name, page=1, kind="image", width=image.width, height=image.height, image=image, dpi=DPI)


def chars(lines) -> int:
    return sum(len(line.text.replace(" ", "")) for line in lines)


@pytest.fixture(scope="module")
def faint_page():
    # seed 1: the washed-out draw from which RapidOCR reads nothing at all without the stretch
    image = degrade.faint(render_page(seal=False).image, random.Random(1))
    raw = raw_page(image, "faint.png")
    return raw, ocr_page(raw)


def test_faint_page_unread_as_is(faint_page):
    raw, _ = faint_page
    plain = normalise_page(raw.image, DPI)
    assert chars(get_engine(DEFAULT_ENGINE).read(plain.image, DPI)) < FEW_CHARS
    assert plain.ink >= INK_MIN and plain.levels[1] - plain.levels[0] < 40  # faint ink, but ink


def test_faint_page_read_after_contrast_stretch(faint_page):
    _, text = faint_page
    read = text.text.replace(" ", "")
    assert ID_NUMBER in read and "1992年3月12日" in read and "专业技术职务任职资格评审表" in read
    stretch = parse_stretch(text.meta["contrast_stretch"])
    assert stretch is not None and stretch[1] - stretch[0] < 40
    assert float(text.meta["ink"]) >= INK_MIN


def test_replay_gives_the_pixels_the_text_came_from(faint_page):
    raw, text = faint_page
    replayed = np.asarray(normalised_image(raw, text))
    read = normalise_page(raw.image, DPI, stretch=parse_stretch(text.meta["contrast_stretch"]))
    assert replayed.shape == (text.height, text.width)
    assert np.array_equal(replayed, np.asarray(read.image))
    line = next(line for line in text.lines if ID_NUMBER in line.text.replace(" ", ""))
    x0, y0, x1, y1 = (int(v) for v in line.bbox)
    assert replayed[y0:y1, x0:x1].min() < 60  # the ID number is dark in the replayed image
    unstretched = np.asarray(apply_normalisation(raw.image, rotation=text.rotation, skew=text.skew))
    assert unstretched[y0:y1, x0:x1].min() > 200  # ... and was not in the page as scanned
    colour = np.asarray(normalised_colour(raw, text))
    assert colour.shape[:2] == replayed.shape and colour[y0:y1, x0:x1].min() < 60


@pytest.mark.parametrize("degradation", ["scanner", "faint"])
def test_blank_noisy_page_stays_blank(degradation):
    white = Image.new("L", (1654, 2339), 255)  # A4 at 200 DPI
    image = getattr(degrade, degradation)(white, random.Random(3))
    text = ocr_page(raw_page(image, "blank.png"))
    assert chars(text.lines) == 0
    assert float(text.meta["ink"]) < INK_MIN
    assert "contrast_stretch" not in text.meta and "contrast_stretch_tried" not in text.meta


# ---- verify: a page with ink that was not read -----------------------------------------------------------


def page(ink: str | None, lines: tuple[Line, ...] = (), source: str = "ocr:rapidocr@1.4.4") -> PageText:
    meta = {} if ink is None else {"ink": ink}
    return PageText(file="IMG0366.tif", page=1, width=1654, height=2339, source=source, lines=lines, meta=meta)


def findings_for(*pages: PageText):
    return unread_pages(Dossier(applicant="a", pages=pages), load_rules())


def test_unread_page_with_ink_is_a_finding():
    found = findings_for(page("0.0126"))
    assert [f.rule for f in found] == ["OCR.LOW_CONFIDENCE"] and found[0].field is None
    assert "IMG0366.tif第1页有内容但未能可靠识别" in found[0].message
    assert [(e.file, e.page) for e in found[0].evidence] == [("IMG0366.tif", 1)]
    assert decide_verdict(found) == "needs_review"
    garbage = findings_for(page("0.0126", (Line(text="号6Y+", confidence=0.65),)))
    assert len(garbage) == 1 and "未能可靠识别" in garbage[0].message


def test_page_read_at_very_low_confidence_is_a_finding():
    weak = Line(text="专业技术人员年度考核表姓名重建车出生年月", confidence=0.6)
    found = findings_for(page("0.0126", (weak,)))
    assert len(found) == 1 and "置信度仅0.60" in found[0].message


def test_blank_and_well_read_pages_give_nothing():
    well_read = Line(text="专业技术人员年度考核表姓名萧建军出生年月", confidence=0.98)
    assert findings_for(page("0.0000"), page("0.0510", (well_read,)), page(None),
                        page(None, source="text_layer")) == []
