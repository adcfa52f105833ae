"""Page-type and orientation accuracy of the whole read path (ingest → normalise → OCR → classify).

Generates a fixture batch (or reuses one), reads every package with the default (or given) OCR
engine in worker processes, and compares each page's type and rotation with truth.json.

    .venv/bin/python bench/pages.py [--seed 7] [--n 20] [--engine rapidocr] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dossier.pipeline import Options, worker_init, read_package  # noqa: E402
from extract.classify import group_documents  # noqa: E402
from ingest import find_packages  # noqa: E402


def _read(ref, engine):
    start = time.perf_counter()
    dossier = read_package(ref, Options(engine=engine))
    return ref.key, dossier, time.perf_counter() - start


def ensure_batch(seed: int, n: int) -> Path:
    batch = ROOT / "bench" / "out" / f"batch-seed{seed}-n{n}"
    if not (batch / "truth.json").exists():
        from fixtures import generate_batch

        generate_batch(batch, seed=seed, n=n)
    return batch


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--engine", default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", default=None, help="an existing fixture batch (default: generate one)")
    ap.add_argument("--reuse", action="store_true", help="re-classify the saved OCR output of a previous run")
    args = ap.parse_args()

    batch = Path(args.batch) if args.batch else ensure_batch(args.seed, args.n)
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    refs = find_packages(batch)
    cache = ROOT / "bench" / "out" / f"dossiers-{batch.name}-{args.engine or 'default'}.pickle"
    if args.reuse and cache.exists():  # re-classify saved OCR output: for tuning doctypes.yaml
        results, wall = pickle.loads(cache.read_bytes())
        results = [(k, d.model_copy(update={"documents": tuple(group_documents(
            list(d.pages), {f.path: f.sha256 for f in d.files}))}), s) for k, d, s in results]
    else:
        start = time.perf_counter()
        with ProcessPoolExecutor(args.workers, initializer=worker_init) as pool:
            results = list(pool.map(_read, refs, [args.engine] * len(refs)))
        wall = time.perf_counter() - start
        cache.write_bytes(pickle.dumps((results, wall)))

    type_ok = Counter()
    type_all = Counter()
    rot_ok = Counter()
    rot_all = Counter()
    confusions = Counter()
    pages_read = 0
    for key, dossier, _ in results:
        predicted = {(d.file, p): d.type for d in dossier.documents for p in d.pages}
        rotation = {(pt.file, pt.page): pt.rotation for pt in dossier.pages}
        pages_read += len(dossier.pages)
        for tp in truth["applicants"][key]["pages"]:
            where = (tp["file"], tp["page"])
            deg = tp["degradation"]
            got = predicted.get(where, "<missing>")
            type_all[deg] += 1
            type_ok[deg] += got == tp["type"]
            if got != tp["type"]:
                confusions[(tp["type"], got)] += 1
            if deg in ("clean", "scanner", "phone") and where in rotation:
                rot_all[deg] += 1
                # truth: how far the stored page was turned clockwise; ours: how far we turned it back
                rot_ok[deg] += rotation[where] == (360 - tp["rotation"]) % 360

    def pct(ok, all_):
        return f"{100 * ok / all_:.1f} % ({ok}/{all_})" if all_ else "n/a"

    print(f"batch {batch.name}: {len(refs)} packages, {pages_read} pages read in {wall:.0f} s "
          f"with {args.workers} workers ({60 * pages_read / wall:.0f} pages/min)")
    print(f"page-type accuracy: {pct(sum(type_ok.values()), sum(type_all.values()))}")
    for deg in sorted(type_all):
        print(f"  {deg:10s} {pct(type_ok[deg], type_all[deg])}")
    print(f"orientation accuracy: {pct(sum(rot_ok.values()), sum(rot_all.values()))}")
    for deg in sorted(rot_all):
        print(f"  {deg:10s} {pct(rot_ok[deg], rot_all[deg])}")
    if confusions:
        print("confusions (truth → predicted):")
        for (t, p), c in confusions.most_common(15):
            print(f"  {t} → {p}: {c}")
    per_dossier = statistics.median(s for _, _, s in results)
    print(f"median seconds per dossier (one worker): {per_dossier:.1f}")
    out = ROOT / "bench" / "out" / "pages.json"
    out.write_text(json.dumps({
        "type_accuracy": {d: type_ok[d] / type_all[d] for d in type_all},
        "orientation_accuracy": {d: rot_ok[d] / rot_all[d] for d in rot_all},
        "confusions": {f"{t}->{p}": c for (t, p), c in confusions.items()},
        "pages": pages_read, "wall_s": wall,
    }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
