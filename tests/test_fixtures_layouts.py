"""The fixture factory's alternative layouts: deterministic, every document type covered, the layout
recorded per page, and each page's key texts hold the values the truth claims (no OCR here)."""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from pathlib import Path

import pytest

from fixtures import generate_batch
from fixtures.alt_common import alt_style
from fixtures.layouts import ALT
from fixtures.package import style_for
from fixtures.people import make_applicant, true_fields

SEED, N = 2, 3  # a seed whose three clean applicants show every document type in its alternative form
HZ = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0}
FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


@pytest.fixture(scope="module")
def alt_batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("alt")
    return out, generate_batch(out, seed=SEED, n=N, faults=False, layouts="alt")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _hz(s: str) -> int:
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (HZ[tens] if tens else 1) * 10 + (HZ[ones] if ones else 0)
    return int("".join(str(HZ[c]) for c in s))


def dates_in(text: str) -> set[str]:
    """Every full date printed in `text` as ISO: 2024年11月25日, ２０２４年…, 2024.11.25, 2024.9.1, 2024-11-25,
    二〇二四年十一月二十五日, 2024 年 11 月 25 日, and a range's year-less end (至11月29日止)."""
    t = re.sub(r"\s*([年月日])\s*", r"\1", text.translate(FULLWIDTH))
    t = re.sub(r"([〇○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日",
               lambda m: f"{_hz(m[1])}年{_hz(m[2])}月{_hz(m[3])}日", t)
    out, year = set(), None
    full = r"(\d{4})(?:年(\d{1,2})月(\d{1,2})日|[./-](\d{1,2})[./-](\d{1,2}))"
    for m in re.finditer(full + r"|(?<![\d年])(\d{1,2})月(\d{1,2})日", t):
        if m[1]:
            year = int(m[1])
            mo, d = (m[2], m[3]) if m[2] else (m[4], m[5])
        elif year:
            mo, d = m[6], m[7]
        else:
            continue
        out.add(dt.date(year, int(mo), int(d)).isoformat())
    return out


def test_dates_in_reads_every_style():
    assert dates_in("二〇二四年十一月二十五日至二○二四年十二月二日") == {"2024-11-25", "2024-12-02"}
    assert dates_in("自2024年11月25日至11月29日止") == {"2024-11-25", "2024-11-29"}
    assert dates_in("２０２１年１０月１日 2021.9.1 2024.11.25—2024.11.29 1990 年 7 月 18 日") == {
        "2021-10-01", "2021-09-01", "2024-11-25", "2024-11-29", "1990-07-18"}


def test_alt_batch_is_deterministic(alt_batch, tmp_path):
    out, _ = alt_batch
    generate_batch(tmp_path / "again", seed=SEED, n=N, faults=False, layouts="alt")
    assert _hashes(out) == _hashes(tmp_path / "again")


def test_every_document_type_in_alt_form(alt_batch):
    _, truth = alt_batch
    alt = {p["type"] for a in truth["applicants"].values() for p in a["pages"] if p["layout"] == "alt"}
    assert set(ALT) <= alt
    assert len(set(ALT)) == 14


def test_pages_carry_their_layout(alt_batch):
    _, truth = alt_batch
    for a in truth["applicants"].values():
        for p in a["pages"]:
            if p["type"] in ("summary_table", "other") or p["degradation"] == "docx":
                assert p["layout"] == "default", p  # no alternative: DOCX/XLSX and unrelated pages
            else:
                assert p["layout"] == "alt", p


def test_key_texts_are_printed(alt_batch):
    """A key text is on one printed line (never wrapped), as for the default layouts."""
    _, truth = alt_batch
    for key, a in truth["applicants"].items():
        for p in a["pages"]:
            for k in p["key_texts"]:
                assert any(k in line for line in p["lines"]), (key, p["file"], p["type"], k)


def _check_page(p: dict, t: dict, declared: dict) -> None:
    keys = p["key_texts"]
    dates = set().union(*(dates_in(k) for k in keys)) if keys else set()
    ty = p["type"]
    if ty == "appointment":
        assert t["technician_date"] in dates  # the effective date, not the issue date alone
    elif ty in ("diploma", "degree_certificate"):
        assert t["graduation_date"] in dates and t["name"] in keys
    elif ty == "chsi_report":
        assert t["graduation_date"] in dates and t["id_number"] in keys and t["major"] in keys
    elif ty == "id_card":
        assert t["id_number"] in keys and t["name"] in keys and t["birth_date"] in dates
    elif ty == "probation":
        assert t["probation_end_date"] in dates
        assert ("不合格" in keys) == (not t["probation_passed"]) and "合格" in "".join(keys)
    elif ty == "appraisal":
        years = {m[1] for k in keys if (m := re.fullmatch(r"(20\d\d)\s*年度?", k))}
        assert len(years) == 1 and t["appraisals"][years.pop()] in keys
    elif ty == "ce_certificate":
        years = {m[1] for k in keys if (m := re.fullmatch(r"(20\d\d)年度?(?:小计)?", k))}
        assert years and years <= set(t["ce_hours"])
        for y in years:
            h = t["ce_hours"][y]
            assert str(h) in keys or f"{h}学时" in keys
    elif ty in ("publicity_record", "publicity_photo"):
        assert {t["publicity_start"], t["publicity_end"]} <= dates
    elif ty == "unit_opinion":
        assert t["specialty"] in keys
    elif ty == "commitment":
        assert t["submission_date"] in dates
    elif ty == "review_form":  # a cover page, then the grid (the document's declared values: see below)
        assert declared["specialty"] in keys and declared["name"] in keys


def test_key_texts_hold_the_truth(alt_batch):
    _, truth = alt_batch
    checked = set()
    for key, a in truth["applicants"].items():
        for p in a["pages"]:
            if p["layout"] == "alt":
                try:
                    _check_page(p, a["true"], a["declared"])
                except AssertionError as e:
                    raise AssertionError(f"{key} {p['file']} p{p['page']} {p['type']}: {p['key_texts']}") from e
                checked.add(p["type"])
        docs: dict[tuple[str, int], list[str]] = {}  # key texts of each multi-page document
        for p in a["pages"]:
            if p["layout"] == "alt" and p["type"] in ("review_form", "work_report"):
                docs.setdefault((p["type"], p["doc_index"]), []).extend(p["key_texts"])
        for (ty, _), keys in docs.items():
            if ty == "work_report":  # the four section headings, one page or another
                assert len(set(keys)) == 4, keys
                continue
            d = a["declared"]
            assert {d["id_number"], d["school"], d["major"]} <= set(keys), keys
            assert dt.date.fromisoformat(d["submission_date"]).isoformat() in set().union(*map(dates_in, keys))
    assert checked == set(ALT)


def test_mixed_batch_holds_both_layouts(tmp_path):
    truth = generate_batch(tmp_path, seed=5, n=2, faults=False, layouts="mixed")
    layouts = {p["layout"] for a in truth["applicants"].values() for p in a["pages"] if p["type"] in ALT
               and p["degradation"] != "docx"}
    assert layouts == {"default", "alt"}


def test_unknown_layouts_refused(tmp_path):
    with pytest.raises(ValueError, match="default, alt, mixed"):
        generate_batch(tmp_path, seed=1, n=1, layouts="fancy")


@pytest.mark.parametrize("seed", range(4))
def test_fault_switches_reach_the_alt_renderers(seed):
    """The renderer-level switches faults.py sets are honoured by the alternative layouts too."""
    rng = random.Random(seed)
    a = make_applicant(rng, 0, set(), education="bachelor")
    st = alt_style(rng, style_for(rng))
    a.extra.update(pub_no_opinion=True, opinion_flat=True, probation_result="不合格", no_unit_seal=True,
                   no_applicant_sign=True, chsi_major="测绘工程", appraisal_name={2023: "王玮"})
    a.probation_passed = False
    pub = ALT["publicity_record"](a, rng, st)[0]
    assert "单位鉴定意见" not in "".join(pub.lines)
    opinion = ALT["unit_opinion"](a, rng, st)[0]
    assert "品德条件" not in "".join(opinion.lines) and a.specialty in opinion.key_texts
    assert "不合格" in ALT["probation"](a, rng, st)[0].key_texts
    assert "测绘工程" in ALT["chsi_report"](a, rng, st)[0].key_texts
    assert "王玮" in ALT["appraisal"](a, rng, st, 2023, "合格").key_texts
    commit = ALT["commitment"](a, rng, st)[0]
    assert a.name not in commit.lines  # the applicant's signature is missing
    appointment = ALT["appointment"](a, rng, st)[0]
    line, _ = appointment.meta["edit_box"]  # where the image_edited/pdf_edited faults patch
    assert any(k in line for k in dates_in_keys(appointment.key_texts, a.technician_date))
    pages, declared = ALT["review_form"](a, rng, true_fields(a), {}, st)
    assert declared["id_number"] == a.id_number and len(pages) == 2


def dates_in_keys(keys: list[str], d: dt.date) -> list[str]:
    return [k for k in keys if d.isoformat() in dates_in(k)]
