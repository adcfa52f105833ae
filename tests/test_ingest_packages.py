"""Batches, packages and zip members: layout, name encodings, junk, nesting, originals untouched."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from core.errors import InputNotFoundError
from core.records import SourceFile
from ingest import Member, find_batch_files, find_packages, iter_members, read_file


def jpeg_bytes(size=(60, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, "JPEG")
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    buf = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["姓名", "单位"])
    book.save(buf)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def gbk_zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip as Windows in Chinese writes it: GBK names, flag 0x800 not set.

    Written with same-length ASCII placeholder names, whose bytes are then replaced by the GBK
    bytes in the local and central headers (offsets do not move, CRCs cover data only)."""
    placeholders = {}
    for i, name in enumerate(members):
        raw = name.encode("gbk")
        placeholders[raw] = (f"@{i}@".ljust(len(raw), "#")).encode("ascii")
    data = zip_bytes({ph.decode(): members[raw.decode("gbk")] for raw, ph in placeholders.items()},
                     compression=zipfile.ZIP_STORED)
    for raw, ph in placeholders.items():
        assert data.count(ph) == 2
        data = data.replace(ph, raw)
    return data


def members_of(ref):
    items = list(iter_members(ref))
    return ({m.path: m.data for m in items if isinstance(m, Member)},
            {s.path: s for s in items if isinstance(s, SourceFile)})


@pytest.fixture()
def batch(tmp_path: Path) -> Path:
    root = tmp_path / "batch"
    (root / "张伟").mkdir(parents=True)
    (root / "张伟" / "IMG_0001.jpg").write_bytes(jpeg_bytes())
    (root / "张伟" / "sub").mkdir()
    (root / "张伟" / "sub" / "评审表.xlsx").write_bytes(xlsx_bytes())
    (root / "张伟" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "张伟" / "Thumbs.db").write_bytes(b"junk")
    (root / "李娜.zip").write_bytes(zip_bytes({"李娜/身份证.jpg": jpeg_bytes(),
                                               "__MACOSX/李娜/._身份证.jpg": b"\0\5\26\7",
                                               "李娜/": b""}))
    (root / "王强_no_extension").write_bytes(zip_bytes({"王强/a.jpg": jpeg_bytes()}))
    (root / "汇总表.xlsx").write_bytes(xlsx_bytes())
    (root / "说明.txt").write_text("readme")
    (root / ".DS_Store").write_bytes(b"junk")
    return root


def test_find_packages_folders_and_zips_by_content(batch):
    refs = find_packages(batch)
    assert [(r.key, r.kind) for r in refs] == [("张伟", "dir"), ("李娜", "zip"), ("王强_no_extension", "zip")]
    assert find_batch_files(batch) == [batch / "汇总表.xlsx"]


def test_missing_batch_is_a_typed_error(tmp_path):
    with pytest.raises(InputNotFoundError):
        find_packages(tmp_path / "nope")


def test_folder_members_skip_junk_keep_real_files(batch):
    ref = next(r for r in find_packages(batch) if r.key == "张伟")
    members, failed = members_of(ref)
    assert sorted(members) == ["IMG_0001.jpg", "sub/评审表.xlsx"] and not failed


def test_zip_members_with_utf8_names_keep_top_folder(batch):
    ref = next(r for r in find_packages(batch) if r.key == "李娜")
    members, failed = members_of(ref)
    assert list(members) == ["李娜/身份证.jpg"] and not failed  # __MACOSX and the folder entry skipped
    source, _ = read_file("李娜/身份证.jpg", members["李娜/身份证.jpg"])
    assert source.format == "jpeg"


def test_zip_with_gbk_names_without_utf8_flag(tmp_path):
    path = tmp_path / "赵敏.zip"
    path.write_bytes(gbk_zip_bytes({"赵敏/学历证书.jpg": jpeg_bytes(), "赵敏/评审表.xlsx": xlsx_bytes()}))
    with zipfile.ZipFile(path) as zf:
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
    (ref,) = find_packages(tmp_path)
    members, _ = members_of(ref)
    assert sorted(members) == ["赵敏/学历证书.jpg", "赵敏/评审表.xlsx"]


def test_nested_zip_read_one_level_deeper_refused(tmp_path):
    inner2 = zip_bytes({"deep.jpg": jpeg_bytes()})
    inner = zip_bytes({"c.jpg": jpeg_bytes(), "more.zip": inner2})
    (tmp_path / "p.zip").write_bytes(zip_bytes({"p/a.jpg": jpeg_bytes(), "p/inner.zip": inner}))
    (ref,) = find_packages(tmp_path)
    members, failed = members_of(ref)
    assert sorted(members) == ["p/a.jpg", "p/inner.zip/c.jpg"]
    assert failed["p/inner.zip/more.zip"].issues[0].category == "unsupported"


def test_rar_package_is_reported_not_lost(tmp_path):
    (tmp_path / "孙丽.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + b"\0" * 64)
    (ref,) = find_packages(tmp_path)
    assert (ref.key, ref.kind) == ("孙丽", "archive")
    _, failed = members_of(ref)
    assert failed["孙丽.rar"].status == "failed"


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            out[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def test_originals_are_never_modified(batch):
    before = _snapshot(batch)
    for ref in find_packages(batch):
        for item in iter_members(ref):
            if isinstance(item, Member):
                _, pages = read_file(item.path, item.data)
                list(pages)
    for path in find_batch_files(batch):
        list(read_file(path.name, path.read_bytes())[1])
    assert _snapshot(batch) == before
