"""The fixture factory: deterministic, complete, and its truth matches the files it wrote."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest

from conftest import shared_spec
from fixtures import generate_batch
from fixtures.people import APPRAISAL_NEED, SPECIALTIES, id_check_digit
from fixtures.textfmt import working_days

FINDINGS = shared_spec("findings.md")
DOC_TYPES = ["review_form", "summary_table", "publicity_record", "publicity_photo", "id_card", "diploma",
             "degree_certificate", "chsi_report", "appointment", "probation", "appraisal", "ce_certificate",
             "work_report", "unit_opinion", "commitment", "other"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch")
    return out, generate_batch(out, seed=7, n=20)


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _members(out: Path, key: str, container: str) -> dict[str, bytes]:
    if container == "folder":
        return {str(p.relative_to(out / key)): p.read_bytes() for p in (out / key).rglob("*") if p.is_file()}
    z = zipfile.ZipFile(out / f"{key}.zip")
    res = {}
    for i in z.infolist():
        name = i.filename.encode("cp437").decode("gbk") if container == "zip_gbk" else i.filename
        res[name] = z.read(i)
    return res


def test_same_seed_same_bytes(tmp_path):
    generate_batch(tmp_path / "a", seed=11, n=3)
    generate_batch(tmp_path / "b", seed=11, n=3)
    ha, hb = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert ha == hb and len(ha) > 5


def test_every_document_type_present(batch):
    _, truth = batch
    types = {p["type"] for a in truth["applicants"].values() for p in a["pages"]}
    assert set(DOC_TYPES) <= types


def test_every_rule_planted(batch):
    _, truth = batch
    ids = set(re.findall(r"^\| `([A-Z]+\.[A-Z_]+)` \|", FINDINGS.read_text(encoding="utf-8"), re.M))
    assert len(ids) > 30
    assert ids <= set(truth["rules_expected"])
    planted = {r for a in truth["applicants"].values() for r in a["expected_rules"]}
    assert planted == set(truth["rules_expected"])
    clean = [k for k, a in truth["applicants"].items() if not a["faults"]]
    assert len(clean) >= 0.3 * len(truth["applicants"])


def test_gbk_zip_names(batch):
    out, truth = batch
    gbk = [k for k, a in truth["applicants"].items() if a["container"] == "zip_gbk"]
    assert gbk
    for key in gbk:
        z = zipfile.ZipFile(out / f"{key}.zip")
        for info in z.infolist():
            assert not info.flag_bits & 0x800
            name = info.filename.encode("cp437").decode("gbk")
            assert name.startswith(key + "/")


def test_id_numbers(batch):
    _, truth = batch
    for a in truth["applicants"].values():
        idn = a["true"]["id_number"]
        planted = any("ID.INVALID" in f["rules"] for f in a["faults"])
        assert (id_check_digit(idn[:17]) == idn[17]) != planted
        assert idn[6:14] == a["true"]["birth_date"].replace("-", "")
        assert int(idn[16]) % 2 == (1 if a["true"]["sex"] == "男" else 0)


def test_clean_applicants_are_eligible(batch):
    _, truth = batch
    for a in truth["applicants"].values():
        if a["faults"]:
            continue
        t = a["true"]
        assert t["specialty"] in SPECIALTIES
        tech = dt.date.fromisoformat(t["technician_date"])
        cutoff = {"junior_college": dt.date(2022, 12, 31), "secondary": dt.date(2020, 12, 31)}.get(t["education"])
        assert cutoff is None or tech <= cutoff
        if t["education"] == "bachelor":
            assert t["probation_passed"] is True
        if t["employer_type"] != "non_public" or t["appraisals"]:
            ok = [y for y, g in t["appraisals"].items() if g in ("合格", "称职", "优秀") and int(y) > tech.year]
            assert len(ok) >= APPRAISAL_NEED[t["education"]]
            assert t["appraisals"].get("2023") in ("合格", "称职", "优秀")
        s, e = dt.date.fromisoformat(t["publicity_start"]), dt.date.fromisoformat(t["publicity_end"])
        sub = dt.date.fromisoformat(t["submission_date"])
        assert working_days(s, e) >= 5 and e < sub and dt.date(2024, 12, 16) <= sub <= dt.date(2024, 12, 20)
        assert t["report_present"] and t["opinion_present"] and t["ce_hours"]
        assert a["declared"]["name"] == t["name"] and a["declared"]["id_number"] == t["id_number"]


def test_pages_exist_in_files(batch):
    out, truth = batch
    import pypdfium2 as pdfium
    from PIL import Image

    for key, a in truth["applicants"].items():
        members = _members(out, key, a["container"])
        listed = {f["file"] for f in a["files"]}
        assert listed == set(members), key
        readable = {f["file"] for f in a["files"] if f["readable"]}
        counts: dict[str, int] = {}
        for f in readable:
            data = members[f]
            if f.endswith(".pdf"):
                counts[f] = len(pdfium.PdfDocument(data))
            elif f.endswith((".docx", ".xlsx")):
                counts[f] = 1
            else:
                counts[f] = getattr(Image.open(io.BytesIO(data)), "n_frames", 1)
        seen: dict[str, set] = {}
        for p in a["pages"]:
            assert p["file"] in readable, (key, p["file"])
            assert 1 <= p["page"] <= counts[p["file"]]
            seen.setdefault(p["file"], set()).add(p["page"])
        for f, n in counts.items():
            assert seen.get(f) == set(range(1, n + 1)), (key, f)
