"""FRAUD.DUPLICATE_IMAGE across the batch (verify/batch_images.py), on pages rendered by the fixture
factory: the fingerprint part run on real image files through MemberImages (reduced pages written
where the reports look for them), then the batch check. A copy re-compressed and rescaled into another
dossier is found for both applicants; two diplomas of one school template, two applicants' appraisal
forms of one employer and their ID cards hash close (they are compared pixel by pixel) but are not."""
from __future__ import annotations

import copy
import hashlib
import io
import random

import numpy as np
import pytest
from PIL import Image

from core.records import Document, Dossier, Evidence, PageText
from extract.images import MemberImages
from fixtures import degrade, docs_certs, docs_forms
from fixtures.package import style_for
from fixtures.people import make_applicant
from reports.evidence import crop_name
from verify.batch import fingerprint
from verify.batch_images import candidates, compare_pages, duplicate_images
from verify.rules import load_rules

SCAN_STYLE = {**style_for(random.Random(3)), "font": "NotoSerifCJK-Regular.ttc", "dpi": 150}


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def dossier_of(key: str, files: dict[str, tuple[bytes, str]], meta: dict | None = None) -> tuple[Dossier, MemberImages]:
    """A dossier of one-page image files (name → (bytes, document type)) as ingest and the classifier
    leave it (pages OCR'd, documents typed), and the pixels the pipeline keeps while it runs."""
    pages, docs = [], []
    for name, (data, doc_type) in files.items():
        with Image.open(io.BytesIO(data)) as img:
            w, h = img.size
        pages.append(PageText(file=name, page=1, width=w, height=h, source="ocr:rapidocr@1", meta=meta or {}))
        docs.append(Document(type=doc_type, file=name, pages=(1,), sha256=hashlib.sha256(data).hexdigest()))
    return Dossier(applicant=key, pages=tuple(pages), documents=tuple(docs)), MemberImages({n: d for n, (d, _) in files.items()})


def prints_of(tmp_path, dossiers: dict[str, dict[str, tuple[bytes, str]]], meta: dict | None = None):
    out = []
    for key, files in dossiers.items():
        dossier, images = dossier_of(key, files, meta)
        out.append(fingerprint(dossier, images, tmp_path / key, tmp_path))
    return out


def grey_thumb(tmp_path, page) -> np.ndarray:
    return np.asarray(Image.open(tmp_path / page.thumb).convert("L"))


def assert_compared_and_different(tmp_path, prints, doc_type: str) -> None:
    """The pages of `doc_type` hash close as whole pages (only the tiles keep them from the pixel
    comparison), and the pixel comparison on its own tells them apart too."""
    pairs = [(pa, pb) for _, pa, _, pb in candidates(prints, tile_near=64) if pa.doc_type == pb.doc_type == doc_type]
    assert pairs, f"the {doc_type} pages should hash close as pages"
    for pa, pb in pairs:
        match = compare_pages(grey_thumb(tmp_path, pa), grey_thumb(tmp_path, pb))
        assert match.overlap > 0.8 and match.blocks >= 200, match  # aligned: the template matched
        assert not match.same and match.differing > 10, match


def applicant(seed: int, **same):
    a = make_applicant(random.Random(seed), seed, set(), education="bachelor")
    for k, v in same.items():
        setattr(a, k, v)
    return a


def diploma_photo(a, seed: int) -> Image.Image:
    page = docs_certs.diploma(a, random.Random(seed), SCAN_STYLE)[0].image
    return degrade.phone(page, random.Random(seed))


def scanned(image: Image.Image, seed: int) -> Image.Image:
    return degrade.scanner(image, random.Random(seed), grey=False)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_a_photo_copied_rescaled_and_recompressed_is_found_for_both_applicants(tmp_path, rules):
    source = diploma_photo(applicant(1), 11)
    copied = source.resize((source.width * 7 // 10, source.height * 7 // 10), Image.LANCZOS)
    other = scanned(docs_certs.id_card(applicant(2), random.Random(2), SCAN_STYLE)[0].image, 2)
    prints = prints_of(tmp_path, {
        "甲-东岭煤业": {"IMG_1.jpg": (jpeg(source, 92), "diploma")},
        "乙-润丰煤业": {"IMG_2.jpg": (jpeg(copied, 60), "diploma"), "scan.jpg": (jpeg(other), "id_card")},
    }, meta={"Make": "HUAWEI", "DateTimeOriginal": "2024:12:01 10:00:00"})
    for fp in prints:  # the reduced page lies where both reports look for the whole page
        for page in fp.pages:
            assert page.kind == "photo" and page.thumb
            assert (tmp_path / page.thumb).is_file()
            assert page.thumb.endswith(crop_name(Evidence(file=page.file, page=page.page)))
            assert Image.open(tmp_path / page.thumb).width == 900
    found = duplicate_images(prints, rules, tmp_path)
    assert sorted(found) == ["乙-润丰煤业", "甲-东岭煤业"]
    for key, mine, theirs in (("甲-东岭煤业", "IMG_1.jpg", "IMG_2.jpg"), ("乙-润丰煤业", "IMG_2.jpg", "IMG_1.jpg")):
        (f,) = found[key]
        assert f.rule == "FRAUD.DUPLICATE_IMAGE" and f.severity == "warn"
        assert [ev.file for ev in f.evidence] == [mine, theirs]
        assert "请人工核对" in f.message


def test_the_same_picture_twice_in_one_dossier_is_not_a_duplicate_across_applicants(tmp_path, rules):
    photo = jpeg(diploma_photo(applicant(1), 11))
    prints = prints_of(tmp_path, {"甲": {"a.jpg": (photo, "diploma"), "b.jpg": (photo, "diploma")}})
    assert duplicate_images(prints, rules, tmp_path) == {}


def test_two_diplomas_of_one_school_template_are_not_duplicates(tmp_path, rules):
    """The near miss the check exists for: one school's layout, font and seal, the same major and
    dates; only the graduate differs (name, birth date, certificate number)."""
    first = applicant(1)
    second = copy.deepcopy(first)
    second.name = "王" + "建国强"[:len(first.name) - 1]  # as long as the first name: the paragraph keeps its flow
    second.cert_serial = f"{(int(first.cert_serial) + 17) % 1000000:06d}"
    second.birth_date = first.birth_date.replace(day=first.birth_date.day % 27 + 1)
    pages = [scanned(docs_certs.diploma(a, random.Random(s), SCAN_STYLE)[0].image, s) for a, s in ((first, 5), (second, 6))]
    prints = prints_of(tmp_path, {"甲": {"d1.jpg": (jpeg(pages[0]), "diploma")},
                                  "乙": {"d2.jpg": (jpeg(pages[1]), "diploma")}})
    assert prints[0].pages[0].kind == "scan"
    assert duplicate_images(prints, rules, tmp_path) == {}
    assert_compared_and_different(tmp_path, prints, "diploma")


def test_appraisal_forms_of_one_employer_and_id_cards_are_not_duplicates(tmp_path, rules):
    a1 = applicant(3)
    a2 = applicant(4, employer=a1.employer, employer_short=a1.employer_short, employer_type=a1.employer_type,
                   specialty=a1.specialty, sex=a1.sex)
    files = {}
    for key, a, s in (("甲", a1, 7), ("乙", a2, 8)):
        form = docs_forms.appraisal(a, random.Random(s), SCAN_STYLE, 2023, "合格").image
        card = docs_certs.id_card(a, random.Random(s), SCAN_STYLE)[0].image
        files[key] = {f"考核{key}.jpg": (jpeg(scanned(form, s)), "appraisal"),
                      f"身份证{key}.jpg": (jpeg(scanned(card, s + 10)), "id_card")}
    prints = prints_of(tmp_path, files)
    assert duplicate_images(prints, rules, tmp_path) == {}
    assert_compared_and_different(tmp_path, prints, "appraisal")
    assert_compared_and_different(tmp_path, prints, "id_card")
