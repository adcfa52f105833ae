"""A weak deciding reading is read again by the other engine on the real pixels of its line."""
from PIL import Image, ImageDraw, ImageFont

from core.records import Evidence, ExtractedValue, Line, PageText
from extract.extractors import ExtractContext
from extract.reread import reread, second_engine

FONT = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)


class OnePage:
    """PageImages for one rendered page (the protocol extractors use; the OCR stays real)."""

    def __init__(self, image):
        self.image = image

    def get(self, page):
        return self.image


def _page_and_image(text: str):
    image = Image.new("RGB", (1400, 300), "white")
    font = ImageFont.truetype(FONT[0], 48, index=FONT[1])
    ImageDraw.Draw(image).text((100, 120), text, fill="black", font=font)
    box = image.convert("L").point(lambda v: 255 if v < 128 else 0).getbbox()
    page = PageText(file="s.pdf", page=1, width=1400, height=300, source="ocr:rapidocr@1.4.4",
                    lines=(Line(text=text, bbox=box, confidence=0.6),))
    return page, image, box


def _weak(value, box):
    return ExtractedValue(field="technician_date", value=value, extractor="appointment@1", document="appointment",
                          confidence=0.55, evidence=(Evidence(file="s.pdf", page=1, bbox=box, text="?"),))


def test_second_engine_confirms_a_weak_reading():
    page, image, box = _page_and_image("聘期自2021年9月1日起")
    got = reread(_weak("2021-09-01", box), {("s.pdf", 1): page}, ExtractContext(images=OnePage(image)),
                 second_engine("rapidocr@1"))
    assert got.value == "2021-09-01"
    assert got.confidence >= 0.9 and "confirmed by tesseract" in got.note


def test_engines_disagreeing_keep_the_better_supported_value_and_stay_low():
    page, image, box = _page_and_image("聘期自2021年9月1日起")
    got = reread(_weak("2021-08-01", box), {("s.pdf", 1): page}, ExtractContext(images=OnePage(image)),
                 "tesseract@1")
    assert got.value == "2021-09-01"  # the clear pixels win over the weak first reading
    assert got.confidence <= 0.6 and "by tesseract@1" in got.note
    assert got.evidence[0].extractor == "reread:tesseract@1"


def test_confident_or_inferred_readings_are_left_alone():
    page, image, box = _page_and_image("2021年9月1日")
    ctx = ExtractContext(images=OnePage(image))
    strong = _weak("2021-09-01", box).model_copy(update={"confidence": 0.97})
    assert reread(strong, {("s.pdf", 1): page}, ctx, "tesseract@1") is strong
    inferred = _weak("2021-09", box).model_copy(update={"note": "month from the study period"})
    assert reread(inferred, {("s.pdf", 1): page}, ctx, "tesseract@1") is inferred


def test_one_end_of_a_period_is_taken_from_the_period_read_again():
    page, image, box = _page_and_image("公示时间 2024.11.21-2024.11.28")
    weak = _weak("2024-11-21", box).model_copy(update={"field": "publicity_start"})
    got = reread(weak, {("s.pdf", 1): page}, ExtractContext(images=OnePage(image)), "tesseract@1")
    assert got.value == "2024-11-21"  # the start, not the period's other date


def test_a_less_precise_second_reading_does_not_replace_the_first():
    page, image, box = _page_and_image("2012年7月")
    got = reread(_weak("2012-07-01", box), {("s.pdf", 1): page}, ExtractContext(images=OnePage(image)), "tesseract@1")
    assert got.value == "2012-07-01" and got.confidence == 0.55 and "read only '2012-07'" in got.note


def test_an_appointment_period_read_again_gives_its_start_and_a_torn_period_gives_nothing():
    from extract.reread import _read_again

    assert _read_again("technician_date", "聘期自2018年11月1日至2021年10月31日止") == ("2018-11-01", 1.0)
    assert _read_again("technician_date", "二oO一八年十一月一日至2021年10月31日止") is None
    assert _read_again("birth_date", "1990年1月2日") == ("1990-01-02", 1.0)


def test_a_grade_fragment_read_again_names_the_one_grade_that_holds_it():
    from extract.reread import _read_again

    assert _read_again("appraisals", "秀") == ("优秀", 1.0)
    assert _read_again("appraisals", "口 秀") == ("优秀", 1.0)
    assert _read_again("appraisals", "格") is None  # 合格, 基本合格 and 不合格 all hold it
    assert _read_again("appraisals", "尤秀") is None


def test_a_confirmed_grade_keeps_the_certainty_of_the_tick_that_chose_it():
    # a ticked option whose 优 the pen tick covered: Tesseract read "秀" weakly (0.80); the pixels chose its
    # box at 0.85. RapidOCR reading "秀" too confirms the characters, not the tick.
    page, image, box = _page_and_image("秀")
    weak = ExtractedValue(field="appraisals", value={"2021": "优秀"}, extractor="appraisal@1", document="appraisal",
                          confidence=0.68, evidence=(Evidence(file="s.pdf", page=1, bbox=(100, 20, 300, 60), text="2021",
                                                              confidence=0.999),
                                                     Evidence(file="s.pdf", page=1, bbox=box, text="秀", confidence=0.8)))
    got = reread(weak, {("s.pdf", 1): page}, ExtractContext(images=OnePage(image)), second_engine("tesseract@1"))
    assert got.value == {"2021": "优秀"} and "confirmed by rapidocr" in got.note
    assert got.confidence == 0.85
