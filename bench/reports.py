"""What the reviewer's reports cost: evidence crops, the batch checks' fingerprint, report.json + report.html
+ report.docx, summary.xlsx.

Takes applicants of a fixture batch with their OCR output cached by bench/fields.py (bench/out), extracts
and verifies them as the pipeline does, then times each writing stage per applicant and prints medians,
with the output's size and the number of crops. OCR itself is not timed here (bench/pages.py does).

    .venv/bin/python bench/reports.py [--batch DIR | --seed 9 --n 30] [--k 6]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fields import batch_pages_of  # noqa: E402
from bench.pages import ensure_batch  # noqa: E402
from dossier.pipeline import Options, read_package  # noqa: E402
from extract.extractors import ExtractContext  # noqa: E402
from extract.images import MemberImages  # noqa: E402
from extract.run import extract_dossier  # noqa: E402
from ingest import Member, find_packages, iter_members  # noqa: E402
from reports import build_report, write_batch, write_report  # noqa: E402
from reports.evidence import write_evidence  # noqa: E402
from verify import decide_verdict, verify_dossier  # noqa: E402
from verify.batch import fingerprint  # noqa: E402
from verify.rules import load_rules  # noqa: E402
from verify.timeline import timeline  # noqa: E402


def _cached_pages(batch: Path) -> dict:
    import pickle

    cache = ROOT / "bench" / "out" / f"dossiers-{batch.name}-default.pickle"
    if not cache.exists():
        return {}
    results, _ = pickle.loads(cache.read_bytes())
    return {k: d for k, d, _ in results}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=Path)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--k", type=int, default=6, help="applicants to measure")
    args = ap.parse_args()
    batch = args.batch or ensure_batch(args.seed, args.n)
    rules = load_rules()
    options = Options()
    cached = _cached_pages(batch)
    batch_pages = batch_pages_of(batch, options)
    refs = [r for r in find_packages(batch)][: args.k]
    out = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    times: dict[str, list[float]] = {"crops": [], "fingerprint": [], "json+html+docx": []}
    sizes, crops, reports = [], [], []
    for ref in refs:
        members = {m.path: m.data for m in iter_members(ref) if isinstance(m, Member)}
        dossier = cached.get(ref.key) or read_package(ref, options)
        images = MemberImages(members)
        dossier = extract_dossier(dossier, ExtractContext(images=images, extra_pages=batch_pages))
        findings = verify_dossier(dossier, rules)
        report = build_report(dossier, findings, decide_verdict(findings), timeline=timeline(dossier, rules))
        start = time.perf_counter()
        n = write_evidence(report, dossier, images, members, out / report.applicant)
        times["crops"].append(time.perf_counter() - start)
        start = time.perf_counter()
        fingerprint(dossier, images, out / report.applicant, out)
        times["fingerprint"].append(time.perf_counter() - start)
        start = time.perf_counter()
        write_report(report, out, rules)
        times["json+html+docx"].append(time.perf_counter() - start)
        folder = out / report.applicant
        sizes.append(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()))
        crops.append(n)
        reports.append(report)
        print(f"{ref.key}: {n} crops in {times['crops'][-1]:.2f} s, fingerprint {times['fingerprint'][-1]:.2f} s, "
              f"reports in {times['json+html+docx'][-1]:.2f} s, "
              f"{sizes[-1] / 1e6:.1f} MB", flush=True)
    start = time.perf_counter()
    write_batch(reports, out, rules=rules)
    batch_s = time.perf_counter() - start
    print(f"\n{len(refs)} applicants of {batch.name} (output in {out})")
    for stage, values in times.items():
        print(f"  {stage:16s} median {statistics.median(values):.2f} s per applicant (max {max(values):.2f})")
    print(f"  crops            median {statistics.median(crops):.0f} per applicant")
    print(f"  output size      median {statistics.median(sizes) / 1e6:.2f} MB per applicant")
    print(f"  batch.json + index.html + summary.xlsx: {batch_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
