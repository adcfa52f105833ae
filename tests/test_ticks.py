"""Tick boxes are read from the pixels: printed ☒ on one line, a pen tick over □ in a vertical list."""
from PIL import Image, ImageDraw, ImageFont

from core.records import Document, Line, PageText, Word
from extract.appraisal import appraisal
from extract.doctext import DocText
from extract.extractors import ExtractContext

FONT = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 40, index=2)


class OnePage:
    def __init__(self, image):
        self.image = image

    def get(self, page):
        return self.image


def _render(rows, tick_row=None, pen=False):
    """rows: list of (x, y, text, boxed). Returns the image and OCR-like Lines without the box glyphs."""
    image = Image.new("RGB", (1400, 900), (250, 250, 248))
    draw = ImageDraw.Draw(image)
    lines = []
    for i, (x, y, text, boxed) in enumerate(rows):
        if boxed:
            draw.rectangle([x - 50, y + 8, x - 14, y + 44], outline=(20, 20, 20), width=3)
            if i == tick_row and pen:
                draw.line([(x - 46, y + 26), (x - 34, y + 42), (x - 8, y - 14)], fill=(10, 10, 10), width=5)
            elif i == tick_row:
                draw.line([(x - 48, y + 10), (x - 16, y + 42)], fill=(20, 20, 20), width=3)
                draw.line([(x - 16, y + 10), (x - 48, y + 42)], fill=(20, 20, 20), width=3)
        draw.text((x, y), text, fill=(15, 15, 15), font=FONT)
        words, cx = [], x
        for ch in text:
            w = draw.textlength(ch, font=FONT)
            if not ch.isspace():
                words.append(Word(text=ch, bbox=(cx, y + 4, cx + w, y + 50), confidence=0.99))
            cx += w
        lines.append(Line(text=text, bbox=(x, y + 4, cx, y + 50), confidence=0.99, words=tuple(words)))
    return image, lines


def _grade(image, lines):
    page = PageText(file="a.png", page=1, width=image.width, height=image.height, source="ocr:rapidocr@1.4.4",
                    lines=(Line(text="2023年度专业技术人员年度考核登记表", bbox=(100, 20, 900, 70), confidence=1.0),
                           *lines))
    doc = Document(type="appraisal", file="a.png", pages=(1,), sha256="0")
    (v,) = appraisal(doc, DocText([page]), ExtractContext(images=OnePage(image)), "appraisal@1")
    return v


def test_vertical_list_with_a_pen_tick_whose_boxes_ocr_dropped():
    rows = [(700, 300, "优秀", True), (700, 380, "合格", True), (200, 460, "考核结果", False),
            (700, 460, "基本合格", True), (700, 540, "不合格", True)]
    image, lines = _render(rows, tick_row=1, pen=True)
    # OCR reads the label and the middle option as one line, and drops every box
    merged = Line(text="考核结果 基本合格", bbox=(200, 464, 860, 510), confidence=0.99,
                  words=lines[2].words + lines[3].words)
    v = _grade(image, [lines[0], lines[1], merged, lines[4]])
    assert v.value == {"2023": "合格"}
    assert v.evidence[-1].text == "合格"


def test_one_line_of_options_with_a_printed_cross():
    row = [(420, 300, "优秀", True), (560, 300, "合格", True), (700, 300, "基本合格", True), (920, 300, "不合格", True)]
    image, lines = _render(row, tick_row=2)
    text = "考核等次 优秀合格基本合格不合格"  # OCR lost every box
    words = tuple(w for ln in lines for w in ln.words)
    line = Line(text=text, bbox=(200, 304, 1080, 350), confidence=0.98,
                words=(Word(text="考核等次", bbox=(200, 304, 360, 350), confidence=0.99), *words))
    v = _grade(image, [line])
    assert v.value == {"2023": "基本合格"}


def test_no_mark_at_all_is_not_guessed():
    rows = [(700, 300, "优秀", True), (700, 380, "合格", True), (200, 380, "考核结果", False), (700, 460, "不合格", True)]
    image, lines = _render(rows)
    v = _grade(image, [lines[0], Line(text="考核结果 合格", bbox=(200, 384, 800, 430), confidence=0.99,
                                      words=lines[2].words + lines[1].words), lines[3]])
    assert v.value == {"2023": None} and v.confidence == 0.0
