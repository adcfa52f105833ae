"""Signs of editing in images and PDFs (extract/forensics*.py) and the FRAUD.* findings they give
(verify/checks_fraud.py), on real files built here: JPEGs with EXIF written by Pillow, pasted patches,
PDFs from reportlab and the fixture writer, revisions appended as editors and signers append them.
Every indicator has a positive case, a negative one and a near miss."""
from __future__ import annotations

import datetime as dt
import io
import random
import re

import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from core.records import Document, Dossier, SourceFile
from dossier.pipeline import Options, read_member
from extract.extractors import ExtractContext
from extract.forensics import ela_windows, forensic_readings, load_config, metadata_indicators
from extract.forensics_pdf import pdf_date, revision_ends
from extract.images import MemberImages
from fixtures import degrade
from fixtures.pdfwrite import edit_pdf, image_pdf
from ingest.images import exif_meta
from verify.checks_fraud import image_edited, pdf_edited
from verify.rules import load_rules

CFG = load_config()
SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SANS = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
LINES = ["关于聘任专业技术职务的通知", "各科室、各区队：", "根据工作需要和本人工作表现，经研究决定，聘任张伟同志为技术员，",
         "聘期自2011年07月01日起，享受相应待遇。", "希望被聘任同志珍惜岗位，认真履职，不断提高专业技术水平。",
         "特此通知。", "阳城县泽源煤业有限公司", "二〇一一年六月二十六日"]
PATCHED = 3  # the effective-date line


# ---- files ----------------------------------------------------------------------------------------


def _jpeg(img: Image.Image, quality: int, **exif_tags) -> bytes:
    exif = Image.Exif()
    ifd0 = {"Make": 0x010F, "Model": 0x0110, "Software": 0x0131, "DateTime": 0x0132}
    for name, tag in ifd0.items():
        if name in exif_tags:
            exif[tag] = exif_tags[name]
    if "DateTimeOriginal" in exif_tags:
        exif.get_ifd(0x8769)[0x9003] = exif_tags["DateTimeOriginal"]
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, exif=exif.tobytes())
    return buf.getvalue()


def _meta(data: bytes) -> dict[str, str]:
    img = Image.open(io.BytesIO(data))
    return {**exif_meta(img), "format": (img.format or "").lower()}


def _letter() -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    """An appointment letter (200 dpi, cropped below the text), scanned; the boxes of its lines."""
    img = Image.new("RGB", (1654, 1100), "white")
    draw = ImageDraw.Draw(img)
    boxes = []
    for i, text in enumerate(LINES):
        font = ImageFont.truetype(SERIF, 44 if i == 0 else 36)
        xy = (400 if i == 0 else 150, 80 + 120 * i)
        draw.text(xy, text, font=font, fill=(0, 0, 0))
        boxes.append(draw.textbbox(xy, text, font=font))
    return degrade.scanner(img, random.Random(1), grey=False, skew=False), boxes


def _patch(img: Image.Image, box) -> Image.Image:
    x0, y0, x1, y1 = box
    return degrade.paste_patch(img, (x0 - 6, y0 - 6, x1 + 6, y1 + 6), LINES[PATCHED].replace("2011", "2010"),
                               ImageFont.truetype(SANS, int((y1 - y0) * 0.95)), random.Random(5))


@pytest.fixture(scope="module")
def letters():
    """Three JPEGs of the letter, OCR'd: a scanner JPEG (q75) re-saved at q95 without edits; the same
    JPEG with the date line pasted over, then saved at q95 by Photoshop; the patch pasted before the
    file's only compression."""
    scan, boxes = _letter()
    first = _jpeg(scan, 75)
    decoded = Image.open(io.BytesIO(first)).convert("RGB")
    files = {
        "resaved.jpg": _jpeg(decoded, 95),
        "edited.jpg": _jpeg(_patch(decoded, boxes[PATCHED]), 95, Software="Adobe Photoshop 25.0 (Windows)"),
        "patched_once.jpg": _jpeg(_patch(scan, boxes[PATCHED]), 90),
    }
    pages = {name: read_member(name, data, Options())[1][0] for name, data in files.items()}
    return files, pages, boxes[PATCHED]


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h) / ((b[2] - b[0]) * (b[3] - b[1]))


def _dossier(name: str, data: bytes, pages, doc_type: str, fmt: str) -> tuple[Dossier, list[Document]]:
    docs = [Document(type=doc_type, file=name, pages=tuple(p.page for p in pages), sha256="")]
    dossier = Dossier(applicant="张伟", files=(SourceFile(path=name, sha256="", size=len(data), format=fmt),),
                      pages=tuple(pages), documents=tuple(docs))
    return dossier, docs


def _checked(name: str, data: bytes, pages, doc_type: str, fmt: str):
    dossier, docs = _dossier(name, data, pages, doc_type, fmt)
    values = forensic_readings(dossier, docs, ExtractContext(images=MemberImages({name: data})))
    dossier = dossier.model_copy(update={"values": tuple(values)})
    return values, image_edited(dossier, load_rules()) + pdf_edited(dossier, load_rules())


# ---- images: metadata -----------------------------------------------------------------------------

PHOTO = Image.new("RGB", (320, 240), (200, 190, 170))
TAKEN = "2024:12:05 10:21:07"


def test_editor_software_in_exif():
    for software in ("Adobe Photoshop 25.0 (Windows)", "MTXX (Meitu)", "PS Express 3.5", "GIMP 2.10.36"):
        kinds = [i["kind"] for i in metadata_indicators(_meta(_jpeg(PHOTO, 90, Software=software)), None, CFG)]
        assert kinds == ["editor_software"], software
    # near miss: a phone's own firmware writes Software too
    for software in ("MIUI Camera", "HDR+ 1.0.540104767zd", "17.1.2"):
        data = _jpeg(PHOTO, 90, Make="Apple", Model="iPhone 12", Software=software, DateTime=TAKEN,
                     DateTimeOriginal=TAKEN)
        assert metadata_indicators(_meta(data), "publicity_photo", CFG) == [], software


def test_saved_long_after_capture():
    data = _jpeg(PHOTO, 90, Make="HUAWEI", Model="ELS-AN00", DateTime="2024:12:05 13:40:00", DateTimeOriginal=TAKEN)
    found = metadata_indicators(_meta(data), "publicity_photo", CFG)
    assert [i["kind"] for i in found] == ["modified_after_capture"]
    assert found[0]["taken"] == "2024-12-05 10:21:07"
    near = _jpeg(PHOTO, 90, Make="HUAWEI", Model="ELS-AN00", DateTime="2024:12:05 10:23:00", DateTimeOriginal=TAKEN)
    assert metadata_indicators(_meta(near), "publicity_photo", CFG) == []  # a phone writes its file a little later


def test_photo_without_camera_data():
    bare = _jpeg(PHOTO, 90)
    assert [i["kind"] for i in metadata_indicators(_meta(bare), "publicity_photo", CFG)] == ["no_camera_data"]
    assert metadata_indicators(_meta(bare), "appointment", CFG) == []  # a scan is no photo
    buf = io.BytesIO()
    PHOTO.save(buf, "PNG")  # a screenshot of the posting has no camera
    assert metadata_indicators(_meta(buf.getvalue()), "publicity_photo", CFG) == []
    phone = _jpeg(PHOTO, 90, Make="Xiaomi", Model="Redmi K40", DateTime=TAKEN, DateTimeOriginal=TAKEN)
    assert metadata_indicators(_meta(phone), "publicity_photo", CFG) == []


# ---- images: error-level analysis -----------------------------------------------------------------


def test_pasted_patch_stands_out_against_text_windows(letters):
    files, pages, patch = letters
    regions = ela_windows(files["edited.jpg"], pages["edited.jpg"], CFG)
    assert regions, "the patch pasted into a compressed scan was not found"
    assert _overlap(regions[0]["bbox"], patch) > 0.5
    assert regions[0]["z"] >= CFG.ela_z and regions[0]["ratio"] >= CFG.ela_ratio
    assert all(_overlap(r["bbox"], patch) > 0.5 for r in regions)  # nothing else on the page


def test_resaved_jpeg_is_uniform(letters):
    files, pages, _ = letters
    assert ela_windows(files["resaved.jpg"], pages["resaved.jpg"], CFG) == []


def test_patch_before_the_only_compression_is_not_claimed(letters):
    files, pages, _ = letters  # one compression for the whole page: ELA cannot tell, and says nothing
    assert ela_windows(files["patched_once.jpg"], pages["patched_once.jpg"], CFG) == []


def test_image_edited_finding_marks_the_region(letters):
    files, pages, patch = letters
    values, findings = _checked("edited.jpg", files["edited.jpg"], [pages["edited.jpg"]], "appointment", "jpeg")
    kinds = [i["kind"] for i in values[0].value]
    assert kinds[0] == "editor_software" and "recompression_region" in kinds
    assert [f.rule for f in findings] == ["FRAUD.IMAGE_EDITED"]
    f = findings[0]
    assert f.severity == "warn" and "疑似" in f.message and "请人工核对原件" in f.message and "Photoshop" in f.message
    assert any(e.bbox and _overlap(e.bbox, patch) > 0.5 for e in f.evidence)
    values, findings = _checked("resaved.jpg", files["resaved.jpg"], [pages["resaved.jpg"]], "appointment", "jpeg")
    assert values == [] and findings == []


# ---- PDFs -----------------------------------------------------------------------------------------


def _text_pdf(producer: str = "ReportLab PDF Library - www.reportlab.com") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setProducer(producer)
    for i, text in enumerate(["Appointment", "Effective from 2011-07-01", "Yangcheng Zeyuan Coal Co."]):
        c.drawString(72, 760 - 30 * i, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def _with_info(data: bytes, **info) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for key, value in info.items():
            pdf.docinfo[f"/{key}"] = value
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _append_update(data: bytes, objects: dict[int, bytes]) -> bytes:
    """An incremental update (as editors and signers write it) redefining or adding `objects`."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        size, root = int(pdf.trailer.Size), pdf.Root.objgen[0]
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for n in sorted(objects):
        offsets[n] = len(out)
        out += b"%d 0 obj\n" % n + objects[n] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for n in sorted(objects):
        out += b"%d 1\n%010d 00000 n \n" % (n, offsets[n])
    size = max(size, max(objects) + 1)
    out += b"trailer\n<</Size %d/Root %d 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (size, root, prev, xref)
    return bytes(out)


def _page_and_catalog(data: bytes) -> tuple[int, bytes, int, bytes, int]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0].obj
        return (page.objgen[0], page.unparse(resolved=True), pdf.Root.objgen[0], pdf.Root.unparse(resolved=True),
                int(pdf.trailer.Size))


def _pdf_pages(name: str, data: bytes):
    return read_member(name, data, Options())[1]


def test_clean_pdfs_show_nothing():
    for data in (_text_pdf(), _text_pdf("EPSON Scan"), _text_pdf("Microsoft: Print To PDF")):
        values, findings = _checked("a.pdf", data, _pdf_pages("a.pdf", data), "appointment", "pdf")
        assert values == [] and findings == []


def test_editor_producer():
    data = _with_info(_text_pdf(), Producer="PDF-XChange Editor 9.5.368")
    values, findings = _checked("a.pdf", data, _pdf_pages("a.pdf", data), "appointment", "pdf")
    assert [i["kind"] for i in values[0].value] == ["editor_producer"]
    assert [f.rule for f in findings] == ["FRAUD.PDF_EDITED"] and "PDF-XChange" in findings[0].message
    assert "疑似" in findings[0].message and "请人工核对原件" in findings[0].message
    near = _with_info(_text_pdf(), Producer="Adobe Acrobat Scan 2.3")  # a scanning app, not an editor
    assert _checked("a.pdf", near, _pdf_pages("a.pdf", near), "appointment", "pdf") == ([], [])


def test_modified_long_after_creation():
    made = "D:20241203091500+08'00'"
    data = _with_info(_text_pdf(), CreationDate=made, ModDate="D:20241213164000+08'00'")
    values, findings = _checked("a.pdf", data, _pdf_pages("a.pdf", data), "appointment", "pdf")
    assert [i["kind"] for i in values[0].value] == ["modified_after_creation"] and findings
    near = _with_info(_text_pdf(), CreationDate=made, ModDate="D:20241203092000+08'00'")
    assert _checked("a.pdf", near, _pdf_pages("a.pdf", near), "appointment", "pdf") == ([], [])
    assert pdf_date("D:20241203091500+08'00'") == dt.datetime(2024, 12, 3, 1, 15, tzinfo=dt.timezone.utc)


def test_xmp_history_names_an_editor():
    def with_history(agent: str) -> bytes:
        xmp = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
               f'<rdf:Description xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
               f'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"><xmpMM:History><rdf:Seq>'
               f'<rdf:li rdf:parseType="Resource"><stEvt:action>saved</stEvt:action>'
               f'<stEvt:softwareAgent>{agent}</stEvt:softwareAgent></rdf:li>'
               f'</rdf:Seq></xmpMM:History></rdf:Description></rdf:RDF></x:xmpmeta>').encode()
        with pikepdf.open(io.BytesIO(_text_pdf())) as pdf:
            pdf.Root.Metadata = pdf.make_stream(xmp, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
            out = io.BytesIO()
            pdf.save(out)
            return out.getvalue()

    data = with_history("Adobe Acrobat Pro 24.2")
    values, _ = _checked("a.pdf", data, _pdf_pages("a.pdf", data), "appointment", "pdf")
    assert [i["kind"] for i in values[0].value] == ["xmp_history"]
    near = with_history("Adobe InDesign 19.0 (Windows)")  # the program that made it
    assert _checked("a.pdf", near, _pdf_pages("a.pdf", near), "appointment", "pdf") == ([], [])


def test_linearized_file_is_one_revision():
    with pikepdf.open(io.BytesIO(_text_pdf())) as pdf:
        out = io.BytesIO()
        pdf.save(out, linearize=True)
    data = out.getvalue()
    assert data.count(b"%%EOF") == 2 and len(revision_ends(data)) == 1
    assert _checked("a.pdf", data, _pdf_pages("a.pdf", data), "appointment", "pdf") == ([], [])


def test_incremental_update_that_changes_the_page():
    data = _text_pdf()
    page_no, page, _, _, size = _page_and_catalog(data)
    cover = b"q 0 0 0 rg 72 700 180 20 re f Q"  # a box drawn over the "Effective from" line
    new_page = page.replace(b"/Contents", b"/Contents [", 1)
    new_page = re.sub(rb"/Contents \[\s*(\d+ \d+ R)", rb"/Contents [ \1 %d 0 R ]" % size, new_page)
    edited = _append_update(data, {page_no: new_page, size: b"<</Length %d>>\nstream\n" % len(cover) + cover
                                   + b"\nendstream"})
    assert len(revision_ends(edited)) == 2
    pages = _pdf_pages("a.pdf", edited)
    values, findings = _checked("a.pdf", edited, pages, "appointment", "pdf")
    kinds = {i["kind"]: i for i in values[0].value}
    assert set(kinds) == {"incremental_update", "page_changed"} and kinds["page_changed"]["change"] == "region"
    x0, y0, x1, y1 = findings[0].evidence[0].bbox  # PDF points from the top, as the text layer's boxes
    height = pages[0].height
    assert abs(x0 - 72) <= 2 and abs(x1 - 252) <= 2 and abs(y0 - (height - 720)) <= 2 and abs(y1 - (height - 700)) <= 2
    assert "在生成后被修改过" in findings[0].message and "疑似" not in findings[0].message


def test_signature_only_update_is_no_finding():
    data = _text_pdf()
    page_no, page, root_no, root, size = _page_and_catalog(data)
    sig, widget = size, size + 1
    objects = {
        sig: b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached/ByteRange[0 0 0 0]/Contents<" +
             b"00" * 64 + b">/M(D:20241210100000+08'00')>>",
        widget: b"<</Type/Annot/Subtype/Widget/FT/Sig/T(Signature1)/Rect[0 0 0 0]/F 132/V %d 0 R/P %d 0 R>>"
                % (sig, page_no),
        page_no: page[:-2] + b"/Annots[%d 0 R]>>" % widget,
        root_no: root[:-2] + b"/AcroForm<</Fields[%d 0 R]/SigFlags 3>>>>" % widget,
    }
    signed = _append_update(data, objects)
    values, findings = _checked("a.pdf", signed, _pdf_pages("a.pdf", signed), "appointment", "pdf")
    assert [(i["kind"], i["strength"]) for i in values[0].value] == [("signature_update", "info")]
    assert findings == []


def test_scanned_pdf_page_replaced_marks_the_changed_region():
    scan, boxes = _letter()
    grey = scan.convert("L")
    original = image_pdf([(grey, 200, 80)], {"Producer": "Canon iR-ADV C5535 PDF",
                                             "CreationDate": "D:20241203091500+08'00'"})
    patched = _patch(scan, boxes[PATCHED]).convert("L")
    edited = edit_pdf(original, 0, patched, 80, {"Producer": "Adobe Acrobat Pro (64-bit) 24.2.20687",
                                                 "CreationDate": "D:20241203091500+08'00'",
                                                 "ModDate": "D:20241209101500+08'00'"})
    pages = _pdf_pages("scan.pdf", edited)
    assert pages[0].source.startswith("ocr:")
    values, findings = _checked("scan.pdf", edited, pages, "appointment", "pdf")
    kinds = [i["kind"] for i in values[0].value]
    assert kinds == ["editor_producer", "modified_after_creation", "incremental_update", "page_changed"]
    scale = pages[0].width / scan.width  # the page as rendered and normalised for OCR
    patch = tuple(v * scale for v in boxes[PATCHED])
    bbox = findings[0].evidence[0].bbox
    assert bbox is not None and _overlap(bbox, patch) > 0.8
    assert (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) < 3 * (patch[2] - patch[0]) * (patch[3] - patch[1])
    # the original, as the scanner wrote it, shows nothing
    values, findings = _checked("scan.pdf", original, _pdf_pages("scan.pdf", original), "appointment", "pdf")
    assert values == [] and findings == []
