"""Issue 6's figures on a fraud batch: every falsification planted several times, the whole pipeline run.

Generates (once) a fixture batch with `faults="fraud"` (fixtures.faults.FRAUD_KINDS and FRAUD_EXTRA, each
planted on several applicants, about 30 % of applicants clean), runs `dossier check`'s pipeline over it
(per-dossier checks and the checks across the batch) and compares every report with truth.json, per rule:

- detection: of the applicants with a planted fault calling for the rule, how many got a finding of it;
- false warnings: the rule's findings on clean applicants, per clean applicant;
- elsewhere: the rule's findings on applicants whose planted faults do not call for it (listed, not
  counted as false warnings: a planted falsification can rightly trip another rule).

    .venv/bin/python bench/fraud_planted.py [--seed 21] [--n 40] [--layouts default|alt|mixed]
                                            [--workers 2] [--reuse] [--show]

Goals (issue 6): 100 % for the certain checks (ID.INVALID, DATE.IMPOSSIBLE), ≥ 90 % for each indicator,
≤ 0.1 false warnings per clean applicant. Writes bench/out/fraud-planted-<batch>.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.records import Report  # noqa: E402
from fixtures.faults import FRAUD_EXTRA, FRAUD_KINDS, SPEC  # noqa: E402

CERTAIN = {"ID.INVALID", "DATE.IMPOSSIBLE"}


def fraud_batch(seed: int, n: int, layouts: str) -> Path:
    name = f"fraud-seed{seed}-n{n}" + ("" if layouts == "default" else f"-{layouts}")
    batch = ROOT / "bench" / "out" / name
    if not (batch / "truth.json").exists():
        from fixtures import generate_batch

        generate_batch(batch, seed=seed, n=n, faults="fraud", layouts=layouts)
    return batch


def check(batch: Path, out: Path, workers: int, reuse: bool) -> tuple[dict[str, Report], float]:
    """Every applicant's report: read back from OUT with --reuse, else the pipeline is run."""
    if reuse and (out / "batch.json").exists():
        reports = {}
        for path in out.glob("*/report.json"):
            report = Report.model_validate_json(path.read_text(encoding="utf-8"))
            reports[report.applicant] = report
        return reports, 0.0
    from dossier.pipeline import Options, run_batch

    start = time.perf_counter()
    reports = run_batch(batch, out, Options(), workers=workers)
    return {r.applicant: r for r in reports}, time.perf_counter() - start


def measured_rules() -> list[str]:
    kinds = list(FRAUD_KINDS) + [s.kind for s in FRAUD_EXTRA]
    return sorted({rule for k in kinds for rule in SPEC[k].rules})


def tally(truth: dict, reports: dict[str, Report], rules: list[str]) -> dict[str, dict]:
    rows = {r: {"planted": 0, "detected": 0, "false": 0, "elsewhere": 0, "misses": [], "false_on": []} for r in rules}
    for key, app in truth["applicants"].items():
        planted = {r for f in app["faults"] for r in f["rules"]}
        report = reports.get(key)
        got = {f.rule for f in report.findings} if report else set()
        for rule, row in rows.items():
            if rule in planted:
                row["planted"] += 1
                row["detected"] += rule in got
                if rule not in got:
                    row["misses"].append(f"{key} ({', '.join(f['kind'] for f in app['faults'])})")
            elif rule in got:
                row["false" if not app["faults"] else "elsewhere"] += 1
                if not app["faults"]:
                    row["false_on"].append(key)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--layouts", default="default", choices=("default", "alt", "mixed"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="read the reports of an earlier run instead of checking")
    ap.add_argument("--show", action="store_true", help="list the applicants missed and falsely warned")
    args = ap.parse_args()

    batch = fraud_batch(args.seed, args.n, args.layouts)
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    out = ROOT / "bench" / "out" / f"{batch.name}-checked"
    reports, wall = check(batch, out, args.workers, args.reuse)
    clean = sum(not a["faults"] for a in truth["applicants"].values())
    rows = tally(truth, reports, measured_rules())
    print(f"fraud batch {batch.name}: {len(truth['applicants'])} applicants, {clean} clean"
          + (f"; checked in {wall:.0f} s with {args.workers} workers" if wall else " (reports reused)"))
    for rule, row in rows.items():
        goal = "100 %" if rule in CERTAIN else "≥ 90 %"
        rate = f"{row['detected']}/{row['planted']}" + (f" = {100 * row['detected'] / row['planted']:.0f} %"
                                                       if row["planted"] else "")
        print(f"  {rule:22s} detected {rate:>14s} (goal {goal})   false warnings {row['false']}/{clean} clean "
              f"= {row['false'] / clean if clean else 0:.2f} per clean applicant   elsewhere {row['elsewhere']}")
        if args.show:
            for m in row["misses"]:
                print(f"      missed: {m}")
            for m in row["false_on"]:
                print(f"      false on: {m}")
    verdicts = {k: reports[k].verdict for k in reports}
    wrong_clean = [k for k, a in truth["applicants"].items() if not a["faults"] and verdicts.get(k) != "eligible"]
    print(f"  clean applicants not eligible: {len(wrong_clean)}/{clean}" + (f" ({', '.join(wrong_clean)})" if wrong_clean else ""))
    (ROOT / "bench" / "out" / f"fraud-planted-{batch.name}.json").write_text(
        json.dumps({"batch": batch.name, "clean": clean, "wall_s": wall, "rules": rows,
                    "clean_not_eligible": wrong_clean}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
