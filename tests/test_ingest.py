"""Ingest of each format, from files generated here (reportlab, Pillow, python-docx, openpyxl)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from core.records import IngestIssue
from ingest import RawPage, format_backends, read_file

A4 = (595.0, 842.0)
pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


def pages_of(path: str, data: bytes):
    source, stream = read_file(path, data)
    items = list(stream)
    return source, [p for p in items if isinstance(p, RawPage)], [i for i in items if isinstance(i, IngestIssue)]


def scan_image(size=(600, 800), text_box=True) -> Image.Image:
    img = Image.new("RGB", size, "white")
    if text_box:
        ImageDraw.Draw(img).rectangle((50, 50, 250, 100), fill="black")
    return img


def pdf_bytes(pages, mediabox=A4, rotate=0) -> bytes:
    """`pages`: list of ("text", [(x, y, str), ...]) or ("image", PIL image)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=mediabox)
    for kind, content in pages:
        if kind == "text":
            c.setFont("STSong-Light", 12)
            for x, y, s in content:
                c.drawString(x, y, s)
        else:
            c.drawImage(ImageReader(content), 0, 0, width=mediabox[0], height=mediabox[1])
        c.showPage()
    c.save()
    data = buf.getvalue()
    if rotate:
        data = data.replace(b"/Rotate 0", b"/Rotate %d" % rotate)
    return data


def test_text_layer_pdf_lines_words_and_boxes():
    data = pdf_bytes([("text", [(72, 770, "姓名：张伟"), (300, 770, "性别：男"),
                                (72, 740, "Hello World 2024")])])
    source, pages, issues = pages_of("scan.pdf", data)
    assert (source.format, source.status, source.pages, issues) == ("pdf", "ok", 1, [])
    page = pages[0]
    assert page.kind == "text_layer" and (page.width, page.height) == A4 and page.image is None
    texts = [line.text for line in page.lines]
    assert texts == ["姓名：张伟", "性别：男", "Hello World 2024"]  # far apart fields: separate lines
    hello = page.lines[2]
    assert [w.text for w in hello.words] == ["Hello", "World", "2024"]
    x0, top, x1, bottom = hello.bbox
    assert x0 == pytest.approx(72, abs=1) and top < 842 - 740 < bottom  # baseline inside the box
    assert bottom - top == pytest.approx(12, abs=1) and x1 > x0 and hello.confidence == 1.0
    assert page.meta["Producer"].startswith("ReportLab")


def test_image_only_pdf_page_is_rendered_at_native_dpi():
    img = scan_image((1240, 1754))  # A4 at 150 dpi
    source, pages, _ = pages_of("scan.pdf", pdf_bytes([("image", img)]))
    page = pages[0]
    assert page.kind == "image" and page.needs_ocr and page.dpi == 150
    assert page.image.mode == "RGB" and abs(page.image.width - 1240) <= 2


def test_mixed_pdf_gives_text_and_image_pages_in_order():
    data = pdf_bytes([("text", [(72, 770, "第一页")]), ("image", scan_image((2480, 3508))),
                      ("text", [(72, 770, "第三页")])])
    source, pages, _ = pages_of("mixed.pdf", data)
    assert source.pages == 3
    assert [(p.page, p.kind) for p in pages] == [(1, "text_layer"), (2, "image"), (3, "text_layer")]
    assert pages[1].dpi == 300 and abs(pages[1].image.height - 3508) <= 2


def test_rotate_is_respected_for_text_and_render():
    # A landscape media box shown with /Rotate 90 is a portrait page.
    text = pdf_bytes([("text", [(72, 500, "Rotated text")])], mediabox=(842, 595), rotate=90)
    _, pages, _ = pages_of("r.pdf", text)
    assert (pages[0].width, pages[0].height) == (595, 842)
    assert pages[0].lines[0].text == "Rotated text"  # read along its own direction
    x0, top, x1, bottom = pages[0].lines[0].bbox
    assert bottom - top > x1 - x0  # the line runs down the displayed page
    img = scan_image((842, 595))
    image = pdf_bytes([("image", img)], mediabox=(842, 595), rotate=90)
    _, pages, _ = pages_of("r.pdf", image)
    assert pages[0].image.height > pages[0].image.width


def test_pdf_pages_are_lazy_and_not_kept():
    """A page is rendered when asked for, and ingest keeps no reference to pages already handed out."""
    import gc
    import inspect
    import weakref

    data = pdf_bytes([("image", scan_image())] * 6)
    source, stream = read_file("big.pdf", data)
    assert source.pages == 6 and inspect.isgenerator(stream)
    assert inspect.getgeneratorstate(stream) == inspect.GEN_CREATED  # nothing rendered yet
    previous = None
    for page in stream:
        if previous is not None:
            gc.collect()
            assert previous() is None  # the last page's pixels are gone once the caller drops them
        previous = weakref.ref(page.image)
        del page


def test_multipage_tiff_every_frame_is_a_page():
    frames = [scan_image((300, 400)), Image.new("L", (400, 300), 255), Image.new("1", (200, 200), 1)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    source, pages, issues = pages_of("scan.tif", buf.getvalue())
    assert (source.format, source.pages, issues) == ("tiff", 3, [])
    assert [p.image.size for p in pages] == [(300, 400), (400, 300), (200, 200)]
    assert all(p.image.mode == "RGB" for p in pages)
    assert pages[0].dpi == 300 and pages[0].meta["dpi_source"] == "file"


def _exif_jpeg(size=(400, 300), orientation=6) -> bytes:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).rectangle((0, 0, 40, 40), fill="red")  # marks the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "HUAWEI"
    exif[0x0110] = "P40"
    exif[0x0131] = "Adobe Photoshop 2024"
    exif[0x0132] = "2024:11:21 10:00:00"
    exif.get_ifd(0x8769)[0x9003] = "2024:11:20 09:30:12"
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, quality=90)
    return buf.getvalue()


def test_exif_orientation_applied_and_exif_kept():
    source, pages, _ = pages_of("IMG_20241120_093012.jpg", _exif_jpeg())
    page = pages[0]
    assert source.format == "jpeg" and page.image.size == (300, 400)  # orientation 6: turned upright
    red = page.image.getpixel((page.image.width - 5, 5))  # stored top-left is now top-right
    assert red[0] > 200 and red[1] < 80
    assert page.meta["DateTimeOriginal"] == "2024:11:20 09:30:12"
    assert page.meta["Software"] == "Adobe Photoshop 2024"
    assert (page.meta["Make"], page.meta["Model"], page.meta["Orientation"]) == ("HUAWEI", "P40", "6")
    assert page.meta["dpi_source"] == "estimated" and 100 <= page.dpi <= 600


def test_heic_photo():
    pillow_heif = pytest.importorskip("pillow_heif")
    buf = io.BytesIO()
    pillow_heif.from_pillow(scan_image((320, 240))).save(buf, format="HEIF")
    source, pages, _ = pages_of("IMG_0001.HEIC", buf.getvalue())
    assert source.format == "heic" and source.status == "ok"
    assert pages[0].image.size == (320, 240) and pages[0].image.mode == "RGB"


@pytest.mark.parametrize("mode", ["P", "LA", "RGBA", "CMYK", "I;16", "1"])
def test_any_image_mode_becomes_rgb_with_transparency_on_white(mode):
    img = Image.new("RGBA", (50, 40), (0, 0, 0, 0))
    img = img.convert(mode) if mode not in ("I;16",) else Image.new("I;16", (50, 40), 65535)
    buf = io.BytesIO()
    img.save(buf, "TIFF" if mode in ("CMYK",) else "PNG")
    _, pages, _ = pages_of("x.png", buf.getvalue())
    assert pages[0].image.mode == "RGB"
    if mode in ("LA", "RGBA", "I;16"):
        assert pages[0].image.getpixel((10, 10)) == (255, 255, 255)


def test_webp_and_bmp():
    for fmt, name in (("WEBP", "webp"), ("BMP", "bmp")):
        buf = io.BytesIO()
        scan_image((120, 90)).save(buf, fmt)
        source, pages, _ = pages_of("x", buf.getvalue())
        assert source.format == name and pages[0].image.size == (120, 90)


def test_docx_paragraphs_tables_merged_and_nested():
    import docx

    document = docx.Document()
    document.add_paragraph("山西省专业技术职务任职资格评审表")
    table = document.add_table(rows=3, cols=4)
    for (r, c), text in {(0, 0): "姓名", (0, 1): "张伟", (0, 2): "性别", (0, 3): "男",
                         (1, 0): "工作单位", (2, 0): "经历"}.items():
        table.cell(r, c).text = text
    table.cell(1, 1).merge(table.cell(1, 3)).text = "润丰煤业"  # horizontal merge
    table.cell(2, 1).merge(table.cell(2, 3))
    inner = table.cell(2, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "2010.07"
    inner.cell(0, 1).text = "技术员"
    document.add_paragraph("本人承诺")
    buf = io.BytesIO()
    document.save(buf)
    source, pages, _ = pages_of("评审表.docx", buf.getvalue())
    assert source.format == "docx" and source.pages == 1
    page = pages[0]
    assert page.kind == "docx" and (page.width, page.height) == (0, 0)
    texts = [line.text for line in page.lines]
    assert texts[0] == "山西省专业技术职务任职资格评审表" and texts[-1] == "本人承诺"
    assert "姓名\t张伟\t性别\t男" in texts and "工作单位\t润丰煤业" in texts
    assert texts.index("2010.07\t技术员") > texts.index("工作单位\t润丰煤业")  # nested after its row
    outer, nested = page.tables
    assert outer[1] == ("工作单位", "润丰煤业", "润丰煤业", "润丰煤业")  # merged cell on every column
    assert nested == (("2010.07", "技术员"),)
    assert all(line.bbox is None for line in page.lines)


def test_xlsx_one_page_per_sheet_dates_iso():
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "汇总表"
    sheet.append(["序号", "姓名", "出生年月", "工作年限"])
    sheet.append([1, "张伟", dt.datetime(1985, 3, 1), 12.0])
    sheet.append([None, None, None, None])
    sheet.append([2, "李娜", dt.date(1990, 7, 15), 8.5])
    book.create_sheet("说明").append(["填表说明"])
    buf = io.BytesIO()
    book.save(buf)
    source, pages, _ = pages_of("汇总表.xlsx", buf.getvalue())
    assert source.format == "xlsx" and source.pages == 2
    first = pages[0]
    assert first.kind == "xlsx" and first.meta["sheet"] == "汇总表"
    assert first.tables == ((("序号", "姓名", "出生年月", "工作年限"), ("1", "张伟", "1985-03-01", "12"),
                             ("2", "李娜", "1990-07-15", "8.5")),)
    assert first.lines[1].text == "1\t张伟\t1985-03-01\t12"
    assert pages[1].lines[0].text == "填表说明"


def test_backends_are_registered_by_format():
    names = format_backends.names()
    for fmt in ("pdf", "jpeg", "png", "tiff", "heic", "webp", "bmp", "docx", "xlsx"):
        assert f"{fmt}@1" in names


def test_unmapped_cid_text_layer_is_not_trusted():
    from ingest.pdf import text_layer_usable

    assert not text_layer_usable([{"text": "(cid:1234)"}] * 8 + [{"text": "1"}])
    assert text_layer_usable([{"text": "张"}, {"text": "伟"}])


def test_docx_pasted_certificate_photo_becomes_an_image_page(tmp_path):
    import docx
    from docx.shared import Cm

    photo, logo = tmp_path / "cert.png", tmp_path / "logo.png"
    scan_image((400, 300)).save(photo)
    scan_image((50, 50)).save(logo)
    document = docx.Document()
    document.add_paragraph("学历证书复印件")
    document.add_picture(str(logo), width=Cm(1))
    document.add_picture(str(photo), width=Cm(10))
    buf = io.BytesIO()
    document.save(buf)
    source, pages, issues = pages_of("材料.docx", buf.getvalue())
    assert source.pages == 2 and not issues
    assert [p.kind for p in pages] == ["docx", "image"]
    assert pages[1].image.size == (400, 300) and pages[1].meta["embedded"].startswith("word/media/")
