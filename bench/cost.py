"""Cost of the whole pipeline against the default OCR engine reading the same pages raw (issue 7:
pipeline ≤ 1.0× raw OCR), and where the pipeline's time goes, stage by stage.

One fixture batch, both sides in this one process on this machine, one after the other:

- pipeline: `run_batch(batch, out, Options(use_cache=False), executor=LocalExecutor(1))` (in this
  process, no OCR cache read or written), wall time.
- raw OCR: every page of every file of the batch as ingest gives it (`ingest.read_file`: scans,
  photos and image-only PDF pages rendered as the pipeline gets them; text-layer PDF pages rendered
  here by pypdfium2 at ingest's `limits.RENDER_DPI`, as ingest renders image pages), each read by
  the engine as shipped: for RapidOCR its own recognition batch (6 lines, padded to the widest) and detector input step,
  with our one thread, no line classifier and word boxes; no orientation detection, no deskew, no
  crops, no cache. This is the ratio's denominator. Each page is also read by our adapter
  (`get_engine(...).engine.read(image, dpi)`: lines one by one), printed beside it, so how much of
  the gain is the adapter's and how much the rest of the pipeline's shows.
  Only the engine calls count as raw OCR time; reading and rendering are timed apart. DOCX and
  XLSX pages have no image and are skipped (counted).

Both sides run with one OCR thread (`worker_init`); the raw side with glibc's mmap threshold where
its dynamic one settles in a plain process (32 MB), the pipeline side with a worker's 8 MB
(`ingest.watchdog.map_large_buffers`). The engine's models are loaded once before either side is timed. With --repeat R the two sides run
R times, alternating which goes first; medians are printed. The load average is printed beside
each run: on a shared machine the figures only compare with each other.

Stage shares come from the timed pipeline runs themselves: the stages' entry functions are wrapped
(while the script runs) by a clock that charges every moment to the innermost stage entered, so the
stages never overlap (OCR of crops inside extraction counts as OCR, not extraction). The clock's
own cost is measured and printed (a few ms). `--cprofile FILE` adds one more pipeline run under
cProfile for digging into functions (its overhead inflates Python-heavy code, so it is not used
for the shares).

    .venv/bin/python bench/cost.py [--seed 9] [--n 6] [--repeat 2] [--engine rapidocr@1] [--cprofile FILE]
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402
from PIL import Image  # noqa: E402

import dossier.pipeline as pipeline  # noqa: E402
import extract.run  # noqa: E402
import extract.seal_text  # noqa: E402
from bench.pages import ensure_batch  # noqa: E402
from core.records import SourceFile  # noqa: E402
from dossier.executors import LocalExecutor  # noqa: E402
from dossier.pipeline import Options, run_batch, worker_init  # noqa: E402
from extract.images import MemberImages  # noqa: E402
from extract.ocr import DEFAULT_ENGINE, get_engine, ocr_engines  # noqa: E402
from extract.ocr import page as ocr_page_module  # noqa: E402
from extract.ocr.cache import CachedEngine  # noqa: E402
from extract.ocr.page import page_dpi  # noqa: E402
from ingest import RawPage, find_batch_files, find_packages, iter_members, limits, read_file  # noqa: E402
from ingest.watchdog import MMAP_THRESHOLD_MAX, map_large_buffers, set_mmap_threshold  # noqa: E402

OUT = ROOT / "bench" / "out"

# Stages in the order of the table. Each is charged the time of its entry functions minus the time of
# any other stage entered inside them.
INGEST = "ingest (read files, render pages)"
NORMALISE = "page normalisation (orientation incl. OSD, deskew)"
OCR_PAGE = "OCR engine: full pages"
OCR_CROPS = "OCR engine: crops (re-reads, seals)"
CLASSIFY = "page classification"
EXTRACT = "extraction: fields"
REREAD = "extraction: re-reads (besides their OCR)"
SEALS = "extraction: seals, signatures (pixels)"
FORENSICS = "extraction: forensics"
IMAGES = "page images again (re-render, replay)"
VERIFY = "verification"
FINGERPRINT = "fingerprint (verify.batch)"
REPORTS = "evidence crops, reports (reports/)"
BATCH = "batch checks (cross_check)"
OTHER = "other"
STAGES = (INGEST, NORMALISE, OCR_PAGE, OCR_CROPS, CLASSIFY, EXTRACT, REREAD, SEALS, FORENSICS, IMAGES,
          VERIFY, FINGERPRINT, REPORTS, BATCH, OTHER)


class StageClock:
    """Time charged to the innermost stage entered (a stack); pages the pipeline read, by kind."""

    def __init__(self):
        self.spent: dict[str, float] = defaultdict(float)
        self.entries = 0
        self.pages: Counter[str] = Counter()
        self._stack: list[str] = []
        self._mark = time.perf_counter()

    def push(self, stage: str) -> None:
        now = time.perf_counter()
        if self._stack:
            self.spent[self._stack[-1]] += now - self._mark
        self._stack.append(stage)
        self._mark = now
        self.entries += 1

    def pop(self) -> None:
        now = time.perf_counter()
        self.spent[self._stack.pop()] += now - self._mark
        self._mark = now

    def inside(self, stage: str) -> bool:
        return stage in self._stack

    def wrap(self, fn: Callable, stage: str | Callable[[], str]) -> Callable:
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            self.push(stage if isinstance(stage, str) else stage())
            try:
                return fn(*args, **kwargs)
            finally:
                self.pop()
        return timed

    def wrap_iter(self, items: Iterator, stage: str, count: bool = False) -> Iterator:
        """`items`, each step charged to `stage`; with `count`, RawPages counted by kind."""
        try:
            while True:
                self.push(stage)
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    self.pop()
                if count and isinstance(item, RawPage):
                    self.pages[item.kind] += 1
                yield item
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()


def clock_cost_per_entry() -> float:
    """Seconds the clock adds per stage entered (push + pop + the wrapper's call), measured here."""
    clock = StageClock()
    noop = clock.wrap(lambda: None, "x")
    clock.push(OTHER)
    start = time.perf_counter()
    for _ in range(20000):
        noop()
    return (time.perf_counter() - start) / 20000


@contextmanager
def instrumented(clock: StageClock):
    """The pipeline's stage entry functions wrapped by `clock` for the duration; put back afterwards."""
    def read_file_timed(path, data):
        clock.push(INGEST)
        try:
            source, pages = read_file(path, data)
        finally:
            clock.pop()
        return source, clock.wrap_iter(iter(pages), INGEST, count=True)

    def engine_stage() -> str:  # an engine call under CachedEngine.read or a seal's ring is a crop's
        return OCR_CROPS if clock.inside(OCR_CROPS) else OCR_PAGE

    patches: list[tuple[object, str, object]] = [
        (pipeline, "read_file", read_file_timed),
        (pipeline, "iter_members", lambda ref: clock.wrap_iter(iter_members(ref), INGEST)),
        (ocr_page_module, "normalise_page", clock.wrap(ocr_page_module.normalise_page, NORMALISE)),
        (CachedEngine, "read", clock.wrap(CachedEngine.read, OCR_CROPS)),
        (extract.seal_text, "recognise", clock.wrap(extract.seal_text.recognise, OCR_CROPS)),
        (pipeline, "group_documents", clock.wrap(pipeline.group_documents, CLASSIFY)),
        (pipeline, "extract_dossier", clock.wrap(pipeline.extract_dossier, EXTRACT)),
        (extract.run, "reread", clock.wrap(extract.run.reread, REREAD)),
        (extract.run, "pixel_readings", clock.wrap(extract.run.pixel_readings, SEALS)),
        (extract.run, "forensic_readings", clock.wrap(extract.run.forensic_readings, FORENSICS)),
        (MemberImages, "_render", clock.wrap(MemberImages._render, IMAGES)),
        (pipeline, "fingerprint", clock.wrap(pipeline.fingerprint, FINGERPRINT)),
        (pipeline, "cross_check", clock.wrap(pipeline.cross_check, BATCH)),
    ]
    patches += [(cls, name, clock.wrap(getattr(cls, name), engine_stage)) for _, cls in ocr_engines.items()
                for name in ("read", "read_if_upright") if hasattr(cls, name)]
    patches += [(pipeline, name, clock.wrap(getattr(pipeline, name), VERIFY))
                for name in ("load_rules", "verify_dossier", "decide_verdict", "timeline")]
    patches += [(pipeline, name, clock.wrap(getattr(pipeline, name), REPORTS))
                for name in ("build_report", "write_evidence", "write_report", "write_batch", "share_evidence",
                             "write_files")]
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
    try:
        for owner, name, new in patches:
            setattr(owner, name, new)
        yield clock
    finally:
        for owner, name, old in saved:
            setattr(owner, name, old)


def load() -> float:
    return os.getloadavg()[0]


def run_pipeline(batch: Path, out: Path, engine: str | None) -> dict:
    """One timed pipeline run (in this process, OCR cache off) with its stage clock."""
    clock = StageClock()
    before = load()
    with instrumented(clock):
        start = time.perf_counter()
        clock.push(OTHER)
        try:
            reports = run_batch(batch, out, Options(engine=engine, use_cache=False), executor=LocalExecutor(1))
        finally:
            clock.pop()
        wall = time.perf_counter() - start
    return {"wall_s": round(wall, 2), "load_before": round(before, 2), "load_after": round(load(), 2),
            "dossiers": len(reports), "pages": dict(clock.pages), "stage_entries": clock.entries,
            "stages_s": {s: round(clock.spent.get(s, 0.0), 3) for s in STAGES}}


def batch_files(batch: Path) -> Iterator[tuple[str, bytes | None]]:
    """(path, bytes) of every file of the batch as the pipeline reads it; bytes None for a file ingest
    refused before reading (unsafe path, too large)."""
    for path in find_batch_files(batch):
        yield path.name, path.read_bytes()
    for ref in find_packages(batch):
        for item in iter_members(ref):
            yield (item.path, None) if isinstance(item, SourceFile) else (item.path, item.data)


def render_text_page(doc: pdfium.PdfDocument, number: int) -> tuple[Image.Image, int]:
    """A text-layer PDF page rendered as ingest renders an image-only one (ingest/pdf.py `_one_page`)."""
    page = doc[number - 1]
    try:
        w_pt, h_pt = page.get_size()
        dpi = limits.RENDER_DPI
        scale = dpi / 72
        if w_pt * h_pt * scale * scale > limits.MAX_RENDER_PIXELS:
            scale = (limits.MAX_RENDER_PIXELS / (w_pt * h_pt)) ** 0.5
            dpi = max(1, int(scale * 72))
        bitmap = page.render(scale=scale, rotation=0)
        image = bitmap.to_pil().convert("RGB")
        bitmap.close()
    finally:
        page.close()
    return image, dpi


def shipped_reader(engine: str | None) -> Callable[[Image.Image, int], object]:
    """A full-page read by the engine as shipped. RapidOCR: its own recognition batch (6 lines) instead
    of our REC_BATCH and its own detector input step (float64) instead of our lookup table; same
    thread count, no line classifier,
    word boxes, lines assembled. Other engines: our adapter's read (it is the engine's own call)."""
    name = engine or DEFAULT_ENGINE
    if not name.startswith("rapidocr"):
        return get_engine(name).engine.read
    from extract.ocr import rapid

    def read(image: Image.Image, dpi: int):
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        result, _ = rapid.run_engine(bgr, as_shipped=True, use_cls=False, return_word_box=True)
        return rapid.assemble(result)

    return read


def run_raw_ocr(batch: Path, engine: str | None) -> dict:
    """Every page of the batch read by the engine as shipped and by our adapter; engine time apart
    from reading/rendering."""
    shipped = shipped_reader(engine)
    bare = get_engine(engine or DEFAULT_ENGINE).engine
    ocr = Counter()  # seconds by page kind, engine as shipped
    adapter_s = 0.0  # seconds, our adapter's full-page read
    pages = Counter()  # pages OCR'd by kind
    skipped = Counter()  # pages with no image (docx, xlsx), unreadable pages/files
    ingest_s = render_text_s = 0.0
    before = load()
    start = time.perf_counter()
    files = batch_files(batch)
    while True:
        t = time.perf_counter()
        path, data = next(files, (None, None))
        ingest_s += time.perf_counter() - t
        if path is None:
            break
        if data is None:
            skipped["file refused by ingest"] += 1
            continue
        t = time.perf_counter()
        source, items = read_file(path, data)
        ingest_s += time.perf_counter() - t
        doc = None
        try:
            while True:
                t = time.perf_counter()
                raw = next(items, None)
                ingest_s += time.perf_counter() - t
                if raw is None:
                    break
                if not isinstance(raw, RawPage):
                    skipped["page unreadable"] += 1
                    continue
                if raw.kind in ("docx", "xlsx"):
                    skipped[raw.kind] += 1
                    continue
                if raw.kind == "text_layer":
                    t = time.perf_counter()
                    doc = doc or pdfium.PdfDocument(data)
                    image, dpi = render_text_page(doc, raw.page)
                    render_text_s += time.perf_counter() - t
                else:
                    image, dpi = raw.image, page_dpi(raw)
                t = time.perf_counter()
                shipped(image, dpi)
                ocr[raw.kind] += time.perf_counter() - t
                t = time.perf_counter()
                bare.read(image, dpi)
                adapter_s += time.perf_counter() - t
                pages[raw.kind] += 1
                del raw, image
        finally:
            if doc is not None:
                doc.close()
    wall = time.perf_counter() - start
    return {"ocr_s": round(sum(ocr.values()), 2), "adapter_ocr_s": round(adapter_s, 2), "ocr_s_by_kind": {k: round(v, 2) for k, v in ocr.items()},
            "pages": dict(pages), "skipped": dict(skipped), "ingest_s": round(ingest_s, 2),
            "render_text_layer_s": round(render_text_s, 2), "wall_s": round(wall, 2),
            "load_before": round(before, 2), "load_after": round(load(), 2)}


def warm_up(engine: str | None) -> None:
    """Load the engine's models (RapidOCR ~1 s) before either side is timed."""
    get_engine(engine or DEFAULT_ENGINE).engine.read(Image.new("RGB", (240, 80), "white"), 300)


def profile_run(batch: Path, out: Path, engine: str | None, target: Path) -> None:
    """One more pipeline run under cProfile, written to `target`; the top functions by own time printed."""
    profiler = cProfile.Profile()
    before = load()
    start = time.perf_counter()
    profiler.runcall(run_batch, batch, out, Options(engine=engine, use_cache=False), executor=LocalExecutor(1))
    wall = time.perf_counter() - start
    profiler.dump_stats(str(target))
    print(f"\ncProfile run: {wall:.1f} s (load {before:.2f} → {load():.2f}), written to {target}; top by own time:")
    pstats.Stats(str(target)).sort_stats("tottime").print_stats(15)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def plain_process_allocator() -> None:
    """glibc's mmap threshold where its own dynamic one settles in a plain process once a page-sized
    buffer was freed (32 MB on 64-bit Linux): the raw engine's side is not run with the worker's 8 MB
    (`map_large_buffers`), which maps and faults in its buffers afresh and would slow it."""
    set_mmap_threshold(MMAP_THRESHOLD_MAX)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=9, help="fixture batch seed (default 9)")
    ap.add_argument("--n", type=int, default=6, help="applicants in the fixture batch (default 6)")
    ap.add_argument("--repeat", type=int, default=2,
                    help="runs of each side, alternating which goes first; medians printed (default 2)")
    ap.add_argument("--engine", default=None, help=f"OCR engine (default {DEFAULT_ENGINE})")
    ap.add_argument("--json", default=None, help="where to write the figures (default bench/out/cost.json for "
                    "seed 9 n 6, else bench/out/cost-seed<S>-n<N>.json)")
    ap.add_argument("--cprofile", default=None, metavar="FILE", help="one more pipeline run under cProfile, "
                    "its stats written to FILE")
    args = ap.parse_args()

    batch = ensure_batch(args.seed, args.n)
    engine = args.engine or DEFAULT_ENGINE
    worker_init()  # one OCR thread, as the pipeline's workers run, for both sides
    warm_up(args.engine)
    per_entry = clock_cost_per_entry()
    print(f"batch {batch.relative_to(ROOT)}, engine {engine}, {os.cpu_count()} cores, commit {git_commit()}", flush=True)
    raws: list[dict] = []
    pipes: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="cost-") as tmp:
        os.environ["DOSSIER_CACHE_DIR"] = str(Path(tmp) / "cache")  # never the user's cache (it is off anyway)
        for round_ in range(args.repeat):
            order = ("raw", "pipeline") if round_ % 2 == 0 else ("pipeline", "raw")
            for side in order:
                if side == "raw":
                    plain_process_allocator()
                    r = run_raw_ocr(batch, args.engine)
                    raws.append(r)
                    print(f"round {round_ + 1} raw OCR   {r['ocr_s']:7.1f} s engine as shipped (our adapter's read "
                          f"{r['adapter_ocr_s']:.1f} s) on {sum(r['pages'].values())} pages "
                          f"{r['pages']} (+ ingest {r['ingest_s']:.1f} s, text-layer render {r['render_text_layer_s']:.1f} s; "
                          f"skipped {r['skipped'] or 'none'})  load {r['load_before']:.2f} → {r['load_after']:.2f}",
                          flush=True)
                else:
                    map_large_buffers()  # as every worker does (worker_init)
                    p = run_pipeline(batch, Path(tmp) / f"out-{round_}", args.engine)
                    pipes.append(p)
                    print(f"round {round_ + 1} pipeline  {p['wall_s']:7.1f} s wall, {p['dossiers']} dossiers, "
                          f"{sum(p['pages'].values())} pages {p['pages']}  load {p['load_before']:.2f} → "
                          f"{p['load_after']:.2f}", flush=True)
        if args.cprofile:
            profile_run(batch, Path(tmp) / "out-profile", args.engine, Path(args.cprofile))

    raw_s, pipe_s = median(raws, "ocr_s"), median(pipes, "wall_s")
    raw_scan_s = statistics.median(r["ocr_s_by_kind"].get("image", 0.0) for r in raws)
    pages_pipe = sum(pipes[0]["pages"].values())
    ocr_pages_pipe = pipes[0]["pages"].get("image", 0)
    dossiers = pipes[0]["dossiers"]
    stages = {s: statistics.fmean(p["stages_s"][s] for p in pipes) for s in STAGES}
    mean_wall = statistics.fmean(p["wall_s"] for p in pipes)
    overhead = per_entry * statistics.fmean(p["stage_entries"] for p in pipes)

    print(f"\nmedians of {args.repeat} run(s) each:")
    print(f"  raw OCR, every page with an image ({sum(raws[0]['pages'].values())} pages): {raw_s:.1f} s "
          f"(scan/photo pages {raw_scan_s:.1f} s, rendered text-layer pages {raw_s - raw_scan_s:.1f} s)")
    print(f"  pipeline ({pages_pipe} pages, {ocr_pages_pipe} of them OCR'd; {dossiers} dossiers): {pipe_s:.1f} s")
    alone = f"; against the scan/photo pages alone {pipe_s / raw_scan_s:.2f}x" if raw_scan_s else ""
    adapter_s = median(raws, "adapter_ocr_s")
    print(f"  ratio pipeline / raw OCR: {pipe_s / raw_s:.2f}x (target ≤ 1.0x){alone}")
    print(f"  our adapter's full-page read of the same pages: {adapter_s:.1f} s = {adapter_s / raw_s:.2f}x the "
          f"engine as shipped; pipeline / adapter's reads {pipe_s / adapter_s:.2f}x")
    print(f"  pipeline: {pages_pipe / pipe_s * 60:.1f} pages/min ({ocr_pages_pipe / pipe_s * 60:.1f} OCR'd pages/min), "
          f"{dossiers / pipe_s * 3600:.1f} dossiers/h")
    print(f"\nstages of the pipeline (mean of {len(pipes)} timed run(s), {mean_wall:.1f} s; "
          f"stage clock overhead ≈ {overhead * 1000:.0f} ms):")
    print(f"  {'stage':52s} {'seconds':>8s} {'share':>7s}")
    for s in STAGES:
        print(f"  {s:52s} {stages[s]:8.1f} {stages[s] / mean_wall * 100:6.1f}%")
    print(f"  {'total':52s} {sum(stages.values()):8.1f} {sum(stages.values()) / mean_wall * 100:6.1f}%")

    figures = {
        "batch": batch.name, "seed": args.seed, "n": args.n, "engine": engine, "cores": os.cpu_count(),
        "commit": git_commit(), "repeat": args.repeat,
        "raw_ocr_s": raw_s, "raw_ocr_scan_pages_s": raw_scan_s, "adapter_ocr_s": adapter_s,
        "ratio_vs_adapter": round(pipe_s / adapter_s, 3), "pipeline_s": pipe_s,
        "ratio": round(pipe_s / raw_s, 3), "ratio_vs_scan_pages": round(pipe_s / raw_scan_s, 3) if raw_scan_s else None,
        "pages_raw": raws[0]["pages"], "skipped_raw": raws[0]["skipped"], "pages_pipeline": pipes[0]["pages"],
        "dossiers": dossiers, "pages_per_min": round(pages_pipe / pipe_s * 60, 2),
        "ocr_pages_per_min": round(ocr_pages_pipe / pipe_s * 60, 2),
        "dossiers_per_hour": round(dossiers / pipe_s * 3600, 2),
        "stages": [{"stage": s, "seconds": round(stages[s], 2), "share": round(stages[s] / mean_wall, 4)}
                   for s in STAGES],
        "stage_clock_overhead_s": round(overhead, 4),
        "runs": {"raw": raws, "pipeline": pipes},
        "notes": ("raw OCR: engine calls only (as shipped; adapter_ocr_s: our adapter's read), text-layer PDF pages rendered at ingest's RENDER_DPI, DOCX/XLSX "
                  "skipped; pipeline: run_batch in process, OCR cache off; stage shares from the timed runs' "
                  "stage clock (innermost stage charged)"),
    }
    target = Path(args.json) if args.json else OUT / ("cost.json" if (args.seed, args.n) == (9, 6)
                                                      else f"cost-seed{args.seed}-n{args.n}.json")
    target.write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
