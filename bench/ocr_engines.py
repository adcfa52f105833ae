"""OCR engines compared on a fixture batch: CER, key-text reads, seconds per page, orientation.

    .venv/bin/python bench/ocr_engines.py [BATCH] [--engines tesseract@1,rapidocr@1]
                                          [--max-pages 60] [--workers 2] [--synthetic]

BATCH is a folder made by `python -m fixtures --seed 1 --n 20 --out BATCH` with its truth.json
(truth["applicants"][key]["pages"] = [{file, page, type, degradation, rotation, lines, key_texts}]).
Without BATCH it generates that batch under bench/out/ when the fixture factory is there, else it
renders its own pages (tests/ocr_pages.py). Only image pages are read (clean, scanner,
phone); every page is normalised once, then read by each engine.
Prints a table per engine and degradation and writes bench/out/ocr_engines.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OCR_DEGRADATIONS = ("clean", "scanner", "phone")


def squash(text: str) -> str:
    return "".join(text.split())


# ---- pages ------------------------------------------------------------------------------------


def fixture_pages(batch: Path, truth: dict, max_pages: int) -> list[dict]:
    """Image pages of the batch with their truth, spread evenly over degradations."""
    wanted: dict[tuple[str, str, int], dict] = {}
    for key, applicant in truth["applicants"].items():
        for tp in applicant["pages"]:
            if tp.get("degradation") in OCR_DEGRADATIONS:
                wanted[(key, tp["file"], int(tp["page"]))] = tp
    by_deg: dict[str, list] = defaultdict(list)
    for k, tp in sorted(wanted.items()):
        by_deg[tp["degradation"]].append(k)
    chosen: set = set()
    per = max(1, max_pages // max(1, len(by_deg)))
    for keys in by_deg.values():
        step = max(1, len(keys) // per)
        chosen.update(keys[::step][:per])

    pages = []
    for (key, file, page), raw in _load_rawpages(batch, {k for k in chosen}):
        tp = wanted[(key, file, page)]
        pages.append({"id": f"{key}/{file}#{page}", "degradation": tp["degradation"],
                      # truth says how far the stored page was turned clockwise; we report
                      # the clockwise turn that stands it upright again
                      "rotation": (360 - int(tp.get("rotation", 0))) % 360, "lines": tp["lines"],
                      "key_texts": tp.get("key_texts", []), "image": raw.image, "dpi": raw.dpi})
    return pages


def _load_rawpages(batch: Path, chosen: set):
    """(key, file, page) → RawPage through ingest if it is there, else PIL / pypdfium2."""
    try:
        from ingest import find_packages, iter_members, read_file
    except ImportError:
        find_packages = None
    if find_packages is not None:
        for ref in find_packages(batch):
            files = {f for k, f, _ in chosen if k == ref.key}
            for item in iter_members(ref):
                if not hasattr(item, "data") or item.path not in files:
                    continue
                _, stream = read_file(item.path, item.data)
                for raw in stream:
                    if getattr(raw, "image", None) is not None and (ref.key, item.path, raw.page) in chosen:
                        yield (ref.key, item.path, raw.page), raw
        return
    from PIL import Image, ImageOps

    from ingest.pages import RawPage

    for key, file, page in sorted(chosen):
        path = next(p for p in (batch / key / file, batch / file) if p.exists())
        if path.suffix.lower() == ".pdf":
            import pypdfium2

            img = pypdfium2.PdfDocument(str(path))[page - 1].render(scale=200 / 72).to_pil().convert("RGB")
            dpi = 200
        else:
            src = Image.open(path)
            dpi = int(src.info.get("dpi", (0, 0))[0]) or None
            img = ImageOps.exif_transpose(src).convert("RGB")
        yield (key, file, page), RawPage(file=file, page=page, kind="image", width=img.width,
                                          height=img.height, image=img, dpi=dpi)


def synthetic_pages() -> list[dict]:
    """Our own rendered pages: 4 fonts x clean/scanner/phone, rotations spread over them."""
    sys.path.insert(0, str(ROOT / "tests"))
    import ocr_pages as r

    pages = []
    fonts = (r.FONT_SANS, r.FONT_SERIF, r.FONT_ZENHEI, r.FONT_KAI)
    makers = {
        "clean": lambda im: im,
        "scanner": r.scan,
        "phone": lambda im: r.jpeg(r.uneven_light(r.blur(r.skew(im, -3.0), 1.5)), 40),
    }
    n = 0
    for font in fonts:
        rendered = r.render_page(font)
        for deg, make in makers.items():
            turned = (0, 90, 180, 270)[n % 4]
            n += 1
            pages.append({"id": f"{Path(font).stem}/{deg}", "degradation": deg,
                          "rotation": (360 - turned) % 360, "lines": rendered.lines,
                          "key_texts": [*r.KEY_TEXTS, r.SEAL_DATE],
                          "image": r.turn_clockwise(make(rendered.image), turned), "dpi": r.DPI})
    return pages


# ---- measuring --------------------------------------------------------------------------------


def measure(page: dict, engines: list[str]) -> dict:
    """Normalise once, read with every engine; texts, rotation and timings."""
    from extract.ocr import get_engine, normalise_page, page_dpi  # noqa: F401
    from extract.ocr.page import A4_SHORT_SIDE_INCHES

    dpi = page["dpi"] or int(min(max(min(page["image"].size) / A4_SHORT_SIDE_INCHES, 70), 600))
    start = time.perf_counter()
    norm = normalise_page(page["image"], dpi)
    out = {"id": page["id"], "rotation": norm.rotation, "normalise_s": time.perf_counter() - start,
           "orientation_method": norm.orientation_method, "reads": {}}
    for name in engines:
        engine = get_engine(name)
        start = time.perf_counter()
        try:
            lines = engine.read(norm.image, dpi)
            text, error = "\n".join(line.text for line in lines), None
        except Exception as exc:  # a timeout or crash counts as an empty read
            text, error = "", f"{type(exc).__name__}: {exc}"
        out["reads"][name] = {"text": text, "seconds": time.perf_counter() - start, "error": error}
    return out


def _init_worker() -> None:
    import extract.ocr  # noqa: F401  (load models once per worker)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("batch", nargs="?", type=Path)
    ap.add_argument("--engines", default="tesseract@1,rapidocr@1")
    ap.add_argument("--max-pages", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--synthetic", action="store_true", help="use our rendered pages only")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=20)
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]

    batch = args.batch
    if batch is None and not args.synthetic:
        batch = OUT / f"batch-seed{args.seed}-n{args.n}"
        if not (batch / "truth.json").exists():
            try:
                from fixtures import generate_batch

                generate_batch(batch, seed=args.seed, n=args.n)
            except ImportError:
                print("fixture factory not available: using rendered pages", file=sys.stderr)
                batch = None
    if batch is not None and not args.synthetic:
        truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
        pages, source = fixture_pages(batch, truth, args.max_pages), str(batch)
    else:
        pages, source = synthetic_pages(), "rendered pages (tests/ocr_pages.py)"
    if not pages:
        print("no image pages to read", file=sys.stderr)
        return 1

    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers, initializer=_init_worker) as pool:
        results = list(pool.map(measure, pages, [engines] * len(pages)))
    wall = time.perf_counter() - start

    report = summarise(pages, results, engines)
    report.update(source=source, pages=len(pages), wall_s=round(wall, 1), workers=args.workers)
    print_table(report, engines)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ocr_engines.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten {OUT / 'ocr_engines.json'}")
    return 0


def summarise(pages: list[dict], results: list[dict], engines: list[str]) -> dict:
    cells: dict = defaultdict(lambda: {"cer": [], "keys_ok": 0, "keys": 0, "seconds": [], "errors": 0})
    orient: dict = defaultdict(lambda: {"ok": 0, "all": 0, "mirror": 0, "seconds": []})
    misses: dict = defaultdict(list)
    for page, res in zip(pages, results):
        deg = page["degradation"]
        for group in (deg, "all"):
            o = orient[group]
            o["all"] += 1
            o["ok"] += res["rotation"] == page["rotation"]
            o["mirror"] += res["rotation"] == (360 - page["rotation"]) % 360 != page["rotation"]
            o["seconds"].append(res["normalise_s"])
        truth = squash("".join(page["lines"]))
        for name in engines:
            read = res["reads"][name]
            got = squash(read["text"])
            for group in (deg, "all"):
                c = cells[(name, group)]
                c["cer"].append(Levenshtein.distance(truth, got) / max(len(truth), 1))
                c["seconds"].append(read["seconds"])
                c["errors"] += read["error"] is not None
                for key in page["key_texts"]:
                    c["keys"] += 1
                    hit = squash(key) in got
                    c["keys_ok"] += hit
                    if not hit and group == "all" and len(misses[name]) < 25:
                        misses[name].append(f"{page['id']}: {key}")
    table = {}
    for (name, group), c in cells.items():
        table.setdefault(name, {})[group] = {
            "pages": len(c["cer"]),
            "cer_mean": round(statistics.mean(c["cer"]), 4),
            "cer_median": round(statistics.median(c["cer"]), 4),
            "key_text_rate": round(c["keys_ok"] / c["keys"], 4) if c["keys"] else None,
            "keys": c["keys"],
            "s_per_page_median": round(statistics.median(c["seconds"]), 2),
            "errors": c["errors"],
        }
    orientation = {
        g: {"accuracy": round(o["ok"] / o["all"], 4), "pages": o["all"], "mirror_mistakes": o["mirror"],
            "normalise_s_median": round(statistics.median(o["seconds"]), 2)}
        for g, o in orient.items()
    }
    return {"engines": table, "orientation": orientation, "key_misses": misses,
            "per_page": [{"id": r["id"], "rotation": r["rotation"], "method": r["orientation_method"],
                          **{f"{n}_s": round(r["reads"][n]["seconds"], 2) for n in engines}}
                         for r in results]}


def print_table(report: dict, engines: list[str]) -> None:
    print(f"source: {report['source']}  pages: {report['pages']}  wall: {report['wall_s']} s")
    print(f"{'engine':<14}{'degradation':<12}{'pages':>6}{'CER mean':>10}{'CER med':>9}"
          f"{'key texts':>11}{'s/page':>8}{'errors':>8}")
    for name in engines:
        for group in (*OCR_DEGRADATIONS, "all"):
            c = report["engines"].get(name, {}).get(group)
            if not c:
                continue
            keys = f"{100 * c['key_text_rate']:.1f} %" if c["key_text_rate"] is not None else "n/a"
            print(f"{name:<14}{group:<12}{c['pages']:>6}{c['cer_mean']:>10.3f}{c['cer_median']:>9.3f}"
                  f"{keys:>11}{c['s_per_page_median']:>8.2f}{c['errors']:>8}")
    print("\norientation (normalisation, engine-independent)")
    for group in (*OCR_DEGRADATIONS, "all"):
        o = report["orientation"].get(group)
        if o:
            print(f"  {group:<10} {100 * o['accuracy']:5.1f} % of {o['pages']}  "
                  f"(mirror 90/270 mistakes {o['mirror_mistakes']}), normalise {o['normalise_s_median']:.2f} s/page")


if __name__ == "__main__":
    sys.exit(main())
