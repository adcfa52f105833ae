"""Verification against the planted faults: recall per fault and per rule, false alarms, verdicts.

Extracts every applicant of a fixture batch as the pipeline does (reusing the OCR output cached by
bench/fields.py), runs `verify_dossier` with the notice's rules and compares the findings with
truth.json: each planted fault's rules must be found (recall), a clean applicant must get no `block`
or `error` finding, and the verdict must be the one the planted faults call for.

    .venv/bin/python bench/verdicts.py [--batch DIR | --seed 9 --n 30] [--rules FILE] [--workers 2]
                                       [--reread] [--show KEY]

Rules that no check emits yet (issue 6's fraud checks) are listed apart, not counted as misses.
A batch-level rule (duplicates, plagiarism across applicants) is not decided per dossier: listed apart.
The expected verdict: `ineligible` if a planted fault's rule is a block, else `needs_review` if any is
an error or warn, else `eligible`; the verdict compared leaves out CHECK.INCOMPLETE (it says which rules
are not yet checked, on every applicant while any are missing).
Writes bench/out/verdicts.json.
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
from bench.pages import ensure_batch  # noqa: E402
from verify import BATCH_RULES, decide_verdict, verify_dossier  # noqa: E402
from verify.catalogue import load_catalogue  # noqa: E402
from verify.checks import emitted_rules  # noqa: E402
from verify.rules import load_rules  # noqa: E402

NOT_A_VERDICT = {"CHECK.INCOMPLETE"}


def expected_verdict(rules: set[str]) -> str:
    severities = {load_catalogue().rules[r].severity for r in rules}
    return "ineligible" if "block" in severities else "needs_review" if severities & {"error", "warn"} else "eligible"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--batch", default=None, help="an existing fixture batch (default: generate one)")
    ap.add_argument("--rules", default=None, help="a rules file (default: the bundled notice)")
    ap.add_argument("--engine", default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reread", action="store_true", help="OCR the packages again and replace the cache")
    ap.add_argument("--show", action="append", default=[], help="print every finding of this applicant")
    args = ap.parse_args()
    wall_start = time.perf_counter()

    batch = Path(args.batch) if args.batch else ensure_batch(args.seed, args.n)
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    got = extracted_dossiers(batch, truth, engine=args.engine, workers=args.workers, reread=args.reread)
    rules = load_rules(args.rules)
    checked = emitted_rules()
    per_dossier = checked - BATCH_RULES

    fault_hits: dict[str, list[bool]] = defaultdict(list)  # fault kind → found per occurrence
    rule_hits: dict[str, list[bool]] = defaultdict(list)  # rule → found per planted occurrence
    not_checked: Counter = Counter()
    false_alarms: list[tuple[str, str, str, str]] = []  # applicant, rule, severity, message (clean applicants)
    extras: list[tuple[str, str, str, str]] = []  # findings no planted fault calls for, on faulty applicants
    misses: list[tuple[str, str, str]] = []
    verdicts: list[dict] = []
    clean = 0
    for key, dossier, _, _ in got.extracted:
        app = truth["applicants"][key]
        findings = verify_dossier(dossier, rules)
        fired = {f.rule for f in findings}
        expected = {r for f in app["faults"] for r in f["rules"]}
        clean += not app["faults"]
        for f in app["faults"]:
            wanted = [r for r in f["rules"] if r in per_dossier]
            for r in f["rules"]:
                if r not in per_dossier:
                    not_checked[r] += 1
            if not wanted:
                continue
            hit = all(r in fired for r in wanted)
            fault_hits[f["kind"]].append(hit)
            for r in wanted:
                rule_hits[r].append(r in fired)
                if r not in fired:
                    misses.append((key, f["kind"], r))
        for f in findings:
            if f.rule in expected or f.rule in NOT_A_VERDICT:
                continue
            row = (key, f.rule, f.severity, f.message)
            (extras if app["faults"] else false_alarms).append(row)
        want = expected_verdict({r for r in expected if r in per_dossier})
        verdict = decide_verdict([f for f in findings if f.rule not in NOT_A_VERDICT])
        verdicts.append({"applicant": key, "expected": want, "got": verdict, "faults": [f["kind"] for f in app["faults"]],
                         "findings": sorted(fired - NOT_A_VERDICT)})
        if key in args.show:
            print(f"\n{key}: faults {[f['kind'] for f in app['faults']]} → verdict {verdict}")
            for f in findings:
                print(f"  {f.severity:5s} {f.rule:24s} {f.field or '':18s} {f.message[:140]}")

    print(f"\nbatch {batch.name}: {len(got.keys)} applicants ({clean} clean), rules {rules.id}; "
          f"extraction {got.extract_wall:.0f} s")
    print("\nrecall per planted fault (every rule the fault calls for, among the rules checked per dossier)")
    for kind in sorted(fault_hits):
        hits = fault_hits[kind]
        print(f"  {kind:30s} {pct(sum(hits), len(hits))}")
    print("\nrecall per rule")
    for rule in sorted(rule_hits):
        hits = rule_hits[rule]
        print(f"  {rule:24s} {pct(sum(hits), len(hits))}")
    total_hits = [h for hits in rule_hits.values() for h in hits]
    print(f"  {'all':24s} {pct(sum(total_hits), len(total_hits))}")
    if not_checked:
        print("planted but not checked per dossier (batch-level or not implemented yet): "
              + ", ".join(f"{r} ×{n}" for r, n in sorted(not_checked.items())))
    if misses:
        print("misses:")
        for key, kind, rule in misses:
            print(f"  {key:14s} {kind:30s} {rule}")

    serious = [row for row in false_alarms if row[2] in ("block", "error")]
    print(f"\nclean applicants: {clean}; block/error findings on them: {len(serious)}; "
          f"warn/info findings on them: {len(false_alarms) - len(serious)}")
    for key, rule, sev, msg in false_alarms:
        print(f"  {key:14s} {sev:5s} {rule:22s} {msg[:150]}")
    print(f"findings on faulty applicants that no planted fault calls for: {len(extras)}")
    for key, rule, sev, msg in extras:
        print(f"  {key:14s} {sev:5s} {rule:22s} {msg[:150]}")

    right = sum(v["expected"] == v["got"] for v in verdicts)
    print(f"\nverdicts right: {pct(right, len(verdicts))}")
    confusion = Counter((v["expected"], v["got"]) for v in verdicts)
    for (want, have), n in sorted(confusion.items()):
        print(f"  expected {want:13s} got {have:13s} {n}")
    for v in verdicts:
        if v["expected"] != v["got"]:
            print(f"  {v['applicant']:14s} expected {v['expected']}, got {v['got']}: faults {v['faults']} findings {v['findings']}")
    unimplemented = sorted(set(load_catalogue().rules) - checked - {"CHECK.INCOMPLETE", "CHECK.UNDECIDED"})
    print(f"\nrules with no check yet: {', '.join(unimplemented) or 'none'}")
    wall = time.perf_counter() - wall_start
    print(f"wall time {wall:.0f} s")
    out = ROOT / "bench" / "out" / "verdicts.json"
    out.write_text(json.dumps({
        "batch": batch.name, "rules": rules.id, "applicants": len(got.keys), "clean": clean,
        "recall_per_fault": {k: [sum(h), len(h)] for k, h in fault_hits.items()},
        "recall_per_rule": {k: [sum(h), len(h)] for k, h in rule_hits.items()},
        "misses": misses, "false_alarms": false_alarms, "extras": extras, "verdicts": verdicts,
        "verdicts_right": [right, len(verdicts)], "unimplemented": unimplemented, "wall_s": wall,
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
