"""A probation result whose tick OCR dropped ("考核结果 合格口不合格": the 口 kept before 不合格 only) is
inferred from the text at INFERRED certainty, below the notice's threshold; the ticked box on the pixels
decides it when it agrees, and leaves the weak reading to a human when it does not."""
from PIL import Image, ImageDraw, ImageFont

from core.records import Document, Line, PageText, Word
from extract import run as _run  # noqa: F401  (registers every extractor)
from extract.extractors import ExtractContext, extractors
from extract.merge import merge_fields
from test_ticks import OnePage

FONT = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 40, index=2)
THRESHOLD = 0.8  # verify/rules/yangcheng-2024-coal-junior.yaml ocr_low_confidence


def _form(ticked: str):
    """A probation form's result row, □合格 □不合格 with a pen tick in the box of `ticked`, and the OCR
    line of it that drops the ticked box (its tick merges with the frame) but keeps the empty one as 口."""
    image = Image.new("RGB", (1400, 700), (250, 250, 248))
    draw = ImageDraw.Draw(image)
    words: list[Word] = []
    y = 300

    def write(x, text):
        for ch in text:
            w = draw.textlength(ch, font=FONT)
            draw.text((x, y), ch, fill=(15, 15, 15), font=FONT)
            words.append(Word(text=ch, bbox=(x, y + 4, x + w, y + 50), confidence=0.99))
            x += w
        return x

    write(200, "考核结果")
    boxes = {"合格": 560, "不合格": 780}
    for option, x in boxes.items():
        draw.rectangle([x - 50, y + 8, x - 14, y + 44], outline=(20, 20, 20), width=3)
        if option == ticked:
            draw.line([(x - 46, y + 26), (x - 34, y + 42), (x - 8, y - 14)], fill=(10, 10, 10), width=5)
        else:
            words.append(Word(text="口", bbox=(x - 50, y + 8, x - 14, y + 44), confidence=0.9))
        write(x, option)
    words.sort(key=lambda w: w.bbox[0])
    text = "考核结果 " + "".join(w.text for w in words[4:])
    lines = (Line(text="新录用人员见习期满考核表", bbox=(400, 100, 900, 150), confidence=0.99),
             Line(text=text, bbox=(200, 304, 920, 350), confidence=0.9, words=tuple(words)))
    return image, PageText(file="s.pdf", page=1, width=1400, height=700, source="ocr:rapidocr@1.4.4", lines=lines)


def _passed(ticked: str, ocr_text: str):
    image, page = _form(ticked)
    assert page.lines[1].text == ocr_text
    doc = Document(type="probation", file="s.pdf", pages=(1,), sha256="0")
    values = extractors.get("probation")(doc, [page], ExtractContext(images=OnePage(image)))
    return [v for v in values if v.field == "probation_passed"], merge_fields(values)["probation_passed"]


def test_the_ticked_box_confirms_a_result_the_text_only_inferred():
    readings, field = _passed("合格", "考核结果 合格口不合格")
    assert any(v.note == "read from the ticked box" for v in readings)
    assert field.found is True and field.confidence >= THRESHOLD


def test_a_ticked_box_that_contradicts_the_texts_inference_adds_nothing():
    # the pixels show 不合格 ticked, the OCR line is that of a form ticked at 合格 (text infers 合格)
    image, _ = _form("不合格")
    _, page = _form("合格")
    doc = Document(type="probation", file="s.pdf", pages=(1,), sha256="0")
    values = extractors.get("probation")(doc, [page], ExtractContext(images=OnePage(image)))
    readings = [v for v in values if v.field == "probation_passed"]
    assert [v.value for v in readings] == [True]  # the inferred text reading only
    assert merge_fields(values)["probation_passed"].confidence < THRESHOLD
