"""Scale-out: one fixture batch checked whole (run_batch) by local worker processes (1 and 2) and by
a Dask LocalCluster (1 and 2 workers of one thread); wall time, speed-up of 2 workers over 1, pages
per minute and dossiers per hour, and whether every run wrote the same report.json files.

Each run gets an empty OCR cache folder, so every page is read afresh. The load average is printed
beside each run: on a machine shared with other work the figures are only comparable to each other.

    .venv/bin/python bench/scale.py [--seed 9] [--n 6] [--runs local1,local2,dask1,dask2]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import ensure_batch  # noqa: E402
from dossier.executors import DaskExecutor, LocalExecutor  # noqa: E402
from dossier.pipeline import Options, run_batch  # noqa: E402

CACHE_ENV = "DOSSIER_CACHE_DIR"  # extract/ocr/cache.py's folder


def timed_run(name: str, batch: Path, out: Path) -> float:
    """Wall seconds of run_batch on the executor `name` (local1, local2, dask1, dask2), cluster start
    not counted."""
    workers = int(name[-1])
    if name.startswith("local"):
        start = time.perf_counter()
        run_batch(batch, out, Options(), executor=LocalExecutor(workers))
        return time.perf_counter() - start
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        executor = DaskExecutor(cluster)
        try:
            start = time.perf_counter()
            run_batch(batch, out, Options(), executor=executor)
            return time.perf_counter() - start
        finally:
            executor.close()


def reports_of(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*/report.json"))}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--n", type=int, default=6)
    ap.add_argument("--runs", default="local1,local2,dask1,dask2")
    args = ap.parse_args()

    batch = ensure_batch(args.seed, args.n)
    walls: dict[str, float] = {}
    outs: dict[str, dict] = {}
    pages = 0
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        for name in args.runs.split(","):
            os.environ[CACHE_ENV] = str(Path(tmp) / f"cache-{name}")  # empty: every page read afresh
            load = os.getloadavg()[0]
            walls[name] = timed_run(name, batch, Path(tmp) / name)
            outs[name] = reports_of(Path(tmp) / name)
            pages = sum(len({(d["file"], d["page"]) for d in r["documents"]}) for r in outs[name].values())
            print(f"{name:7s} {walls[name]:7.1f} s  {pages / walls[name] * 60:6.1f} pages/min  "
                  f"{len(outs[name]) / walls[name] * 3600:6.1f} dossiers/h  (load average {load:.1f} → "
                  f"{os.getloadavg()[0]:.1f})", flush=True)
    print(f"batch seed {args.seed} n {args.n}: {len(next(iter(outs.values())))} dossiers, {pages} pages, "
          f"{os.cpu_count()} cores")
    for kind in ("local", "dask"):
        if f"{kind}1" in walls and f"{kind}2" in walls:
            print(f"speed-up {kind} 2 workers over 1: {walls[f'{kind}1'] / walls[f'{kind}2']:.2f}x")
    first = next(iter(outs.values()))
    print("same report.json in every run:", "yes" if all(o == first for o in outs.values()) else "NO")
    return 0


if __name__ == "__main__":
    sys.exit(main())
