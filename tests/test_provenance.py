"""Provenance of extracted values, on a small generated batch read with the real OCR.

Every `found` value of the field table must point at the pixels (or the DOCX/XLSX cell text) it was
read from: cropping an evidence bbox out of the page image and reading the crop again gives the
evidence's text. The found and declared values of the batch are also kept as a golden file,
tests/golden/fields-<case>.json, rewritten only with UPDATE_GOLDEN=1 (then commit it and unset it:
a run with the flag on fails on purpose).
"""
from __future__ import annotations

import json
import multiprocessing
import os
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rapidfuzz import fuzz

from dossier.pipeline import Options, read_batch_files, read_package, worker_init
from extract.extractors import ExtractContext
from extract.images import MemberImages
from extract.ocr import get_engine
from extract.run import extract_dossier
from fixtures import generate_batch
from ingest import find_packages, iter_members
from ingest.members import Member

# seed 8, two applicants without faults: 28 pages with every degradation (clean, scanner, phone,
# text layer, DOCX), the cheapest seed of 1–12 to read (about a minute of OCR on two processes)
SEED, N = 8, 2
CASE = f"seed{SEED}-n{N}"
GOLDEN = Path(__file__).parent / "golden" / f"fields-{CASE}.json"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
FROM_METADATA = {"photo_taken"}  # read from the photo's EXIF, not from its pixels: no bbox to show
SIMILAR = 80  # rapidfuzz ratio (0-100) of the crop's reading to the evidence text
# the same glyph read as different code points by different passes of the OCR
OCR_EQUIVALENT = str.maketrans({"〇": "○", "O": "○", "o": "○", "0": "○", "—": "-", "–": "-"})


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Each package of the batch read (in two processes) and extracted as the pipeline does:
    key → (dossier with fields, its page images)."""
    batch = tmp_path_factory.mktemp("provenance") / "batch"
    truth = generate_batch(batch, seed=SEED, n=N, faults=False)
    refs = find_packages(batch)
    # spawn: the test process may already hold OCR sessions (threads), which forking would copy
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"), initializer=worker_init) as pool:
        dossiers = list(pool.map(read_package, refs, [Options()] * len(refs)))
    _, batch_pages = read_batch_files(batch, Options())
    out = {}
    for ref, dossier in zip(refs, dossiers):
        images = MemberImages({m.path: m.data for m in iter_members(ref) if isinstance(m, Member)})
        out[ref.key] = (extract_dossier(dossier, ExtractContext(images=images, extra_pages=batch_pages)), images)
    assert set(out) == set(truth["applicants"])
    return out


def found_evidence(dossier, field: str) -> list:
    """The evidence of the field's found value (FieldReport.evidence also holds the declared one's)."""
    declared = {e for v in dossier.values if v.origin == "declared" and v.field == field for e in v.evidence}
    return [e for e in dossier.fields[field].evidence if e not in declared]


def found_fields(dossier):
    return [f for f, fr in dossier.fields.items() if fr.found not in (None, {})]


def squash(text: str) -> str:
    return unicodedata.normalize("NFKC", "".join(text.split())).translate(OCR_EQUIVALENT)


def reads_as(got: str, expected: str) -> bool:
    """`got` (the crop's reading, with the margin's neighbours) contains `expected`, OCR-wise."""
    got, expected = squash(got), squash(expected)
    if expected in got:
        return True
    if len(got) < len(expected):
        return fuzz.ratio(expected, got) >= SIMILAR
    return fuzz.partial_ratio(expected, got) >= SIMILAR


def crop(image, bbox, margin: float = 1 / 3):
    """The bbox with a margin of `margin` line heights (slices of a line box are approximate), at
    least four line heights wide (the detector misses a lone digit or character), scaled to ~40 px
    high text, on a canvas of the paper's colour at least 736 px a side: RapidOCR scales a smaller
    image up to that, which made a crop cost three times as much to read."""
    x0, y0, x1, y1 = bbox
    h = max(y1 - y0, 1.0)
    mx, my = max(margin * h, (4 * h - (x1 - x0)) / 2), margin * h
    box = (max(0, int(x0 - mx)), max(0, int(y0 - my)), min(image.width, int(x1 + mx + 1)), min(image.height, int(y1 + my + 1)))
    piece = image.crop(box).convert("RGB")
    scale = min(4.0, 40 / h)
    piece = piece.resize((max(1, round(piece.width * scale)), max(1, round(piece.height * scale))), Image.Resampling.LANCZOS)
    pixels = np.asarray(piece)
    edge = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    paper = tuple(int(v) for v in np.median(edge, axis=0))
    canvas = Image.new("RGB", (max(736, piece.width + 64), max(736, piece.height + 64)), paper)
    canvas.paste(piece, (32, 32))
    return canvas


def test_every_found_value_carries_its_place(extracted):
    problems = []
    for key, (dossier, _) in extracted.items():
        pages = {(p.file, p.page): p for p in dossier.pages}
        for field in found_fields(dossier):
            evidence = found_evidence(dossier, field)
            if not evidence:
                problems.append(f"{key} {field}={dossier.fields[field].found!r}: no evidence")
                continue
            for ev in evidence:
                page = pages.get((ev.file, ev.page))
                if page is None or not ev.text:
                    problems.append(f"{key} {field}: evidence {ev.file} p{ev.page} names no page of the package or no text")
            geometric = [ev for ev in evidence if (p := pages.get((ev.file, ev.page))) and p.source not in ("docx", "xlsx")]
            if geometric and field not in FROM_METADATA and not any(ev.bbox for ev in geometric):
                problems.append(f"{key} {field}: evidence on an image/PDF page without a bbox")
    assert not problems, "\n".join(problems)


def test_evidence_pixels_read_as_the_evidence_text(extracted):
    engine = get_engine("rapidocr@1")
    checked, problems = 0, []
    for key, (dossier, images) in extracted.items():
        pages = {(p.file, p.page): p for p in dossier.pages}
        items = [(field, ev) for field in found_fields(dossier) for ev in found_evidence(dossier, field)
                 if ev.bbox and ev.text and (ev.file, ev.page) in pages]
        for field, ev in sorted(items, key=lambda it: (it[1].file, it[1].page)):  # one page render at a time
            image = images.get(pages[(ev.file, ev.page)])
            if image is None:  # text-layer PDF: the bbox is in PDF points of a page with no image
                continue
            got = "".join(line.text for line in engine.read(crop(image, ev.bbox), 200))
            if not reads_as(got, ev.text):  # a seal across a date: the whole line's context reads it
                got = "".join(line.text for line in engine.read(crop(image, ev.bbox, margin=1.0), 200))
            checked += 1
            if not reads_as(got, ev.text):
                problems.append(f"{key} {field}: {ev.file} p{ev.page} bbox {tuple(round(v) for v in ev.bbox)} "
                                f"evidence {ev.text!r}, the crop reads {got!r}")
    assert checked, "no evidence on an image page was checked"
    assert not problems, f"{len(problems)} of {checked} evidence crops disagree:\n" + "\n".join(problems)


def field_values(extracted) -> dict:
    """key → field → {declared, found}, as JSON would hold them (year keys as strings)."""
    values = {key: {f: {"declared": fr.declared, "found": fr.found} for f, fr in sorted(dossier.fields.items())}
              for key, (dossier, _) in sorted(extracted.items())}
    return json.loads(json.dumps(values, ensure_ascii=False, default=str))


def test_field_values_match_golden(extracted):
    values = field_values(extracted)
    if UPDATE_GOLDEN:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(values, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    assert GOLDEN.exists(), f"{GOLDEN.name} is missing: run this test once with UPDATE_GOLDEN=1 and commit the file"
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = [f"{key} {field}: golden {golden.get(key, {}).get(field)} now {now}"
               for key, fields in values.items() for field, now in fields.items()
               if golden.get(key, {}).get(field) != now]
    changed += [f"{key}: no longer extracted" for key in golden if key not in values]
    changed += [f"{key} {field}: no longer reported" for key in golden if key in values
                for field in golden[key] if field not in values[key]]
    assert not changed, ("field values differ from the golden file (if the change is right, rerun with "
                         "UPDATE_GOLDEN=1 and commit it):\n" + "\n".join(changed))


def test_update_golden_flag_is_off():
    assert not os.environ.get("UPDATE_GOLDEN"), (
        "UPDATE_GOLDEN is set: golden files were rewritten instead of checked; unset it and rerun")
