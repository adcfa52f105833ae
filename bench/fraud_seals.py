"""FRAUD.SEAL_PASTED against planted pasted seals: how far a pasted pair's texture correlation lies from
every other pair of impressions of one seal, detection, findings elsewhere, cost.

Two sections:
- impressions: for K applicants the fixture renderers press one impression on the publicity record and the
  appointment (fixtures.seal `pasted_seal`) and fresh ones on the unit opinion, the commitment and an
  appraisal; each page is scanned grey, scanned in colour or photographed (fixtures.degrade, as the store
  does) and saved as JPEG, its seal found by extract.seals and normalised. The direct texture correlation
  (`aligned_texture`) of every pasted pair against every other pair of one unit's seal (within an applicant
  and across applicants of one unit), by how the two pages were made; seconds and bytes per seal.
- batches: fixture batches with `pasted_seal` planted on chosen applicants (generated once under
  bench/out/: seed 9 n 10, seed 11 n 10 alt layouts), and any --batch (the 30-applicant bench batches give
  the findings on clean applicants at a larger scale), read by the whole pipeline (bench.fraud_batch:
  cached OCR, extraction, fingerprint) and checked: planted pairs found (both pages in the evidence),
  findings on applicants without a planted seal, the planted pairs' correlation against the other pairs
  (in the leader's frame, all of them; directly aligned, the 20 most alike), and the check's seconds.
  Last, all batches' impressions checked as one batch (its seconds: the cost of a bigger batch).

    .venv/bin/python bench/fraud_seals.py [--batch DIR ...] [--workers 2] [--refresh] [--impressions 12]
"""
from __future__ import annotations

import argparse
import io
import itertools
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verify.batch_seals import COARSE, PASTED, Seal, design_groups, group_scores, pasted_pairs, pasted_seals  # noqa: E402
from verify.rules import load_rules  # noqa: E402
from verify.seal_impression import Impression, aligned_texture, encode, normalise  # noqa: E402

OUT = ROOT / "bench" / "out"
PLANT = ("pasted_seal",)
BATCHES = {  # generated once: generate_batch arguments, the pasted seal planted on two applicants each
    "seals-seed9-n10": dict(seed=9, n=10, plant={0: PLANT, 5: PLANT}),
    "seals-alt-seed11-n10": dict(seed=11, n=10, layouts="alt", plant={1: PLANT, 6: PLANT}),
}
MODES = ("grey", "colour", "phone")
TOP_OTHERS = 20


def _spread(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"n {len(values)}, min {ordered[0]:.2f}, median {statistics.median(ordered):.2f}, p99 {p99:.2f}, max {ordered[-1]:.2f}"


# --- impressions ---------------------------------------------------------------------------------------

def _degraded(image, seed: int, mode: str):
    from PIL import Image

    from fixtures import degrade

    rng = random.Random(seed)
    page = degrade.phone(image, rng) if mode == "phone" else degrade.scanner(image, rng, grey=mode == "grey")
    buf = io.BytesIO()
    page.convert("RGB").save(buf, "JPEG", quality=rng.randint(60, 85))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _rendered(seed: int) -> list[tuple[str, str, str, Impression, float, int]]:
    """(employer, document, mode, impression, seconds to normalise and encode, bytes) of one applicant's
    unit documents, the first two carrying one impression."""
    from extract.seals import find_seals, page_dpi
    from fixtures import docs_forms
    from fixtures.package import style_for
    from fixtures.people import make_applicant
    from verify.seal_impression import decode

    a = make_applicant(random.Random(seed), seed, set(), education="bachelor")
    a.extra["pasted_seal"] = True
    style, rng = style_for(random.Random(seed)), random.Random(seed + 100)
    pages = {"publicity_record": docs_forms.publicity_record(a, rng, style)[0].image,
             "appointment": docs_forms.appointment(a, rng, style)[0].image,
             "unit_opinion": docs_forms.unit_opinion(a, rng, style)[0].image,
             "commitment": docs_forms.commitment(a, rng, style)[0].image,
             "appraisal": docs_forms.appraisal(a, rng, style, 2023, "合格").image}
    out = []
    for k, (doc, image) in enumerate(pages.items()):
        mode = MODES[(seed + k) % len(MODES)]
        page = _degraded(image, seed * 10 + k, mode)
        seals = find_seals(page).seals
        if not seals:
            print(f"  seed {seed} {doc} ({mode}): no seal found")
            continue
        start = time.perf_counter()
        got = normalise(page, seals[0].bbox, page_dpi(*page.size))
        if got is None:
            continue
        data = encode(got[0], got[1])
        out.append((a.employer, doc, mode, Impression(*decode(data)), time.perf_counter() - start, len(data)))
    return out


def impressions_section(k: int) -> dict:
    print(f"\n== impressions: {k} applicants, pasted pair = publicity record + appointment ==")
    seals = [(seed, *s) for seed in range(1, k + 1) for s in _rendered(seed)]
    pasted, others = [], []
    for (sa, ea, da, ma, ia, *_), (sb, eb, db, mb, ib, *_) in itertools.combinations(seals, 2):
        if ea != eb:
            continue
        r = aligned_texture(ia, ib)
        is_pasted = sa == sb and {da, db} == {"publicity_record", "appointment"}
        (pasted if is_pasted else others).append((r, "/".join(sorted((ma, mb)))))
        if is_pasted:
            print(f"  seed {sa}: pasted pair {ma}/{mb}: r {r:.2f}")
    print(f"  pasted pairs: {_spread([r for r, _ in pasted])}")
    print(f"  other pairs of one unit's seal: {_spread([r for r, _ in others])}")
    for combo in sorted({c for _, c in others}):
        print(f"    {combo}: {_spread([r for r, c in others if c == combo])}")
    seconds = [s[5] for s in seals]
    sizes = [s[6] for s in seals]
    print(f"  normalise + encode: median {1000 * statistics.median(seconds):.0f} ms per seal; "
          f"impression median {statistics.median(sizes) / 1000:.1f} KB, max {max(sizes) / 1000:.1f} KB; "
          f"threshold {PASTED}")
    return {"pasted": [r for r, _ in pasted], "others_max": max(r for r, _ in others),
            "ms_per_seal": 1000 * statistics.median(seconds), "kb": statistics.median(sizes) / 1000}


# --- batches -------------------------------------------------------------------------------------------

def planted_batch(name: str) -> Path:
    batch = OUT / name
    if not (batch / "truth.json").exists():
        from fixtures import generate_batch

        generate_batch(batch, **BATCHES[name])
    return batch


def _prints(batch: Path, workers: int, refresh: bool):
    """The batch's fingerprints (bench.fraud_batch's cache), built again when they predate impressions."""
    from bench.fraud_batch import batch_prints

    prints, _, out = batch_prints(batch, workers, refresh)
    if any(getattr(s, "impression", None) is None for fp in prints for s in fp.seals):
        prints, _, out = batch_prints(batch, workers, True)
    return prints, out


def _planted_pairs(truth: dict, seals: list[Seal]) -> set[tuple[int, int]]:
    from fixtures.seal import pasted_pages

    where = {(s.fp.applicant, s.print.file, s.print.page): i for i, s in enumerate(seals)}
    out = set()
    for key, app in truth["applicants"].items():
        if any(f["kind"] == "pasted_seal" for f in app["faults"]):
            got = sorted(where[(key, f, p)] for f, p in pasted_pages(app) if (key, f, p) in where)
            if len(got) == 2:
                out.add(tuple(got))
            else:
                print(f"  {key}: a pasted page has no seal read ({len(got)} of 2)")
    return out


def _scores(seals: list[Seal]) -> tuple[dict[tuple[int, int], float], float, float]:
    """Every pair's correlation in its group leader's frame; seconds grouping, seconds scoring."""
    start = time.perf_counter()
    groups = design_groups(seals)
    grouped = time.perf_counter()
    coarse: dict[tuple[int, int], float] = {}
    for members in groups:
        if len(members) > 1:
            coarse.update(group_scores(seals, members))
    return coarse, grouped - start, time.perf_counter() - grouped


def batch_section(batch: Path, workers: int, refresh: bool, rules) -> dict:
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    prints, out = _prints(batch, workers, refresh)
    seals = [Seal(fp, sp) for fp in prints for sp in fp.seals if sp.impression]
    planted = _planted_pairs(truth, seals)
    coarse, group_s, score_s = _scores(seals)
    start = time.perf_counter()
    found = pasted_seals(prints, rules, out)
    check_s = time.perf_counter() - start
    direct = {pair: aligned_texture(seals[pair[0]].impression(), seals[pair[1]].impression()) for pair in planted}
    alike = sorted((p for p in coarse if p not in planted), key=lambda p: -coarse[p])[:TOP_OTHERS]
    others = [aligned_texture(seals[i].impression(), seals[j].impression()) for i, j in alike]
    detected = 0
    for i, j in sorted(planted):
        key = seals[i].fp.applicant
        pages = {(ev.file, ev.page) for f in found.get(key, []) for ev in f.evidence}
        ok = {(seals[i].print.file, seals[i].print.page), (seals[j].print.file, seals[j].print.page)} <= pages
        detected += ok
        print(f"  {batch.name}: {key} {seals[i].print.doc_type}/{seals[j].print.doc_type} "
              f"({seals[i].print.ink}/{seals[j].print.ink}): leader frame {coarse.get((i, j), float('nan')):.2f}, "
              f"direct {direct[(i, j)]:.2f} → {'found' if ok else 'MISSED'}")
    planted_keys = {seals[i].fp.applicant for pair in planted for i in pair}
    elsewhere = {k: len(v) for k, v in found.items() if k not in planted_keys}
    extra = sum(len(v) - 1 for k, v in found.items() if k in planted_keys)
    clean = [k for k, app in truth["applicants"].items() if not app["faults"]]
    print(f"  {batch.name}: {len(prints)} applicants ({len(clean)} clean), {len(seals)} seals, {len(coarse)} pairs "
          f"of one design; planted pairs found {detected}/{len(planted)}; findings on applicants without a "
          f"planted seal {sum(elsewhere.values())} {sorted(elsewhere) or ''}, extra findings on planted ones {extra}")
    print(f"    leader frame: planted {_spread([coarse.get(p, 0.0) for p in planted])}; "
          f"others {_spread([v for p, v in coarse.items() if p not in planted])} (candidates from {COARSE})")
    print(f"    direct: planted {_spread(list(direct.values()))}; the {len(others)} most alike others "
          f"{_spread(others)} (threshold {PASTED})")
    print(f"    check {check_s:.1f} s (grouping {group_s:.1f} s, group scores {score_s:.1f} s)")
    return {"applicants": len(prints), "seals": len(seals), "planted": len(planted), "found": detected,
            "elsewhere": sum(elsewhere.values()), "planted_direct": sorted(direct.values()),
            "others_direct_max": max(others, default=None), "check_s": check_s, "prints": prints}


def scale_section(prints: list) -> None:
    """All batches' impressions as one batch: the check's seconds at a larger size."""
    seals = [Seal(fp, sp) for fp in prints for sp in fp.seals if sp.impression]
    start = time.perf_counter()
    found = pasted_pairs(seals)
    seconds = time.perf_counter() - start
    print(f"\n== all batches as one: {len(prints)} applicants, {len(seals)} seals: pairs of one impression "
          f"{len(found)}, {seconds:.1f} s ({1000 * seconds / max(1, len(seals)):.0f} ms per seal) ==")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", action="append", default=[], help="another fixture batch folder (or a name under bench/out)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--refresh", action="store_true", help="build the fingerprints again")
    ap.add_argument("--impressions", type=int, default=12, help="applicants of the impressions section (0: skip)")
    args = ap.parse_args()
    summary = {}
    if args.impressions:
        summary["impressions"] = impressions_section(args.impressions)
    rules = load_rules()
    batches = [planted_batch(name) for name in BATCHES]
    batches += [Path(b) if "/" in b else OUT / b for b in args.batch]
    everyone = []
    print("\n== batches ==")
    for batch in batches:
        got = batch_section(batch, args.workers, args.refresh, rules)
        everyone += got.pop("prints")
        summary[batch.name] = got
    scale_section(everyone)
    (OUT / "fraud-seals.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
