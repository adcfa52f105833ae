"""The checks across the batch against the planted pairs: duplicate images (and plagiarism).

For each fixture batch, every applicant is extracted as the pipeline does (reusing the OCR output
bench/fields.py cached), its fingerprint is built from the package's pixels (reduced pages written to
bench/out/fraud-batch/<batch>/<key>/evidence/), and the registered batch checks run over all of them.

    .venv/bin/python bench/fraud_batch.py [--batch DIR ...] [--workers 2] [--refresh]

Prints, per batch: detection per planted pair (both applicants must get the finding, naming each
other's page), false warnings per clean applicant and on applicants no planted pair involves, and the
seconds per image page the fingerprint costs. `--refresh` builds the fingerprints again (they are kept
in bench/out/fraud-batch/<batch>/prints.pickle).
"""
from __future__ import annotations

import json
import pickle
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fields import extracted_dossiers  # noqa: E402
from dossier.pipeline import worker_init  # noqa: E402
from ingest import find_packages, iter_members  # noqa: E402
from ingest.members import Member  # noqa: E402
from verify.batch import Fingerprint, fingerprint  # noqa: E402
from verify.rules import load_rules  # noqa: E402
from bench.fraud_batch_plagiarism import BATCHES, arguments, plagiarism_section  # noqa: E402

OUT = ROOT / "bench" / "out" / "fraud-batch"


def _print_one(ref, dossier, out: Path) -> tuple[Fingerprint, float, int]:
    """The applicant's fingerprint as the pipeline's worker makes it; seconds and image pages."""
    from extract.images import MemberImages

    members = {m.path: m.data for m in iter_members(ref) if isinstance(m, Member)}
    start = time.perf_counter()
    fp = fingerprint(dossier, MemberImages(members), out / ref.key, out)
    return fp, time.perf_counter() - start, sum(p.source.startswith("ocr:") for p in dossier.pages)


def _rehashed(fp: Fingerprint, out: Path) -> Fingerprint:
    """The page hashes of the current code, from the reduced pages on disk (the fingerprint hashes
    exactly those), so a change to the hashes needs no new fingerprints."""
    from PIL import Image

    from verify.batch_images import page_hashes

    pages = []
    for p in fp.pages:
        with Image.open(out / p.thumb) as thumb:
            pages.append(p.model_copy(update={"hashes": page_hashes(thumb)}))
    return fp.model_copy(update={"pages": tuple(pages)})


def batch_prints(batch: Path, workers: int, refresh: bool) -> tuple[list[Fingerprint], list[float], Path]:
    """Every applicant's fingerprint (cached) and the seconds per image page each took."""
    out = OUT / batch.name
    cache = out / "prints.pickle"
    if cache.exists() and not refresh:
        prints, per_page = pickle.loads(cache.read_bytes())
        return [_rehashed(fp, out) for fp in prints], per_page, out
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    got = extracted_dossiers(batch, truth, engine=None, workers=workers, reread=False)
    refs = {ref.key: ref for ref in find_packages(batch)}
    out.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(workers, initializer=worker_init) as pool:
        results = list(pool.map(_print_one, [refs[k] for k, *_ in got.extracted], [d for _, d, *_ in got.extracted],
                                [out] * len(got.extracted)))
    prints = [fp for fp, _, _ in results]
    per_page = [s / n for _, s, n in results if n]
    cache.write_bytes(pickle.dumps((prints, per_page)))
    return prints, per_page, out


def fixture_batches(args):
    """(folder, truth) of each batch named by --batch (a path, or a name under bench/out), else the three cached."""
    for name in args.batch or BATCHES:
        batch = Path(name) if "/" in name else ROOT / "bench" / "out" / name
        yield batch, json.loads((batch / "truth.json").read_text(encoding="utf-8"))


def _pairs(truth: dict, kinds: tuple[str, str]) -> list[tuple[str, str]]:
    """(copier, source) of each planted pair of `kinds` (copier's kind, source's kind)."""
    out = []
    for key, app in truth["applicants"].items():
        for f in app["faults"]:
            if f["kind"] == kinds[0]:
                source = f["detail"].rsplit("copied from ", 1)[-1].rstrip(")")
                out.append((key, source))
    return out


def rule_section(args, rule: str, kinds: tuple[str, str], title: str) -> dict:
    """Detection per planted pair of `kinds` and false warnings of `rule`, per batch."""
    from verify.batch import cross_check

    rules = load_rules()
    summary = {}
    print(f"\n== {title} ({rule}) ==")
    for batch, truth in fixture_batches(args):
        prints, per_page, out = batch_prints(batch, args.workers, args.refresh)
        start = time.perf_counter()
        found = cross_check(prints, rules, out)
        check_s = time.perf_counter() - start
        fired = {k: [f for f in fs if f.rule == rule] for k, fs in found.items()}
        pairs = _pairs(truth, kinds)
        involved = {k for pair in pairs for k in pair}
        detected = 0
        for copier, source in pairs:
            files = {k: {p.file for p in next(fp for fp in prints if fp.applicant == k).pages} for k in (copier, source)}
            # both sides told, each naming a page of the other dossier
            ok = all(any(ev.file in files[other] for f in fired.get(me, []) for ev in f.evidence)
                     for me, other in ((copier, source), (source, copier)))
            detected += ok
            print(f"  {batch.name}: pair {copier} ← {source}: {'found' if ok else 'MISSED'}")
        clean = [k for k, app in truth["applicants"].items() if not app["faults"]]
        false_clean = sum(len(fired.get(k, [])) for k in clean)
        false_other = {k: len(v) for k, v in fired.items() if v and k not in involved}
        pages = sum(len(fp.pages) for fp in prints)
        print(f"  {batch.name}: pairs found {detected}/{len(pairs)}; false warnings on {len(clean)} clean applicants "
              f"{false_clean} ({false_clean / max(1, len(clean)):.2f} each); on applicants outside the pairs "
              f"{sum(false_other.values())} {sorted(false_other) or ''}; {pages} image pages, fingerprint "
              f"median {statistics.median(per_page):.2f} s per page; batch check {check_s:.1f} s")
        for k in sorted(false_other):
            for f in fired[k]:
                print(f"    {k}: {f.message[:160]}")
        summary[batch.name] = {"pairs": len(pairs), "found": detected, "clean": len(clean), "false_clean": false_clean,
                               "false_other": sum(false_other.values()), "s_per_page": statistics.median(per_page),
                               "check_s": check_s}
    return summary


def duplicates_section(args) -> dict:
    """FRAUD.DUPLICATE_IMAGE: the copier's diploma photo is the source applicant's."""
    return rule_section(args, "FRAUD.DUPLICATE_IMAGE", ("duplicate_image", "duplicate_image_source"),
                        "duplicate images")


def main() -> int:
    args = arguments()
    results = {section.__name__: section(args) for section in (duplicates_section, plagiarism_section)}
    (OUT / "summary.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
