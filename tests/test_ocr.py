"""The OCR layer on real engines and rendered Chinese pages (see ocr_pages.py)."""
from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from PIL import Image

from core.errors import ExternalTimeoutError, RegistryError
from extract.ocr import (
    DEFAULT_ENGINE,
    get_engine,
    normalise_page,
    normalised_image,
    ocr_engines,
    ocr_page,
    strip_cjk_spaces,
)
from extract.ocr.engines import join_words
from extract.ocr.normalise import deskew, detect_skew, red_mask, suppress_seal, vote_rotation
from extract.ocr.tesseract import Tesseract
from core.records import Word
from ingest.pages import RawPage
from ocr_pages import (
    DPI,
    KEY_TEXTS,
    SEAL_DATE,
    blur,
    jpeg,
    render_page,
    scan,
    skew,
    turn_clockwise,
    uneven_light,
)

ENGINES = ["tesseract@1", "rapidocr@1"]
CJK_SPACE_CJK = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def page():
    return render_page()


@pytest.fixture(scope="module")
def clean_reads(page):
    """Each engine's lines for the clean page (seal suppressed, as ocr_page would read it)."""
    image = normalise_page(page.image, DPI).image
    return {name: get_engine(name).read(image, DPI) for name in ENGINES}


def _text(lines) -> str:
    return "\n".join(line.text for line in lines)


def _union(words):
    return (min(w.bbox[0] for w in words), min(w.bbox[1] for w in words),
            max(w.bbox[2] for w in words), max(w.bbox[3] for w in words))


def _word_box(lines, target: str):
    """Union of the consecutive words of a line that spell `target`."""
    for line in lines:
        words = list(line.words)
        for i in range(len(words)):
            acc = ""
            for j in range(i, len(words)):
                acc += words[j].text
                if acc == target:
                    return _union(words[i : j + 1])
                if not target.startswith(acc):
                    break
    return None


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_reads_key_strings_on_clean_page(clean_reads, engine):
    text = _text(clean_reads[engine])
    for key in KEY_TEXTS:
        assert key in text, f"{engine} missed {key!r} in:\n{text}"


@pytest.mark.parametrize("engine", ENGINES)
def test_lines_have_words_boxes_and_confidences(clean_reads, page, engine):
    lines = clean_reads[engine]
    assert all(line.words and 0 <= line.confidence <= 1 for line in lines)
    assert all(0 <= w.bbox[0] < w.bbox[2] <= page.image.width for line in lines for w in line.words)
    # rows come out top to bottom
    tops = [line.bbox[1] for line in lines]
    assert tops == sorted(tops)


@pytest.mark.parametrize("engine", ENGINES)
def test_word_boxes_lie_where_the_text_was_drawn(clean_reads, page, engine):
    for target in ("张伟", "140522199203120017"):
        got = _word_box(clean_reads[engine], target)
        assert got is not None, f"{engine}: no words spelling {target}"
        drawn = page.boxes[target]
        assert max(abs(a - b) for a, b in zip(got, drawn)) <= 15, (engine, target, got, drawn)


@pytest.mark.parametrize("engine", ENGINES)
def test_no_spaces_between_chinese_characters(clean_reads, engine):
    # outside the table (its cells are real gaps) no line may keep a space between characters
    prose = [ln.text for ln in clean_reads[engine] if not 530 < ln.bbox[1] < 760]
    assert prose and not any(CJK_SPACE_CJK.search(t) for t in prose), prose
    assert any("矿井通风与安全工程" in t for t in prose)


def test_strip_cjk_spaces_keeps_latin_spacing():
    assert strip_cjk_spaces("考 核 等 次 ： 合 格") == "考核等次：合格"
    assert strip_cjk_spaces("2021 年 ISO 9001 认证") == "2021年ISO 9001认证"
    # a wide gap between fields survives, adjacent characters close up
    words = [Word(text=t, bbox=(x, 0, x + 30, 30), confidence=1.0)
             for t, x in (("张", 0), ("伟", 32), ("性", 120), ("别", 152))]
    assert join_words(words) == "张伟 性别"


@pytest.mark.parametrize("turned", [90, 180, 270])
def test_orientation_is_detected_and_undone(page, turned):
    image = turn_clockwise(scan(page.image), turned)
    norm = normalise_page(image, DPI)
    assert norm.rotation == (360 - turned) % 360
    assert norm.image.width > norm.image.height  # our cropped page is landscape when upright


@pytest.mark.parametrize("turned", [90, 180])
def test_fallback_vote_finds_orientation_without_osd(page, turned):
    grey = turn_clockwise(page.image, turned).convert("L")
    assert vote_rotation(grey, DPI) == (360 - turned) % 360


@pytest.mark.parametrize("angle", [2.0, -2.0, 4.0])
def test_skew_is_measured_within_half_a_degree(page, angle):
    image = jpeg(blur(skew(page.image, angle)))
    assert abs(detect_skew(np.asarray(image.convert("L"))) - angle) <= 0.5
    norm = normalise_page(image, DPI)
    assert abs(norm.skew - angle) <= 0.5 and norm.rotation == 0


@pytest.mark.parametrize("angle", [-2.45, 0.35, 4.9])
@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_deskew_draws_pillows_geometry(page, angle, mode):
    """Boxes recorded on a page deskewed by Pillow (older cached readings) fit the OpenCV deskew."""
    image = page.image.convert(mode).crop((0, 0, page.image.width - 1, page.image.height - 3))  # odd sizes
    fill = 255 if mode == "L" else (255, 255, 255)
    pillow = image.rotate(-angle, resample=Image.BICUBIC, expand=True, fillcolor=fill)
    ours = deskew(image, angle)
    assert ours.size == pillow.size and ours.mode == mode
    diff = np.abs(np.asarray(ours, dtype=np.int16) - np.asarray(pillow, dtype=np.int16))
    assert diff.mean() < 0.5  # bicubic kernels differ slightly; a shifted page would differ by far more
    shifted = np.abs(np.asarray(ours, dtype=np.int16)[:, 1:] - np.asarray(pillow, dtype=np.int16)[:, :-1])
    assert shifted.mean() > 4 * diff.mean()


@pytest.mark.parametrize("engine", ENGINES)
def test_seal_suppression_keeps_the_date_under_the_seal(page, engine):
    x0, y0, x1, y1 = page.boxes[SEAL_DATE]
    rgb = np.asarray(page.image.crop((x0 - 200, y0 - 200, x1 + 200, y1 + 200)))
    grey, found = suppress_seal(rgb)
    assert found
    assert np.asarray(grey)[red_mask(rgb)].mean() > 200  # the ink is gone
    ocr = get_engine(engine)
    before = _text(ocr.read(Image.fromarray(rgb).convert("L"), DPI)).replace(" ", "")
    after = _text(ocr.read(Image.fromarray(grey), DPI)).replace(" ", "")
    assert SEAL_DATE in after, (before, after)


def test_seal_free_page_is_left_alone():
    norm = normalise_page(render_page(seal=False).image, DPI)
    assert not norm.seal_suppressed and not norm.flattened


def test_ocr_page_on_a_turned_phone_photo():
    rendered = render_page()
    image = turn_clockwise(jpeg(uneven_light(skew(rendered.image, -1.5)), 45), 90)
    raw = RawPage(file="photo.jpg", page=1, kind="image", width=image.width, height=image.height,
                  image=image, dpi=DPI, meta={"Software": "test"})
    text = ocr_page(raw)
    engine = get_engine(DEFAULT_ENGINE)
    assert text.source == f"ocr:{engine.name}@{engine.version}"
    assert text.rotation == 270 and abs(text.skew + 1.5) <= 0.5
    assert text.meta["orientation"] == "rapidocr-lines"  # turned by what its own lines showed, then read
    assert text.meta["Software"] == "test" and float(text.meta["ink"]) > 0.01
    assert "contrast_stretch" not in text.meta  # a well-read page is read once, as it is
    for key in KEY_TEXTS:
        assert key in text.text.replace(" ", "")
    # bboxes are in the normalised image, which can be rebuilt from the PageText alone
    rebuilt = normalised_image(raw, text)
    assert (rebuilt.width, rebuilt.height) == (text.width, text.height)
    assert all(0 <= line.bbox[2] <= text.width and 0 <= line.bbox[3] <= text.height
               for line in text.lines)


def test_tesseract_timeout_is_a_typed_error(page):
    with pytest.raises(ExternalTimeoutError):
        Tesseract(timeout=0.01).read(page.image, DPI)


def test_registry_lists_engines_and_refuses_unknown():
    assert ocr_engines.names() == ["rapidocr@1", "tesseract@1"]
    assert get_engine("rapidocr") is get_engine("rapidocr@1")
    with pytest.raises(RegistryError, match="tesseract@1"):
        get_engine("easyocr")
    for name in ENGINES:
        engine = get_engine(name)
        assert engine.version and engine.describe()["version"] == engine.version


@pytest.mark.parametrize("turned", [0, 90, 180, 270])
def test_rapidocr_reads_a_page_as_it_stands_only_when_its_lines_stand_upright(page, turned):
    """One detection decides: an upright page is read from it (the text comes back); a turned one is
    refused before anything is recognised, with the turn its lines call for."""
    grey = normalise_page(turn_clockwise(scan(page.image), turned), DPI, rotation=0).image
    lines, rotation, why = get_engine("rapidocr").engine.read_if_upright(grey, DPI)
    assert rotation == (360 - turned) % 360, why
    if turned == 0:
        assert lines is not None, why
        for key in KEY_TEXTS:
            assert key in _text(lines).replace(" ", "")
    else:
        assert lines is None, why


def test_a_page_whose_lines_do_not_agree_gets_no_rotation_from_them(page):
    """Half the page upright and half upside down: the lines do not say how it stands, so nothing is
    read from them and normalisation's orientation detection decides."""
    grey = normalise_page(scan(page.image), DPI, rotation=0).image
    top = grey.crop((0, 0, grey.width, grey.height // 2))
    bottom = grey.crop((0, grey.height // 2, grey.width, grey.height)).transpose(Image.Transpose.ROTATE_180)
    mixed = Image.new("L", grey.size, 255)
    mixed.paste(top, (0, 0))
    mixed.paste(bottom, (0, grey.height // 2))
    lines, rotation, why = get_engine("rapidocr").engine.read_if_upright(mixed, DPI)
    assert lines is None and rotation is None, why
    from extract.ocr.page import _read_page

    raw = RawPage(file="mixed.png", page=1, kind="image", width=mixed.width, height=mixed.height,
                  image=mixed, dpi=DPI)
    assert _read_page(raw, get_engine("rapidocr").engine).meta["orientation"] in ("osd", "rapidocr-vote")


def test_ocr_page_of_an_upright_scan_skips_orientation_detection(page):
    image = scan(page.image)  # turned 2° and blurred, as a scanner would
    raw = RawPage(file="scan.pdf", page=1, kind="image", width=image.width, height=image.height,
                  image=image, dpi=DPI)
    from extract.ocr.page import _read_page

    text = _read_page(raw, get_engine(DEFAULT_ENGINE).engine)
    assert text.meta["orientation"] == "rapidocr-lines" and text.rotation == 0
    assert abs(text.skew - 2.0) <= 0.5
    for key in KEY_TEXTS:
        assert key in text.text.replace(" ", "")
    turned = turn_clockwise(image, 180)
    text = _read_page(dataclasses.replace(raw, image=turned, width=turned.width, height=turned.height),
                      get_engine(DEFAULT_ENGINE).engine)
    assert text.meta["orientation"] == "rapidocr-lines" and text.rotation == 180  # no OSD: its lines told
    for key in KEY_TEXTS:
        assert key in text.text.replace(" ", "")



def test_the_detectors_input_is_the_shipped_preprocessing_bit_for_bit(page):
    """Our faster detector input (a lookup table per channel) equals RapidOCR's own float64 step."""
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    from extract.ocr.rapid import TablePreProcess, _rapidocr, run_engine

    rgb = np.asarray(scan(page.image).convert("RGB"))
    noisy = np.random.default_rng(7).integers(0, 256, (61, 400, 3), dtype=np.uint8)  # every level, small side scaled up
    for img in (rgb, noisy):
        shipped = DetPreProcess(736, "min", [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])  # unequal channels
        assert np.array_equal(TablePreProcess(shipped)(img), shipped(img))
    engine = _rapidocr()
    assert isinstance(engine.text_det.get_preprocess(2000), TablePreProcess)
    assert type(engine.as_shipped["get_preprocess"](2000)) is DetPreProcess  # bench/cost.py's denominator
    run_engine(np.full((64, 256, 3), 255, np.uint8), as_shipped=True, use_cls=False)
    assert isinstance(engine.text_det.get_preprocess(2000), TablePreProcess)  # ours again after it


def test_the_detector_looks_at_the_inked_part_of_the_page_and_faint_ink_counts():
    from extract.ocr.rapid import INK_MARGIN, ink_window

    plane = np.ones((2016, 1408), np.float32)  # the detector's input: paper is +1
    plane[600:640, 300:900] = -1.0  # a black line of print
    plane[1500:1530, 1000:1200] = (235 / 127.5) - 1  # faint grey print (235 on white paper)
    plane[::97, ::89] = -1.0  # scanner speckle: single dark pixels all over the margins
    y0, y1, x0, x1 = ink_window(plane)
    assert y0 % 32 == x0 % 32 == 0 and (y1 % 32 == 0 or y1 == 2016) and (x1 % 32 == 0 or x1 == 1408)
    assert y0 <= 600 - INK_MARGIN and y1 >= 1530 + INK_MARGIN and x0 <= 300 - INK_MARGIN and x1 >= 1200 + INK_MARGIN
    assert (y1 - y0) * (x1 - x0) < 0.6 * plane.size  # the margins are left out
    plane[10:20, 10:1398] = -1.0  # a rule across the top: little margin left to spare
    plane[1990:2000, 10:1398] = -1.0
    assert ink_window(plane) is None
    assert ink_window(np.ones((640, 480), np.float32)) is None  # a blank page is detected whole


def test_a_scan_with_wide_margins_reads_the_same_key_texts_through_the_inked_window(page):
    from extract.ocr.rapid import _rapidocr, ink_window

    grey = normalise_page(scan(page.image), DPI).image
    sheet = Image.new("L", (grey.width + 600, grey.height + 900), 255)  # the page on an A4-like sheet
    sheet.paste(grey, (300, 450))
    engine = _rapidocr()
    prepro = engine.text_det.get_preprocess(max(sheet.size))(np.asarray(sheet.convert("RGB"))[:, :, ::-1])
    assert ink_window(prepro[0, 0]) is not None  # the margins are skipped on this page
    text = _text(get_engine("rapidocr").read(sheet, DPI)).replace(" ", "")
    for key in KEY_TEXTS:
        assert key in text
