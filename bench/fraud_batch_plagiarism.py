"""FRAUD.PLAGIARISM against the planted pairs of the fixture batches (the plagiarism section of
bench/fraud_batch.py, runnable alone).

Every applicant is extracted as the pipeline does (the OCR output bench/fields.py cached is reused) and
its fingerprint's report lines are taken (verify.batch.report_lines: no pixels needed); then the
plagiarism check runs over the batch. Fingerprints are kept in bench/out/fraud-batch/<batch>/report-prints.pickle
(`--refresh` builds them again; bench/fraud_batch.py's full prints.pickle is used when present).

    .venv/bin/python bench/fraud_batch_plagiarism.py [--batch DIR ...] [--workers 2] [--refresh]

Prints per batch: the template (how many shingles, the share of a report they take), the distribution of
Jaccard over every pair (planted pair, the others: max, p99, median) against the threshold, detection per
planted pair (both applicants told, each naming a line of the other's report), false pairs, LSH recall
(confirmed pairs LSH proposed / pairs over the threshold by brute force), seconds.
"""
from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verify.batch import Fingerprint, _value, report_lines  # noqa: E402
from verify.batch_plagiarism import RULE, find_overlaps, jaccard, plagiarism, shingles  # noqa: E402
from verify.rules import load_rules  # noqa: E402

BATCHES = ("batch-seed9-n30", "batch-alt-seed11-n30", "batch-mixed-seed17-n30")
OUT = ROOT / "bench" / "out" / "fraud-batch"


def report_prints(batch: Path, workers: int, refresh: bool) -> list[Fingerprint]:
    """Every applicant's fingerprint with its report lines (name, employer as extracted)."""
    full = OUT / batch.name / "prints.pickle"
    if full.exists() and not refresh:
        return pickle.loads(full.read_bytes())[0]
    cache = OUT / batch.name / "report-prints.pickle"
    if cache.exists() and not refresh:
        return pickle.loads(cache.read_bytes())
    from bench.fields import extracted_dossiers

    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    got = extracted_dossiers(batch, truth, engine=None, workers=workers, reread=False)
    # as verify.batch.fingerprint makes it, without the parts that need the pages' pixels
    prints = [Fingerprint(applicant=d.applicant, name=_value(d, "name"), employer=_value(d, "employer"),
                          report=report_lines(d)) for _, d, _, _ in got.extracted]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(prints))
    return prints


def _planted(truth: dict) -> list[tuple[str, str]]:
    """(copier, source) of each planted plagiarised report."""
    return [(key, f["detail"].rsplit("copied from ", 1)[-1].rstrip(")"))
            for key, app in truth["applicants"].items() for f in app["faults"] if f["kind"] == "plagiarised_report"]


def plagiarism_section(args) -> dict:
    """FRAUD.PLAGIARISM: the copier's work report is the source's with the names swapped."""
    rules = load_rules()
    summary = {}
    print(f"\n== plagiarised work reports ({RULE}) ==")
    for name in args.batch or BATCHES:
        batch = Path(name) if "/" in name else ROOT / "bench" / "out" / name
        truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
        prints = report_prints(batch, args.workers, args.refresh)
        start = time.perf_counter()
        fired = plagiarism(prints, rules)
        check_s = time.perf_counter() - start
        found, seen = find_overlaps(prints)
        threshold, own, template = seen["threshold"], seen["own"], seen["template"]
        files = {fp.applicant: {ln.file for ln in fp.report} for fp in prints}
        pairs = _planted(truth)
        planted = {frozenset(p) for p in pairs}
        # every pair by brute force: the distribution the threshold was set from, and what LSH missed
        keys = sorted(own)
        everything = {(a, b): jaccard(own[a], own[b]) for i, a in enumerate(keys) for b in keys[i + 1:]}
        others = sorted((j for p, j in everything.items() if frozenset(p) not in planted), reverse=True)
        over = {p for p, j in everything.items() if j >= threshold}
        lsh_found = {p for p in seen["jaccards"] if seen["jaccards"][p] >= threshold}
        raw = {k: shingles(t.text) for k, t in seen["texts"].items()}
        share = statistics.median(len(raw[k] & template) / len(raw[k]) for k in own) if own else 0.0
        print(f"  {batch.name}: {len(own)} reports compared; template {len(template)} shingles "
              f"(median {share:.0%} of a report); threshold {threshold}")
        print(f"  {batch.name}: other pairs ({len(others)}): max {others[0]:.3f}, p99 {others[len(others) // 100]:.3f}, "
              f"median {statistics.median(others):.3f}; LSH candidates {len(seen['jaccards'])}, "
              f"pairs over the threshold LSH proposed {len(lsh_found & over)}/{len(over)}")
        detected = 0
        for copier, source in pairs:
            j = everything.get(tuple(sorted((copier, source))))
            ok = all(any(ev.file in files[other] for f in fired.get(me, []) for ev in f.evidence)
                     and any(other in f.message or (by_name(prints, other) or "?") in f.message for f in fired.get(me, []))
                     for me, other in ((copier, source), (source, copier)))
            detected += ok
            print(f"  {batch.name}: pair {copier} ← {source}: Jaccard {j if j is None else round(j, 3)}, "
                  f"{'found' if ok else 'MISSED'}")
        involved = {k for p in pairs for k in p}
        clean = [k for k, app in truth["applicants"].items() if not app["faults"]]
        false_pairs = [(ov.a, ov.b, round(ov.jaccard, 3)) for ov in found if frozenset((ov.a, ov.b)) not in planted]
        false_clean = sum(len(fired.get(k, [])) for k in clean)
        print(f"  {batch.name}: pairs found {detected}/{len(pairs)}; false pairs {len(false_pairs)} {false_pairs or ''}; "
              f"false warnings on {len(clean)} clean applicants {false_clean} ({false_clean / max(1, len(clean)):.2f} each), "
              f"on applicants outside the pairs {sum(len(v) for k, v in fired.items() if k not in involved)}; "
              f"check {check_s:.2f} s")
        summary[batch.name] = {"pairs": len(pairs), "found": detected, "false_pairs": len(false_pairs),
                               "clean": len(clean), "false_clean": false_clean, "threshold": threshold,
                               "planted_jaccard": [everything.get(tuple(sorted(p))) for p in pairs],
                               "others_max": others[0], "others_p99": others[len(others) // 100],
                               "others_median": statistics.median(others), "check_s": check_s}
    return summary


def by_name(prints: list[Fingerprint], key: str) -> str | None:
    return next((fp.name for fp in prints if fp.applicant == key), None)


def arguments(description: str | None = None) -> argparse.Namespace:
    """The options of the batch-level fraud benches (this one and bench/fraud_batch.py)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--batch", action="append", default=[], help="a fixture batch folder (default: the three cached)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--refresh", action="store_true", help="build the fingerprints again")
    return ap.parse_args()


def main() -> int:
    args = arguments()
    result = plagiarism_section(args)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "plagiarism.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
