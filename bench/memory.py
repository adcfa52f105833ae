"""Peak memory of one worker: a package with a 1-page and with a 200-page scanned PDF, and RapidOCR's own.

Each measurement runs in a fresh process (`--child`), which checks the package as a worker does
(`dossier.pipeline.check_package` with evidence crops and the fingerprint, default OCR engine, an
empty OCR cache) and prints its peak RSS (VmHWM of /proc/self/status: getrusage's ru_maxrss survives
exec, so a child would report the peak of the bench process that started it). A sampler (psutil)
adds the memory of ingest's reader (forked per file, ingest/watchdog.py), counted by its unshared
memory (USS), as its RSS counts the worker's pages it shares; the programs the worker runs
(Tesseract, for page orientation) are reported apart, by their USS. getrusage's figure for children
is not used (a child that execs reports the worker's RSS at the fork). The scanned PDFs repeat A4 pages of a fixture batch's scans,
JPEG q75 as scanners write them; a PDF of one of each is measured too, so that the comparison with 200 pages
is of the page count, not of which page the OCR peaked on. RapidOCR's baseline: the engine loaded
and one page read, then read again (onnxruntime's later runs allocate the memory plan it made on the
first: a worker's steady state): as our worker runs it (the detector on an onnxruntime arena shrunk
after every run), and with every session as the wheel makes it (CPU memory arena off), with the
arena on, and without the memory pattern.

    .venv/bin/python bench/memory.py [--pages 200] [--seed 9 --n 30] [--skip-long]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
QUALITY = 75


def fixture_scans(batch: Path, want: int = 6) -> list[tuple[object, int]]:
    """(image, dpi) of `want` A4 portrait pages of the batch's scanned PDFs (scan*.pdf), the finest first."""
    import pikepdf
    from pikepdf import PdfImage

    found = []  # (dpi, path, page index)
    for path in sorted(batch.rglob("scan*.pdf")):
        try:
            pdf = pikepdf.open(path)
        except pikepdf.PdfError:  # the batch's deliberately broken files
            continue
        with pdf:
            for index, page in enumerate(pdf.pages):
                images = list(page.get_images().values())
                if len(images) == 1 and 1.38 < images[0].Height / images[0].Width < 1.44:
                    width_pt = float(page.mediabox[2]) - float(page.mediabox[0])
                    found.append((round(int(images[0].Width) / (width_pt / 72)), path, index))
    scans = []
    for dpi, path, index in sorted(found, key=lambda f: -f[0])[:want]:
        with pikepdf.open(path) as pdf:
            image = next(iter(pdf.pages[index].get_images().values()))
            scans.append((PdfImage(image).as_pil_image().copy(), dpi))
    return scans


def scanned_pdf(scans: list[tuple[object, int]], pages: int, target: Path) -> None:
    """Write an image-only PDF of `pages` pages cycling through `scans`, each a JPEG at QUALITY with its
    page number stamped in the margin: every page an image of its own, as in a real scan (the OCR cache
    does not answer for a repeated page). One page's pixels at a time."""
    import pikepdf
    from PIL import ImageDraw

    pdf = pikepdf.new()
    for i in range(pages):
        img, dpi = scans[i % len(scans)]
        img = img.copy()
        ImageDraw.Draw(img).text((img.width - 200, img.height - 80), f"- {i + 1} -", fill=0)
        jpeg = io.BytesIO()
        img.save(jpeg, "JPEG", quality=QUALITY)
        image = pikepdf.Stream(pdf, jpeg.getvalue(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                               Width=img.width, Height=img.height, BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode,
                               ColorSpace=pikepdf.Name.DeviceGray if img.mode == "L" else pikepdf.Name.DeviceRGB)
        w, h = img.width * 72 / dpi, img.height * 72 / dpi
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, w, h],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=pikepdf.Stream(pdf, b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (w, h)))))
    pdf.docinfo["/Producer"] = "Scanner"
    pdf.save(target)


class _Sampler:
    """Peaks, sampled: this process's RSS plus its readers' USS, the readers' USS, and the USS of the
    programs it runs (Tesseract's page orientation).

    The RSS is read every 10 ms (the OCR's peak lasts about a second a page: a coarser sampler misses
    more of a 1-page package's one peak than of a 200-page one's two hundred), the children's USS,
    dearer to read, every 100 ms. A reader is a child running this program (forked by
    ingest/watchdog.py) seen in two samples in a row: a child that subprocess has just vforked runs this
    program too until it execs, and shares this process's memory meanwhile, so its USS is this whole
    process's (over 200 pages a sampler hits that window now and then: the worker counted twice)."""

    def __init__(self):
        import psutil

        self.me, self.stop = psutil.Process(), threading.Event()
        self.name = self.me.name()
        self.peak = self.readers_peak = self.programs_peak = 0
        self.readers = 0  # the readers' USS at the last look
        self._seen: set[int] = set()  # pids of children running this program at the last look
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        tick = 0
        while not self.stop.wait(0.01):
            if tick % 10 == 0:
                self._children()
            tick += 1
            self.peak = max(self.peak, self.me.memory_info().rss + self.readers)

    def _children(self) -> None:
        import psutil

        readers = programs = 0
        seen = set()
        for child in self.me.children(recursive=True):
            try:
                name, uss = child.name(), child.memory_full_info().uss
            except psutil.Error:
                continue
            if name != self.name:
                programs += uss
                continue
            if child.pid in self._seen:
                readers += uss
            seen.add(child.pid)
        self._seen, self.readers = seen, readers
        self.readers_peak = max(self.readers_peak, readers)
        self.programs_peak = max(self.programs_peak, programs)

    def done(self) -> tuple[float, float, float]:
        """(peak of the worker and its readers, peak of the readers, peak of the programs it ran), MB."""
        self.stop.set()
        self.thread.join()
        return self.peak / MB, self.readers_peak / MB, self.programs_peak / MB


def own_peak_mb() -> float:
    """This process's peak RSS in MB since it started its program (the kernel's high-water mark of its
    address space; unlike ru_maxrss it is not inherited from the process that ran this one)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_package(pdf: Path) -> dict:
    """Check a package holding only `pdf`, as a worker does; peaks in MB and seconds taken."""
    from dossier.pipeline import Options, check_package, worker_init
    from ingest import find_packages

    worker_init()
    sampler = _Sampler()
    batch = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    (batch / "in" / "applicant").mkdir(parents=True)
    (batch / "in" / "applicant" / "scan.pdf").write_bytes(pdf.read_bytes())
    start = time.perf_counter()
    report = check_package(find_packages(batch / "in")[0], Options(), out=batch / "out")
    seconds = time.perf_counter() - start
    total, readers, programs = sampler.done()
    unread = sum(f.rule == "INGEST.UNREADABLE" for f in report.findings)  # pages or files not read: a cut run
    return {"seconds": round(seconds, 1), "unreadable": unread,
            "peak_mb": own_peak_mb(), "readers_mb": readers,
            "total_mb": total, "programs_mb": programs}


ENGINE_VARIANTS = {  # (onnxruntime session options over the wheel's, our detector on its shrinking arena)
    "ours": ({}, True),
    "the wheel's sessions": ({}, False),
    "the wheel's, arena on": ({"enable_cpu_mem_arena": True}, False),
    "the wheel's, no memory pattern": ({"enable_mem_pattern": False}, False),
}


def override_session_options(changes: dict[str, object]) -> None:
    """RapidOCR's onnxruntime sessions made from here on with `changes` over the wheel's session options."""
    if not changes:
        return
    from rapidocr_onnxruntime.utils import infer_engine

    shipped = infer_engine.OrtInferSession._init_sess_opts

    def changed(config):
        options = shipped(config)
        for name, value in changes.items():
            setattr(options, name, value)
        return options

    infer_engine.OrtInferSession._init_sess_opts = staticmethod(changed)


def child_engine(image_path: Path, variant: str) -> dict:
    """RapidOCR loaded and one page read twice in a worker's setting (`worker_init`) with the session
    options of `variant`: peak RSS in MB after imports, after the first read and after the second.
    onnxruntime plans a run's memory (its memory pattern) on the first run of an input shape and
    allocates that plan in one block on the next runs of that shape. "ours": the detector on an arena
    shrunk after each run (extract/ocr/rapid.py `ArenaSession`), the other sessions as the wheel has
    them; the wheel's variants run every session on the wheel's own (arena off) with `changes`."""
    changes, arena = ENGINE_VARIANTS[variant]
    override_session_options(changes)
    from PIL import Image

    from dossier.pipeline import worker_init
    from extract.ocr import rapid

    rapid.DETECTOR_ARENA = arena
    worker_init()
    peak = own_peak_mb
    before = peak()
    image = Image.open(image_path).convert("RGB")
    got = {"imports_mb": before}
    for run in ("first", "second"):
        start = time.perf_counter()
        lines = rapid.RapidOcr().read(image, 300)
        got |= {f"{run}_seconds": round(time.perf_counter() - start, 1), f"{run}_mb": peak()}
    return {**got, "arenas": rapid.memory_arenas(), "lines": len(lines)}


def _run_child(*args: str) -> dict:
    # a fresh OCR cache each time: every page is read by the engine, as the first time a batch is checked
    env = {**os.environ, "DOSSIER_CACHE_DIR": tempfile.mkdtemp(prefix="bench-memory-cache-")}
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False,
                         env=env)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"child {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--skip-long", action="store_true", help="only the 1-page package and the engine")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, path = args.child[0], Path(args.child[1])
        got = child_package(path) if kind == "package" else child_engine(path, kind)
        print(json.dumps(got))
        return 0

    from PIL import ImageStat

    from bench.pages import ensure_batch

    scans = fixture_scans(ensure_batch(args.seed, args.n))
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    page = work / "page.png"
    densest = min(scans, key=lambda scan: ImageStat.Stat(scan[0].convert("L").reduce(8)).mean[0])[0]  # most ink
    densest.convert("RGB").save(page)
    print(f"pages: {len(scans)} fixture scans, {scans[0][0].size[0]}x{scans[0][0].size[1]} px at {scans[0][1]} dpi, "
          f"JPEG q{QUALITY}\n")
    print("RapidOCR, engine loaded and the scan with most ink read (fresh process each):")
    for variant in ENGINE_VARIANTS:
        got = _run_child(variant, str(page))
        arenas = ", ".join(f"{k} {v}" for k, v in got["arenas"].items())
        print(f"  {variant:30s} peak {got['first_mb']:5.0f} MB "
              f"({got['imports_mb']:.0f} MB after imports; +{got['first_mb'] - got['imports_mb']:.0f} MB for the engine "
              f"and the page), {got['lines']} lines in {got['first_seconds']} s; read again: peak "
              f"{got['second_mb']:5.0f} MB in {got['second_seconds']} s\n    (arenas: {arenas})")
    counts = [1] if args.skip_long else [1, len(scans), args.pages]
    results = {}
    for count in counts:
        pdf = work / f"scan-{count}.pdf"
        scanned_pdf(scans, count, pdf)
        results[count] = got = _run_child("package", str(pdf))
        print(f"\npackage with a {count}-page scanned PDF ({pdf.stat().st_size / MB:.1f} MB): {got['seconds']} s, "
              f"{got['seconds'] / count:.2f} s per page, {got['unreadable']} INGEST.UNREADABLE findings")
        print(f"  worker peak RSS {got['peak_mb']:5.0f} MB; sampled: worker + reader {got['total_mb']:5.0f} MB, "
              f"reader alone (USS) {got['readers_mb']:4.0f} MB; programs run (Tesseract, USS) "
              f"{got['programs_mb']:4.0f} MB")
    for base in counts[:-1]:
        one, many = results[base], results[counts[-1]]
        print(f"{counts[-1]} pages against {base}: worker peak {many['peak_mb'] - one['peak_mb']:+.0f} MB, "
              f"worker + reader {many['total_mb'] - one['total_mb']:+.0f} MB, "
              f"reader {many['readers_mb'] - one['readers_mb']:+.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
