"""The per-dossier fraud checks against the planted faults: a table per rule.

Extracts every applicant of each fixture batch as the pipeline does (reusing the OCR output cached by
bench/fields.py; the forensics read the original bytes from the batch folder), runs `verify_dossier`
and compares the FRAUD.* findings with truth.json:

- detection: of the planted faults that call for the rule, how many got it;
- false warnings: the rule's findings on clean applicants (no planted fault), per clean applicant;
- elsewhere: the rule's findings on applicants with other faults only (not counted as false warnings
  above, listed so that a reader can judge them).

Per rule, which signs (indicator kinds) the findings rested on, and how many carried a region (bbox).

    .venv/bin/python bench/fraud.py [--batch DIR ...] [--workers 2] [--show]

Goal (issue 6): ≥ 90 % detection per indicator, ≤ 0.1 false warnings per clean applicant.
A rule decided over the whole batch (duplicates, plagiarism) is for bench/fraud_batch.py.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fields import extracted_dossiers, pct  # noqa: E402
from verify import verify_dossier  # noqa: E402
from verify.rules import load_rules  # noqa: E402

RULES = ("FRAUD.IMAGE_EDITED", "FRAUD.PDF_EDITED")  # the per-dossier fraud rules measured here
BATCHES = ("batch-seed9-n30", "batch-alt-seed11-n30", "batch-mixed-seed17-n30")


class Tally:
    """One rule's counts over one or more batches."""

    def __init__(self) -> None:
        self.planted = self.detected = self.clean_warnings = self.elsewhere = self.with_region = 0
        self.signs: Counter = Counter()
        self.misses: list[str] = []
        self.false: list[str] = []

    def row(self, rule: str, clean: int) -> str:
        per_clean = self.clean_warnings / clean if clean else 0.0
        return (f"  {rule:22s} detected {pct(self.detected, self.planted):>16s}   false warnings "
                f"{self.clean_warnings}/{clean} clean = {per_clean:.2f} per clean applicant   "
                f"on other faulty applicants {self.elsewhere}   with a region {self.with_region}")


def signs_of(dossier, rule: str) -> list[str]:
    """The indicator kinds behind `rule`'s findings (from the readings the finding's evidence names)."""
    pdf = rule == "FRAUD.PDF_EDITED"
    kinds = []
    for v in dossier.values:
        if v.field == "edit_indicators" and v.extractor.startswith("pdf_forensics@") == pdf:
            kinds += [i["kind"] for i in v.value if i.get("strength") != "info"]
    return kinds


def measure(batch: Path, workers: int, tallies: dict[str, Tally], show: bool) -> int:
    """Adds one batch's counts to `tallies`; returns its number of clean applicants."""
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    got = extracted_dossiers(batch, truth, engine=None, workers=workers, reread=False)
    rules = load_rules()
    clean = 0
    for key, dossier, _, _ in got.extracted:
        app = truth["applicants"][key]
        planted = {r for f in app["faults"] for r in f["rules"]}
        clean += not app["faults"]
        findings = [f for f in verify_dossier(dossier, rules) if f.rule in RULES]
        for rule in RULES:
            t = tallies[rule]
            mine = [f for f in findings if f.rule == rule]
            if rule in planted:
                t.planted += 1
                t.detected += bool(mine)
                if not mine:
                    t.misses.append(f"{batch.name}/{key}")
            elif mine and not app["faults"]:
                t.clean_warnings += len(mine)
                t.false += [f"{batch.name}/{key}: {f.message}" for f in mine]
            elif mine:
                t.elsewhere += len(mine)
                t.false += [f"{batch.name}/{key} (faults {[f['kind'] for f in app['faults']]}): {f.message}"
                            for f in mine]
            if mine:
                t.signs.update(signs_of(dossier, rule))
                t.with_region += sum(1 for f in mine if any(e.bbox for e in f.evidence))
            if show:
                for f in mine:
                    print(f"    {key} {rule}: {f.message}")
                    for e in f.evidence:
                        print(f"        evidence {e.file} p{e.page} bbox={e.bbox}")
    print(f"  {batch.name}: {len(got.keys)} applicants ({clean} clean); extraction {got.extract_wall:.0f} s")
    return clean


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", action="append", default=None, help="fixture batch folder(s) with truth.json")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--show", action="store_true", help="print every finding with its evidence")
    args = ap.parse_args()
    batches = [Path(b) for b in args.batch] if args.batch else [ROOT / "bench" / "out" / b for b in BATCHES]
    start = time.perf_counter()
    total: dict[str, Tally] = defaultdict(Tally)
    total_clean = 0
    for batch in batches:
        tallies: dict[str, Tally] = defaultdict(Tally)
        clean = measure(batch, args.workers, tallies, args.show)
        for rule in RULES:
            print(tallies[rule].row(rule, clean))
            for line in tallies[rule].misses:
                print(f"      missed: {line}")
            for line in tallies[rule].false:
                print(f"      not planted: {line[:220]}")
            t = total[rule]
            t.planted += tallies[rule].planted
            t.detected += tallies[rule].detected
            t.clean_warnings += tallies[rule].clean_warnings
            t.elsewhere += tallies[rule].elsewhere
            t.with_region += tallies[rule].with_region
            t.signs.update(tallies[rule].signs)
        total_clean += clean
    if len(batches) > 1:
        print(f"\nall {len(batches)} batches")
        for rule in RULES:
            print(total[rule].row(rule, total_clean))
    print("\nsigns behind the findings")
    for rule in RULES:
        print(f"  {rule:22s} " + ", ".join(f"{k} ×{n}" for k, n in total[rule].signs.most_common()))
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
