"""FRAUD.SEAL_NAME and the seals' ring text (extract/seal_text.py) on fraud batches, whole extraction.

Generates (once, shared with bench/fraud_planted.py) a fraud batch per seed (`faults="fraud"`: the
`wrong_seal` fault stamps the unit opinion with another unit's seal, besides the other falsifications),
extracts every applicant as the pipeline does (OCR cached by bench/fields.py) and runs the checks:

- ring text: of the unit seals read, how many name the unit that stamped them (its name without place
  and legal form found in the reading; the whole name found), and the readings' confidence;
- FRAUD.SEAL_NAME: detection of the planted wrong seals (a finding on the unit opinion), findings on
  clean applicants and on applicants with other falsifications only (all false: nothing else changes
  a seal's name);
- power: every seal reading of the batch judged against each other unit of the fixtures as if that
  unit were the employer (how often the check would tell another unit's seal), and against its own;
- cost: seconds per seal for cutting the seal out, refitting its rim, unwrapping and reading it (each
  seal read again here, timed alone; its page's rendering and the seal search are not counted).

    .venv/bin/python bench/fraud_seals_text.py [--seed 9 --layouts default --seed 11 --layouts alt]
                                               [--n 15] [--batch DIR ...] [--workers 2] [--show]

Goals (issue 6): >= 90 % detection, <= 0.1 false warnings per clean applicant (aim 0).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fields import extracted_dossiers, pct  # noqa: E402
from bench.fraud_planted import fraud_batch  # noqa: E402
from core.records import Evidence, ExtractedValue  # noqa: E402
from fixtures.people import CIVIL_EMPLOYER, EMPLOYERS  # noqa: E402
from verify import verify_dossier  # noqa: E402
from verify.checks_seals import contradiction, core_name, places  # noqa: E402
from verify.rules import load_rules  # noqa: E402

RULE = "FRAUD.SEAL_NAME"
UNITS = [e[0] for e in EMPLOYERS] + [CIVIL_EMPLOYER[0]]


def stamped_by(app: dict, document: str | None) -> str:
    """The unit whose seal the fixture pressed on a document (fixtures.docs_forms.seal_unit)."""
    employer = app["true"]["employer"]
    if document == "unit_opinion" and any(f["kind"] == "wrong_seal" for f in app["faults"]):
        names = [e[0] for e in EMPLOYERS]
        return names[(names.index(employer) + 1) % len(names) if employer in names else 0]
    return employer


def as_employer(name: str) -> ExtractedValue:
    return ExtractedValue(field="employer", value=name, origin="declared", document="review_form",
                          extractor="bench", confidence=1.0, evidence=(Evidence(file="bench"),))


def seconds_per_seal(batch: Path, dossiers: dict, limit: int) -> list[float]:
    """Each seal_text reading's seal cut out of its page and read again, timed (up to `limit` seals)."""
    from extract.images import MemberImages
    from extract.seal_text import impression, read_ring
    from extract.seals import content_box, find_seals, page_dpi
    from ingest import find_packages, iter_members
    from ingest.members import Member
    import numpy as np

    refs = {r.key: r for r in find_packages(batch)}
    times: list[float] = []
    for key, dossier in dossiers.items():
        rings = [v for v in dossier.values if v.field == "seal_text" and v.evidence]
        if not rings:
            continue
        images = MemberImages({m.path: m.data for m in iter_members(refs[key]) if isinstance(m, Member)})
        pages = {(p.file, p.page): p for p in dossier.pages}
        for v in rings:
            e = v.evidence[0]
            page = pages.get((e.file, e.page))
            img = images.colour_only(page) if page else None
            if img is None:
                continue
            rgb = np.asarray(img.convert("RGB"))
            seal = next((s for s in find_seals(img, content=content_box(page)).seals if s.bbox == e.bbox), None)
            if seal is None:
                continue
            start = time.perf_counter()
            imp = impression(v.document, e.file, e.page, rgb, seal, page_dpi(rgb.shape[1], rgb.shape[0]))
            if imp is not None:
                read_ring(imp)
            times.append(time.perf_counter() - start)
            if len(times) >= limit:
                return times
    return times


def measure(batch: Path, workers: int, show: bool, timed: int) -> dict:
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    got = extracted_dossiers(batch, truth, engine=None, workers=workers, reread=False)
    rules = load_rules()
    row = dict(seals=0, core=0, whole=0, confident=0, planted=0, detected=0, clean=0, clean_false=0,
               other=0, other_false=0, pairs=0, told=0, own_told=0, confs=[], misses=[], false=[])
    dossiers = {}
    for key, dossier, _, _ in got.extracted:
        app = truth["applicants"][key]
        dossiers[key] = dossier
        for v in dossier.values:
            if v.field != "seal_text":
                continue
            unit = stamped_by(app, v.document)
            row["seals"] += 1
            row["core"] += core_name(unit, places(unit)) in v.value
            row["whole"] += unit in v.value
            row["confident"] += v.confidence >= 0.9
            row["confs"].append(v.confidence)
            row["own_told"] += contradiction(v, [as_employer(unit)]) is not None
            for other in UNITS:
                if other != unit:
                    row["pairs"] += 1
                    row["told"] += contradiction(v, [as_employer(other)]) is not None
        findings = [f for f in verify_dossier(dossier, rules) if f.rule == RULE]
        kinds = [f["kind"] for f in app["faults"]]
        if "wrong_seal" in kinds:
            row["planted"] += 1
            on_opinion = [f for f in findings if "单位鉴定意见" in f.message]
            row["detected"] += bool(on_opinion)
            if not on_opinion:
                row["misses"].append(f"{key}: {[v.value for v in dossier.values if v.field == 'seal_text' and v.document == 'unit_opinion']}")
        elif not kinds:
            row["clean"] += 1
            row["clean_false"] += len(findings)
        else:
            row["other"] += 1
            row["other_false"] += len(findings)
        if findings and ("wrong_seal" not in kinds or show):
            row["false" if "wrong_seal" not in kinds else "misses"] += [f"{key} ({kinds}): {f.message}" for f in findings]
    row["times"] = seconds_per_seal(batch, dossiers, timed)
    return row


def report(name: str, row: dict) -> None:
    t = row["times"]
    print(f"  {name}")
    print(f"    unit seals read {row['seals']}: name (no place, no legal form) read {pct(row['core'], row['seals'])}, "
          f"whole name {pct(row['whole'], row['seals'])}; confidence >= 0.9 {pct(row['confident'], row['seals'])}, "
          f"median {statistics.median(row['confs']) if row['confs'] else 0:.3f}")
    print(f"    {RULE}: planted wrong seals detected {pct(row['detected'], row['planted'])}; findings on clean applicants "
          f"{row['clean_false']}/{row['clean']} = {row['clean_false'] / row['clean'] if row['clean'] else 0:.2f} per clean "
          f"applicant; on applicants with other falsifications {row['other_false']}/{row['other']}")
    print(f"    power: readings against another unit told {pct(row['told'], row['pairs'])}; "
          f"against the unit that stamped them {row['own_told']}/{row['seals']}")
    if t:
        print(f"    cost: {statistics.median(t):.3f} s per seal median, {max(t):.3f} max ({len(t)} seals timed)")
    for line in row["misses"]:
        print(f"      missed: {line[:240]}")
    for line in row["false"]:
        print(f"      not planted: {line[:240]}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, action="append", help="fraud batch seed(s); default 9 and 11")
    ap.add_argument("--layouts", action="append", choices=("default", "alt", "mixed"),
                    help="layouts per seed; default: default for 9, alt for 11")
    ap.add_argument("--batch", action="append", type=Path, help="another fixture batch with truth.json (instead of seeds)")
    ap.add_argument("--n", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timed", type=int, default=60, help="seals read again and timed per batch")
    ap.add_argument("--show", action="store_true", help="print the findings on planted applicants too")
    args = ap.parse_args()
    seeds = args.seed or [9, 11]
    layouts = args.layouts or (["default", "alt"] if not args.seed else ["default"] * len(seeds))
    batches = args.batch or [fraud_batch(seed, args.n, lay)
                             for seed, lay in zip(seeds, layouts + [layouts[-1]] * (len(seeds) - len(layouts)))]
    start = time.perf_counter()
    for batch in batches:
        report(batch.name, measure(batch, args.workers, args.show, args.timed))
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
