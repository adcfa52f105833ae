"""One test per kind of bad input: each yields a failed (or partial) file with a clear issue."""
from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import pytest
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from core.records import SourceFile
from ingest import Member, find_packages, iter_members, read_file, settle


def pdf_bytes(encrypt=None, pages=3) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt)
    for n in range(pages):
        c.drawString(72, 700, f"page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def jpeg_bytes(size=(800, 600)) -> bytes:
    img = Image.effect_noise(size, 60).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def ole_bytes(stream_name: str) -> bytes:
    """Enough of an OLE2 compound file to be recognised: header magic and a directory name."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    return header + stream_name.encode("utf-16-le") + b"\0" * 1024


def failed_with(path: str, data: bytes, category: str) -> SourceFile:
    source, pages = read_file(path, data)
    assert source.status == "failed", source
    assert list(pages) == []
    assert [i.category for i in source.issues] == [category]
    assert source.issues[0].message  # something a clerk can act on
    return source


def test_corrupt_pdf():
    data = b"%PDF-1.7\n" + os.urandom(2000) + b"\n%%EOF\n"
    failed_with("scan.pdf", data, "corrupt")


def test_truncated_pdf():
    data = pdf_bytes()
    source, pages = read_file("scan.pdf", data[: len(data) * 2 // 3])
    assert "truncated" in [i.category for i in source.issues]
    assert source.status in ("failed", "partial")
    list(pages)


def test_truncated_jpeg():
    data = jpeg_bytes()
    source = failed_with("photo.jpg", data[: len(data) // 2], "truncated")
    assert source.format == "jpeg"


def test_encrypted_pdf_needing_a_password():
    data = pdf_bytes(pdfencrypt.StandardEncryption("secret", ownerPassword="owner"))
    source = failed_with("scan.pdf", data, "encrypted")
    assert "password" in source.issues[0].message


def test_encrypted_pdf_with_empty_user_password_is_read():
    data = pdf_bytes(pdfencrypt.StandardEncryption("", ownerPassword="owner"), pages=1)
    source, pages = read_file("scan.pdf", data)
    assert source.status == "ok" and list(pages)[0].lines[0].text == "page 1"


def test_old_word_doc():
    source = failed_with("评审表.doc", ole_bytes("WordDocument"), "unsupported")
    assert source.format == "doc" and ".docx" in source.issues[0].message


def test_wps_file():
    source = failed_with("评审表.wps", ole_bytes("WordDocument"), "unsupported")
    assert source.format == "wps" and ".docx" in source.issues[0].message


def test_zero_byte_file():
    failed_with("empty.pdf", b"", "empty")


def test_unknown_binary():
    source = failed_with("data.bin", b"\x00\x01\x02garbage" * 100, "unsupported")
    assert source.format == "unknown"


def test_misnamed_jpeg_called_pdf_is_read_as_jpeg():
    source, pages = read_file("scan.pdf", jpeg_bytes((100, 80)))
    assert (source.format, source.status) == ("jpeg", "ok")
    assert list(pages)[0].image.size == (100, 80)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("size", [(100_000, 100_000), (12_000, 12_000)])
def test_image_bomb(size):
    failed_with("bomb.png", _png_header_only(*size), "too_large")


def test_zip_slip_member_refused_others_kept(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("pkg/ok.jpg", jpeg_bytes((50, 50)))
        zf.writestr("../../etc/evil.jpg", b"x")
        zf.writestr("/abs.jpg", b"x")
        zf.writestr("C:/win.jpg", b"x")
    (tmp_path / "pkg.zip").write_bytes(buf.getvalue())
    (ref,) = find_packages(tmp_path)
    items = list(iter_members(ref))
    assert [m.path for m in items if isinstance(m, Member)] == ["pkg/ok.jpg"]
    refused = {s.path: s.issues[0].category for s in items if isinstance(s, SourceFile)}
    assert set(refused.values()) == {"unsafe_path"} and len(refused) == 3


def test_zip_bomb_member_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pkg/bomb.bmp", b"\0" * (30 * 1024 * 1024))  # ~30 KB compressed
        zf.writestr("pkg/ok.jpg", jpeg_bytes((50, 50)))
    (tmp_path / "pkg.zip").write_bytes(buf.getvalue())
    (ref,) = find_packages(tmp_path)
    items = list(iter_members(ref))
    assert [m.path for m in items if isinstance(m, Member)] == ["pkg/ok.jpg"]
    (bomb,) = [s for s in items if isinstance(s, SourceFile)]
    assert (bomb.path, bomb.status, bomb.issues[0].category) == ("pkg/bomb.bmp", "failed", "too_large")


def test_corrupt_zip_package_reported(tmp_path):
    (tmp_path / "pkg.zip").write_bytes(b"PK\x03\x04" + os.urandom(500))
    (ref,) = find_packages(tmp_path)
    (item,) = list(iter_members(ref))
    assert isinstance(item, SourceFile) and item.issues[0].category == "corrupt"


def test_bad_tiff_frame_is_a_page_issue_others_still_come():
    frames = [Image.effect_noise((100, 100), 50).convert("RGB") for _ in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    data = bytearray(buf.getvalue())
    with Image.open(io.BytesIO(bytes(data))) as probe:
        probe.seek(1)
        offset, count = probe.tag_v2[273][0], probe.tag_v2[279][0]  # frame 2's strip
    data[offset:offset + count] = b"\xff" * count
    source, stream = read_file("scan.tif", bytes(data))
    items = list(stream)
    assert source.pages == 3
    assert [(type(i).__name__, i.page) for i in items] == [("RawPage", 1), ("IngestIssue", 2), ("RawPage", 3)]
    assert items[1].stage == "render" and settle(source, [items[1]]).status == "partial"
