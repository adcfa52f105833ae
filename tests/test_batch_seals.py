"""FRAUD.SEAL_PASTED across the batch (verify/batch_seals.py), on pages rendered and degraded by the fixture
factory. The dossiers are built as ingest and the extraction leave them for this check — pages typed (from
truth.json: the check reads no text), seals found by the extraction's own `find_seals` / `seal_reading` —
then fingerprinted and checked for real.

Positive: the planted `pasted_seal` (one impression on a phone photo and on a grey scan) found and boxed on
both pages; one impression turned, rescaled and recompressed in another applicant's dossier found for both.
Negative: every applicant's hand-stamped impressions of one unit seal (of one applicant and across two of
one unit) give nothing. Near misses: two impressions of one seal drawn with another Random on two documents
(same design, laid on each other), and one sheet scanned twice (one impression, but one document)."""
from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.records import Document, Dossier, PageText
from extract.images import MemberImages
from extract.seals import SEALED, find_seals, seal_reading
from fixtures import degrade, docs_forms, generate_batch
from fixtures.package import style_for
from fixtures.people import make_applicant
from fixtures.seal import HELD, PASTED, pasted_pages
from ingest import find_packages, iter_members
from ingest.members import Member
from verify.batch import fingerprint
from verify.batch_seals import DESIGN, PASTED as PASTED_AT, Seal, pasted_seals
from verify.rules import load_rules
from verify.seal_impression import aligned_texture, design_match, onto

RULE = "FRAUD.SEAL_PASTED"
STYLE = {**style_for(random.Random(3)), "font": "NotoSerifCJK-Regular.ttc", "dpi": 200}


# --- dossiers as the check sees them -------------------------------------------------------------------

def with_seals(key: str, pages: list[PageText], documents: list[Document], images: MemberImages) -> Dossier:
    """The dossier with `unit_sealed` read from the pixels as extract.seals does it (signatures aside)."""
    by_page = {(p.file, p.page): p for p in pages}
    values = []
    for doc in documents:
        if doc.type in SEALED:
            mine = [by_page[(doc.file, n)] for n in doc.pages]
            values.append(seal_reading(doc, mine, {(p.file, p.page): (find_seals(images.colour(p)), None, None)
                                                   for p in mine}))
    return Dossier(applicant=key, pages=tuple(pages), documents=tuple(documents), values=tuple(values))


def page_text(images: MemberImages, file: str, page: int, rotation: int = 0) -> PageText:
    """An image page as OCR leaves it (sized by its image, turned upright by `rotation`)."""
    text = PageText(file=file, page=page, width=1, height=1, source="ocr:rapidocr@1", rotation=rotation)
    image = images.colour(text)
    return text.model_copy(update={"width": image.width, "height": image.height})


def batch_dossier(truth: dict, ref) -> tuple[Dossier, MemberImages]:
    """A generated package's image pages, typed and grouped into documents by truth.json."""
    images = MemberImages({m.path: m.data for m in iter_members(ref) if isinstance(m, Member)})
    pages, grouped = [], {}
    for p in truth["applicants"][ref.key]["pages"]:
        if p["degradation"] not in ("docx", "text_layer"):
            pages.append(page_text(images, p["file"], p["page"], (360 - p["rotation"]) % 360))
            grouped.setdefault((p["file"], p["doc_index"], p["type"]), []).append(p["page"])
    documents = [Document(type=t, file=f, pages=tuple(ns), sha256="0" * 64) for (f, _, t), ns in grouped.items()]
    return with_seals(ref.key, pages, documents, images), images


def files_dossier(key: str, files: dict[str, tuple[Image.Image, str]]) -> tuple[Dossier, MemberImages]:
    """A dossier of one-page JPEG files (name → (page image, document type))."""
    images = MemberImages({name: jpeg(image) for name, (image, _) in files.items()})
    pages = [page_text(images, name, 1) for name in files]
    documents = [Document(type=t, file=name, pages=(1,), sha256="0" * 64) for name, (_, t) in files.items()]
    return with_seals(key, pages, documents, images), images


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def prints_of(tmp_path: Path, dossiers: list[tuple[Dossier, MemberImages]]):
    return [fingerprint(d, images, tmp_path / d.applicant, tmp_path) for d, images in dossiers]


def scanned(image: Image.Image, seed: int, grey: bool = True) -> Image.Image:
    return degrade.scanner(image, random.Random(seed), grey=grey)


def applicant(seed: int, **same):
    a = make_applicant(random.Random(seed), seed, set(), education="bachelor")
    for k, v in same.items():
        setattr(a, k, v)
    return a


@pytest.fixture(scope="module")
def rules():
    return load_rules()


# --- a generated batch with the planted fault ------------------------------------------------------------

@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Seed 5, three applicants, no other fault; the first one pastes its seal (two of them work for one unit)."""
    root = tmp_path_factory.mktemp("seals")
    truth = generate_batch(root / "batch", seed=5, n=3, faults=False, plant={0: ("pasted_seal",)})
    refs = {ref.key: ref for ref in find_packages(root / "batch")}
    prints = prints_of(root / "out", [batch_dossier(truth, refs[key]) for key in sorted(refs)])
    return truth, prints, pasted_seals(prints, load_rules(), root / "out")


def test_the_planted_pasted_seal_is_found_and_boxed_on_both_pages(planted):
    truth, prints, found = planted
    (key,) = [k for k, app in truth["applicants"].items() if any(f["kind"] == "pasted_seal" for f in app["faults"])]
    (f,) = found[key]
    assert f.rule == RULE and f.severity == "warn" and f.clause == "五(二)"
    expected = pasted_pages(truth["applicants"][key])
    assert {(ev.file, ev.page) for ev in f.evidence} == expected and len(f.evidence) == 2
    seals = {(s.file, s.page): s for fp in prints if fp.applicant == key for s in fp.seals}
    for ev in f.evidence:  # the box is the seal's: its traced rim's centre lies in it
        cx, cy = seals[(ev.file, ev.page)].ellipse[:2]
        assert ev.bbox[0] < cx < ev.bbox[2] and ev.bbox[1] < cy < ev.bbox[3]
    assert "复制粘贴" in f.message and "请人工核对原件" in f.message
    kinds = {p["degradation"] for p in truth["applicants"][key]["pages"] if (p["file"], p["page"]) in expected}
    assert kinds == {"phone", "scanner"}  # one copy photographed, one scanned: not bit-identical


def test_hand_stamped_impressions_of_one_unit_seal_give_nothing(planted):
    """The clean applicants (two of them stamped by one unit) and the planted applicant's other seals."""
    truth, prints, found = planted
    clean = [k for k, app in truth["applicants"].items() if not app["faults"]]
    assert len(clean) == 2 and not any(k in found for k in clean)
    by_key = {fp.applicant: fp for fp in prints}
    assert all(len(by_key[k].seals) >= 4 for k in clean)  # several impressions each were compared
    assert all(len(s.impression) < 16_000 for fp in prints for s in fp.seals)  # ~11 KB a seal
    employers = [truth["applicants"][k]["true"]["employer"] for k in truth["applicants"]]
    assert len(set(employers)) < len(employers)  # impressions of one unit seal across applicants too


# --- rendered pages: near misses and a paste across applicants ------------------------------------------

def test_two_impressions_of_one_seal_with_another_random_are_not_one(tmp_path, rules):
    a = applicant(21)
    opinion = docs_forms.unit_opinion(a, random.Random(1), STYLE)[0].image
    commitment = docs_forms.commitment(a, random.Random(2), STYLE)[0].image
    prints = prints_of(tmp_path, [files_dossier("甲", {"opinion.jpg": (scanned(opinion, 1, grey=False), "unit_opinion"),
                                                       "commit.jpg": (scanned(commitment, 2, grey=False), "commitment")})])
    assert pasted_seals(prints, rules, tmp_path) == {}
    first, second = (Seal(prints[0], s).impression() for s in prints[0].seals)
    assert design_match(first, second, onto(first, second)) >= DESIGN  # one design, laid on each other ...
    assert aligned_texture(first, second) < PASTED_AT / 2  # ... but two impressions


def test_one_impression_turned_rescaled_and_recompressed_in_another_dossier_is_found_for_both(tmp_path, rules):
    a = applicant(22)
    b = applicant(23, employer=a.employer, employer_short=a.employer_short)
    a.extra = b.extra = switches = {PASTED: True}  # one impression shared by the two applicants' renderers
    source = docs_forms.publicity_record(a, random.Random(4), STYLE)[0].image
    held = Image.fromarray((switches[HELD] * 255).astype("uint8"))
    held = held.rotate(17, resample=Image.BICUBIC, expand=True)
    held = held.resize((held.width * 9 // 10, held.height * 9 // 10), Image.LANCZOS)
    switches[HELD] = np.asarray(held, dtype=np.float32) / 255.0  # the paste: turned 17°, at 90 %
    copy = docs_forms.appointment(b, random.Random(5), STYLE)[0].image
    copy = scanned(copy, 6, grey=False)
    copy = copy.resize((copy.width * 4 // 5, copy.height * 4 // 5), Image.LANCZOS)
    prints = prints_of(tmp_path, [
        files_dossier("甲-单位", {"pub.jpg": (scanned(source, 3), "publicity_record")}),
        files_dossier("乙-单位", {"appt.jpg": (Image.open(io.BytesIO(jpeg(copy, 60))), "appointment")}),
    ])
    found = pasted_seals(prints, rules, tmp_path)
    assert sorted(found) == ["乙-单位", "甲-单位"]
    for key, mine, theirs in (("甲-单位", "pub.jpg", "appt.jpg"), ("乙-单位", "appt.jpg", "pub.jpg")):
        (f,) = found[key]
        assert [ev.file for ev in f.evidence] == [mine, theirs]  # its own seal first, then the other's
        assert all(ev.bbox is not None for ev in f.evidence)
        assert "申报人" in f.message and "均已标注" in f.message


def test_one_sheet_scanned_twice_is_one_document_not_a_pasted_seal(tmp_path, rules):
    page = docs_forms.unit_opinion(applicant(24), random.Random(7), STYLE)[0].image
    prints = prints_of(tmp_path, [files_dossier("甲", {"scan1.jpg": (scanned(page, 8), "unit_opinion"),
                                                       "scan2.jpg": (scanned(page, 9, grey=False), "unit_opinion")})])
    first, second = (Seal(prints[0], s).impression() for s in prints[0].seals)
    assert aligned_texture(first, second) >= PASTED_AT  # one impression, seen twice ...
    assert pasted_seals(prints, rules, tmp_path) == {}  # ... on one sheet: a repeat, not a paste
