"""Where a worker's memory goes page by page: one package with an N-page scanned PDF checked in this
process, its RSS sampled every 50 ms; for every page, the RSS before its OCR and the peak during it,
summed up by blocks of pages; then the peak of the stages after reading (extraction with its render
store, evidence crops, fingerprint) and the reading time.

bench/memory.py gives the peaks the issue's target is about (1 page against 200); this shows their
make-up: the OCR engine's transient on each page over what the worker holds between pages. A worker
runs with page-sized buffers mapped on their own (glibc's mmap threshold fixed at 8 MB,
ingest.watchdog.map_large_buffers) and the text detector on an onnxruntime arena shrunk after every
run (extract.ocr.rapid.ArenaSession); the flags undo or change those, to measure each (each costs
time or memory, printed beside it):

    .venv/bin/python bench/memory_pages.py [--pages 40] [--mmap-threshold MB] [--no-detector-arena] [--no-mem-pattern]

`--mmap-threshold 32`: the threshold glibc's dynamic one ends at (buffers up to 32 MB from its heap,
as before); `--no-detector-arena`: the detector on the wheel's own session (no arena);
`--no-mem-pattern`: onnxruntime's memory pattern off in the wheel's sessions.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--block", type=int, default=10, help="pages per line of the summary")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--mmap-threshold", type=int, default=0, metavar="MB")
    ap.add_argument("--no-mem-pattern", action="store_true")
    ap.add_argument("--no-detector-arena", action="store_true")
    args = ap.parse_args()

    from bench import memory  # the same fixture scans and PDF
    from bench.pages import ensure_batch
    from extract.ocr import rapid
    from ingest.watchdog import MMAP_THRESHOLD, set_mmap_threshold

    work = Path(tempfile.mkdtemp(prefix="bench-memory-pages-"))
    pdf = work / "scan.pdf"
    memory.scanned_pdf(memory.fixture_scans(ensure_batch(args.seed, args.n)), args.pages, pdf)
    os.environ["DOSSIER_CACHE_DIR"] = str(work / "cache")  # every page read by the engine
    if args.no_mem_pattern:
        memory.override_session_options({"enable_mem_pattern": False})

    import psutil

    import dossier.pipeline as pipeline
    from ingest import find_packages

    rapid.DETECTOR_ARENA = not args.no_detector_arena
    pipeline.worker_init()
    if args.mmap_threshold:
        set_mmap_threshold(args.mmap_threshold * MB)
    me, samples, stop = psutil.Process(), [], threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            samples.append((time.perf_counter(), me.memory_info().rss / MB))

    threading.Thread(target=sample, daemon=True).start()
    pages = []  # (start, rss before, end)
    read_page = pipeline.to_page_text

    def timed(raw, engine):
        start, before = time.perf_counter(), me.memory_info().rss / MB
        try:
            return read_page(raw, engine)
        finally:
            pages.append((start, before, time.perf_counter()))

    pipeline.to_page_text = timed
    batch = work / "batch"
    (batch / "in" / "applicant").mkdir(parents=True)
    (batch / "in" / "applicant" / "scan.pdf").write_bytes(pdf.read_bytes())
    start = time.perf_counter()
    pipeline.check_package(find_packages(batch / "in")[0], pipeline.Options(), out=batch / "out")
    end = time.perf_counter()
    stop.set()
    read_end = pages[-1][2]

    def peak(a: float, b: float) -> float:
        return max((rss for t, rss in samples if a <= t <= b), default=0.0)

    variant = f"mmap threshold {args.mmap_threshold or MMAP_THRESHOLD // MB} MB"
    variant += ", detector on the wheel's session" if args.no_detector_arena else ", detector on a shrinking arena"
    variant += ", memory pattern off" if args.no_mem_pattern else ""
    print(f"{args.pages} scanned pages, {variant}")
    print(f"reading: {read_end - start:.1f} s ({(read_end - start) / len(pages):.2f} s per page); "
          f"the stages after it: {end - read_end:.1f} s")
    for first in range(0, len(pages), args.block):
        block = pages[first:first + args.block]
        peaks = [peak(a, b) for a, _, b in block]
        print(f"  pages {first + 1:3d}-{first + len(block):3d}: RSS before a page's OCR, mean "
              f"{statistics.mean(p[1] for p in block):5.0f} MB; peak during it, mean {statistics.mean(peaks):5.0f} MB, "
              f"max {max(peaks):5.0f} MB")
    print(f"peak while reading {peak(start, read_end):.0f} MB, after reading {peak(read_end, end):.0f} MB; "
          f"VmHWM {memory.own_peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
