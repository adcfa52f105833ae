"""The OCR cache's gain: `dossier check` on a fixture batch, a first run (empty cache) against a re-run.

    .venv/bin/python bench/cache.py [--seed 9] [--n 4] [--workers 2] [--batch DIR] [--no-profile]

Both runs are the real command line in a subprocess, with --cache in a fresh folder. Prints each run's
wall seconds and CPU seconds (its processes' user+sys: steadier than wall time on a shared machine), the
re-run's share of the first run (target: <= 5 %), and the cache's entries by kind after each run (equal
when the re-run OCR'd nothing). Unless --no-profile, the re-run once more in this process (1 worker)
under cProfile: cumulative seconds per stage, i.e. what a warm cache leaves to do.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import ensure_batch  # noqa: E402
from extract.ocr.cache import DB_NAME  # noqa: E402

DOSSIER = str(Path(sys.executable).parent / "dossier")

# (module file, function) of the pipeline's stages, as cProfile names them
STAGES = (
    ("ingest/watchdog.py", "read_file", "ingest: open the files (forked reader)"),
    ("ingest/watchdog.py", "_pages", "ingest: decode and render the pages"),
    ("extract/ocr/page.py", "ocr_page", "OCR of the pages (cache look-ups on a re-run)"),
    ("extract/classify.py", "group_documents", "classify pages into documents"),
    ("extract/run.py", "_run", "extractors (fields from the text)"),
    ("extract/reread.py", "reread", "second looks at crops"),
    ("extract/seals.py", "pixel_readings", "seals and signatures"),
    ("extract/forensics.py", "forensic_readings", "forensics (metadata, ELA, PDF revisions)"),
    ("verify/__init__.py", "verify_dossier", "checks"),
    ("reports/evidence.py", "write_evidence", "evidence crops"),
    ("verify/batch.py", "fingerprint", "fingerprint for the batch checks"),
    ("reports/writer.py", "write_report", "reports (json, html, docx)"),
    ("verify/batch.py", "cross_check", "checks across the batch"),
    ("reports/writer.py", "write_batch", "batch outputs"),
)


def timed_check(batch: Path, out: Path, cache: Path, workers: int) -> tuple[float, float]:
    """(wall, cpu) seconds of one `dossier check` run; cpu counts the worker processes too."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([DOSSIER, "check", str(batch), "--out", str(out), "--cache", str(cache),
                           "--workers", str(workers), "--quiet"], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"dossier check failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def entries(cache: Path) -> dict[str, int]:
    with sqlite3.connect(cache / DB_NAME) as db:
        return dict(db.execute("SELECT kind, count(*) FROM entries GROUP BY kind ORDER BY kind").fetchall())


def stage_profile(batch: Path, out: Path, cache: Path) -> None:
    """The warm re-run in this process under cProfile; cumulative seconds per stage."""
    from dossier.pipeline import Options, run_batch

    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.runcall(run_batch, batch, out, Options(cache=str(cache)), workers=1)
    total = time.perf_counter() - start
    stats = pstats.Stats(profile).stats  # (file, line, function) -> (cc, nc, tt, cumulative, callers)
    print(f"\nwhere a warm re-run's time goes (1 worker, under cProfile: {total:.1f} s in all)")
    for path, function, label in STAGES:
        seconds = sum(v[3] for (file, _, name), v in stats.items()
                      if name == function and file.endswith(path))
        print(f"  {label:<48} {seconds:7.1f} s  {100 * seconds / total:5.1f} %")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=Path, default=None, help="an existing batch (default: generate one)")
    ap.add_argument("--no-profile", action="store_true", help="skip the profiled third run")
    args = ap.parse_args()
    batch = args.batch or ensure_batch(args.seed, args.n)
    with tempfile.TemporaryDirectory(prefix="dossier-cache-bench-") as tmp:
        work = Path(tmp)
        cache = work / "cache"
        runs = []
        for name in ("first run", "re-run"):
            wall, cpu = timed_check(batch, work / name, cache, args.workers)
            runs.append((wall, cpu))
            print(f"{name:<10} wall {wall:7.1f} s   cpu {cpu:7.1f} s   cache entries {entries(cache)}")
        (wall1, cpu1), (wall2, cpu2) = runs
        print(f"re-run / first run: wall {100 * wall2 / wall1:.1f} %, cpu {100 * cpu2 / cpu1:.1f} %  "
              f"(batch {batch.name}, {args.workers} workers, load {os.getloadavg()[0]:.1f})")
        if not args.no_profile:
            stage_profile(batch, work / "profiled", cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
