"""Field-level accuracy of extraction (ingest → OCR → classify → extract) against truth.json.

Reads every package of a fixture batch (or reuses the OCR output bench/pages.py cached), runs
`extract_dossier` on each with the package's page images and the batch's 汇总表 pages, exactly as
the pipeline does, and compares each field's `found` value with the truth (`declared` too).
A field's degradation is that of the page its value was read from (or should have been).

    .venv/bin/python bench/fields.py [--seed 9] [--n 30] [--engine rapidocr@1] [--workers 2]
                                     [--batch DIR] [--errors 40] [--reread]

The cached OCR output is not invalidated by changes to ingest or OCR: pass --reread after one.

Prints a field × degradation table, the first errors (for whoever fixes the extractors), how many
wrong values were read at or above the rules file's confidence threshold (those decide a condition
with nobody looking: must be 0) and the declared-value accuracy; writes bench/out/fields.json.
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import ensure_batch  # noqa: E402
from core.records import Dossier, PageText  # noqa: E402
from dossier.pipeline import Options, read_batch_files, read_member, read_package, worker_init  # noqa: E402
from ingest import PackageRef, find_batch_files, find_packages, iter_members  # noqa: E402
from extract.classify import group_documents  # noqa: E402
from ingest.members import Member  # noqa: E402
from verify.rules import load_rules  # noqa: E402

SCALAR_FIELDS = ("name", "sex", "id_number", "birth_date", "education", "major", "graduation_date",
                 "technician_date", "specialty", "publicity_start", "publicity_end", "school", "degree",
                 "probation_end_date", "probation_passed", "submission_date", "report_present", "opinion_present")
YEAR_FIELDS = {"appraisals": "appraisal", "ce_hours": "ce_certificate"}  # field → the document that shows a year
FIELDS = SCALAR_FIELDS[:10] + ("appraisals",) + SCALAR_FIELDS[10:] + ("ce_hours",)
COLUMNS = ("clean", "scanner", "phone", "text_layer", "docx", "absent")
# Faults that make one document show something other than `true` on purpose (fixtures/faults.py,
# fixtures/batch.py): a reading of that document is right to disagree, so it is not scored.
#   duplicate_image: the copier's diploma photo is the source applicant's (name, sex, birth date).
#   documents_disagree: the CHSI record names another major, or one appraisal form another name.
DUPLICATE_FIELDS = ("name", "sex", "birth_date")


def _read(ref: PackageRef, engine: str | None):
    start = time.perf_counter()
    dossier = read_package(ref, Options(engine=engine))
    return ref.key, dossier, time.perf_counter() - start


def _extract(ref: PackageRef, dossier: Dossier, batch_pages: tuple[PageText, ...]):
    """The dossier with its fields, extracted as dossier.pipeline.check_package does."""
    from extract.extractors import ExtractContext
    from extract.images import MemberImages
    from extract.run import extract_dossier

    start = time.perf_counter()
    members = {m.path: m.data for m in iter_members(ref) if isinstance(m, Member)}
    try:
        out = extract_dossier(dossier, ExtractContext(images=MemberImages(members), extra_pages=batch_pages))
        error = None
    except Exception as exc:  # scored as nothing found, and said so
        out, error = dossier, f"{type(exc).__name__}: {exc}"
    return ref.key, out, time.perf_counter() - start, error


def batch_pages_of(batch: Path, options: Options) -> tuple[PageText, ...]:
    """The pages of the batch's top-level files (the units' 汇总表), as the pipeline reads them."""
    got = read_batch_files(batch, options)
    if isinstance(got, tuple):
        return tuple(got[1])
    pages: list[PageText] = []
    for path in find_batch_files(batch):
        pages.extend(read_member(path.name, path.read_bytes(), options)[1])
    return tuple(pages)


@dataclass
class Extracted:
    keys: list[str]
    extracted: list[tuple]  # (key, dossier with fields, seconds, error or None)
    failures: list[tuple[str, str]]
    extract_wall: float
    reused: bool


def extracted_dossiers(batch: Path, truth: dict, *, engine: str | None, workers: int, reread: bool) -> Extracted:
    """Every applicant's dossier, extracted as the pipeline does, from the cached OCR output (bench/out)
    unless `reread` or no cache exists (then the packages are read and the cache written)."""
    refs = {ref.key: ref for ref in find_packages(batch)}
    # the same cache as bench/pages.py: OCR is the expensive part and does not change here
    cache = ROOT / "bench" / "out" / f"dossiers-{batch.name}-{engine or 'default'}.pickle"
    reused = cache.exists() and not reread
    if reused:
        results, ocr_wall = pickle.loads(cache.read_bytes())
        # the classifier may have changed since: group the cached pages again (cheap)
        results = [(k, d.model_copy(update={"documents": tuple(group_documents(
            list(d.pages), {f.path: f.sha256 for f in d.files}))}), s) for k, d, s in results]
        print(f"OCR output reused from {cache.relative_to(ROOT)} (read in {ocr_wall:.0f} s; pages regrouped)")
    else:
        start = time.perf_counter()
        with ProcessPoolExecutor(workers, initializer=worker_init) as pool:
            results = list(pool.map(_read, refs.values(), [engine] * len(refs)))
        ocr_wall = time.perf_counter() - start
        cache.write_bytes(pickle.dumps((results, ocr_wall)))
        print(f"read {len(refs)} packages in {ocr_wall:.0f} s; cached in {cache.relative_to(ROOT)}")

    batch_pages = batch_pages_of(batch, Options(engine=engine))
    start = time.perf_counter()
    keys = [k for k, _, _ in results if k in truth["applicants"]]
    dossiers = {k: d for k, d, _ in results}
    with ProcessPoolExecutor(workers, initializer=worker_init) as pool:
        extracted = list(pool.map(_extract, [refs[k] for k in keys], [dossiers[k] for k in keys],
                                  [batch_pages] * len(keys)))
    extract_wall = time.perf_counter() - start
    failures = [(k, err) for k, _, _, err in extracted if err]
    return Extracted(keys, extracted, failures, extract_wall, reused)


# ---- comparing with the truth -------------------------------------------------------------------


def _loc(file: str, key: str) -> str:
    """A package path without the package's top folder (zips may store one, folders never do)."""
    return file[len(key) + 1:] if file.startswith(key + "/") else file


def _same(got, expected) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return got is expected
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return float(got) == float(expected)
    return got == expected


def _years(value) -> dict[str, object]:
    return {str(y): v for y, v in (value or {}).items()}


class Applicant:
    """One applicant's truth, indexed for scoring."""

    def __init__(self, key: str, truth: dict, priority: dict[str, list[str]]):
        self.key, self.truth, self.priority = key, truth, priority
        self.pages = {(_loc(p["file"], key), p["page"]): p for p in truth["pages"]}
        self.kinds = [f["kind"] for f in truth["faults"]]
        self.disagree: dict[str, set[str]] = defaultdict(set)  # field → documents that disagree on purpose
        for f in truth["faults"]:
            if f["kind"] == "duplicate_image":
                for field in DUPLICATE_FIELDS:
                    self.disagree[field].add("diploma")
            elif f["kind"] == "documents_disagree":
                self.disagree[f["field"]].add("chsi_report" if f["field"] == "major" else "appraisal")

    def page(self, ev) -> dict | None:
        return self.pages.get((_loc(ev.file, self.key), ev.page)) if ev is not None and ev.page else None

    def source_pages(self, field: str) -> list[dict]:
        """Truth pages of the documents that show `field`, most trusted type first."""
        by_type = defaultdict(list)
        for p in self.truth["pages"]:
            by_type[p["type"]].append(p)
        return [p for t in self.priority.get(field, ()) for p in by_type.get(t, ())]

    def year_page(self, doc_type: str, year: str) -> dict | None:
        pages = [p for p in self.truth["pages"] if p["type"] == doc_type]
        return next((p for p in pages if any(year in line for line in p["lines"])), pages[0] if pages else None)

    def fault_on(self, field: str) -> str | None:
        return next((f["kind"] for f in self.truth["faults"] if f["field"] == field), None)


def score_found(app: Applicant, dossier: Dossier, items: list[dict], excluded: list[dict]) -> None:
    """One item per scalar field and per year of a year-keyed field, appended to `items`."""
    true = app.truth["true"]
    for field in FIELDS:
        fr = dossier.fields.get(field)
        got = fr.found if fr else None
        first_ev = fr.evidence[0] if fr and fr.evidence and got is not None else None
        if field in YEAR_FIELDS:
            readings = [v for v in dossier.values if v.field == field and v.origin == "found" and v.value]
            want, have = _years(true.get(field)), _years(got)
            for year in sorted(set(want) | set(have)):
                page = app.year_page(YEAR_FIELDS[field], year)
                if page is None:  # a year no document of the truth shows: where was it read?
                    reading = next((v for v in readings if year in _years(v.value) and v.evidence), None)
                    page = app.page(reading.evidence[0]) if reading else None
                ev = next((e for v in readings if year in _years(v.value) for e in v.evidence), first_ev)
                # the confidence of the reading that gave this year's value (the field's is the lowest year's)
                conf = max((v.confidence for v in readings if _years(v.value).get(year) == have.get(year)),
                           default=None)
                items.append(_item(app, f"{field}[{year}]", field, want.get(year), have.get(year), page, fr, ev, conf))
            continue
        expected = true.get(field)
        sources = app.source_pages(field)
        if not sources and field not in ("report_present", "opinion_present"):
            expected = None  # nothing in the package shows it: finding nothing is right
        ev_page = app.page(first_ev)
        page = ev_page or (sources[0] if sources else None)
        doc = ev_page["type"] if ev_page else (fr.found_in[0] if fr and fr.found_in else None)
        if got is not None and doc in app.disagree.get(field, ()):
            excluded.append({"applicant": app.key, "field": field, "document": doc, "got": got, "true": expected,
                             "why": next(k for k in app.kinds if k in ("duplicate_image", "documents_disagree"))})
            continue
        items.append(_item(app, field, field, expected, got, page, fr, first_ev))


def _item(app, label, field, expected, got, page, fr, ev, confidence=None) -> dict:
    return {"applicant": app.key, "item": label, "field": field, "expected": expected, "got": got,
            "ok": _same(got, expected), "degradation": page["degradation"] if page else "absent",
            "page_type": page["type"] if page else None, "evidence": ev.text if ev else None,
            "where": f"{ev.file} p{ev.page}" if ev else None,
            "confidence": confidence if confidence is not None else fr.confidence if fr else None,
            "note": fr.note if fr else None,
            "fault": app.fault_on(field)}


def score_declared(app: Applicant, dossier: Dossier, items: list[dict]) -> None:
    """Declared values (review form, else 汇总表) against truth `declared`, per field."""
    want = app.truth["declared"]
    form_pages = [p for p in app.truth["pages"] if p["type"] == "review_form"]
    for field in dict.fromkeys([*FIELDS, *want]):
        if field not in want:
            continue
        fr = dossier.fields.get(field)
        got = fr.declared if fr else None
        expected = want[field]
        if field in YEAR_FIELDS:  # none declared: {} on the form, nothing in the table
            got, expected = _years(got) or None, _years(expected) or None
            got = {y: float(h) for y, h in got.items()} if got and field == "ce_hours" else got
            expected = {y: float(h) for y, h in expected.items()} if expected and field == "ce_hours" else expected
        if expected is None and got is None:
            continue
        reading = next((v for v in dossier.values if v.field == field and v.origin == "declared"
                        and fr is not None and v.document == fr.declared_in and v.evidence), None)
        page = app.page(reading.evidence[0]) if reading else None
        source = ("batch 汇总表" if reading and page is None else
                  f"{page['type']} {page['degradation']}" if page else
                  f"review_form {form_pages[0]['degradation']}" if form_pages else "none")
        items.append({"applicant": app.key, "item": field, "field": field, "expected": expected, "got": got,
                      "ok": _same(got, expected), "source": source})


# ---- printing ----------------------------------------------------------------------------------


def pct(ok: int, total: int) -> str:
    return f"{ok}/{total} {100 * ok / total:5.1f}%" if total else "—"


def table(items: list[dict], column: str, columns: tuple[str, ...]) -> tuple[str, dict]:
    ok, total = Counter(), Counter()
    for it in items:
        for key in ((it["field"], it[column]), (it["field"], "all"), ("all", it[column]), ("all", "all")):
            total[key] += 1
            ok[key] += it["ok"]
    cols = [c for c in columns if total[("all", c)]] + ["all"]
    width = max(16, *(len(c) + 2 for c in cols))
    lines = [f"{'field':20s}" + "".join(f"{c:>{width}s}" for c in cols)]
    figures: dict[str, dict] = {}
    fields = list(dict.fromkeys([*FIELDS, *(it["field"] for it in items)]))
    for field in [f for f in fields if total[(f, "all")]] + ["all"]:
        lines.append(f"{field:20s}" + "".join(f"{pct(ok[(field, c)], total[(field, c)]):>{width}s}" for c in cols))
        figures[field] = {c: {"ok": ok[(field, c)], "total": total[(field, c)]} for c in cols if total[(field, c)]}
    return "\n".join(lines), figures


def short(value, n: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= n else text[: n - 1] + "…"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--engine", default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", default=None, help="an existing fixture batch (default: generate one)")
    ap.add_argument("--errors", type=int, default=40, help="how many errors to list")
    ap.add_argument("--reread", action="store_true",
                    help="OCR the packages again and replace the cache (after a change to ingest or OCR)")
    args = ap.parse_args()
    wall_start = time.perf_counter()

    batch = Path(args.batch) if args.batch else ensure_batch(args.seed, args.n)
    truth = json.loads((batch / "truth.json").read_text(encoding="utf-8"))
    got = extracted_dossiers(batch, truth, engine=args.engine, workers=args.workers, reread=args.reread)
    keys, extracted, failures, extract_wall, reused = got.keys, got.extracted, got.failures, got.extract_wall, got.reused

    priority = yaml.safe_load((ROOT / "extract" / "fields.yaml").read_text(encoding="utf-8"))["priority"]
    found_items: list[dict] = []
    declared_items: list[dict] = []
    excluded: list[dict] = []
    for key, dossier, _, _ in extracted:
        app = Applicant(key, truth["applicants"][key], priority)
        score_found(app, dossier, found_items, excluded)
        score_declared(app, dossier, declared_items)

    print(f"batch {batch.name}: {len(keys)} applicants; extraction {extract_wall:.0f} s with {args.workers} workers "
          f"({extract_wall / max(len(keys), 1) * args.workers:.1f} s per dossier)")
    for key, err in failures:
        print(f"  extract_dossier failed on {key}: {err}")
    planted = [(key, field, sorted(docs)) for key in keys
               for field, docs in Applicant(key, truth["applicants"][key], {}).disagree.items()]
    print(f"{len(planted)} fields where a document disagrees with the truth on purpose (duplicate_image, "
          f"documents_disagree); scored unless the reported value was read from that document. "
          f"Excluded: {len(excluded)}")
    for key, field, docs in planted:
        ex = next((e for e in excluded if e["applicant"] == key and e["field"] == field), None)
        print(f"  {key} {field} on {', '.join(docs)}: " + (f"excluded (reported {short(ex['got'])} from {ex['document']})"
                                                          if ex else "reported from another document, scored"))
    print("\nfound values, exact match (rows: field; columns: degradation of the page the value comes from; "
          "'absent': no document shows it)")
    found_text, found_fig = table(found_items, "degradation", COLUMNS)
    print(found_text)

    errors = [it for it in found_items if not it["ok"]]
    print(f"\nerrors: {len(errors)} (first {min(args.errors, len(errors))})")
    for it in errors[: args.errors]:
        conf = f"{it['confidence']:.2f}" if isinstance(it["confidence"], float) else "—"
        print(f"  {it['applicant']:14s} {it['item']:20s} want {short(it['expected'], 24):24s} got {short(it['got'], 24):24s}"
              f" [{it['page_type'] or '-'} {it['degradation']}] ev {short(it['evidence'], 30)!r} conf {conf}"
              + (f" note {short(it['note'], 60)!r}" if it["note"] else "") + (f" (fault {it['fault']})" if it["fault"] else ""))
    # a wrong value read at or above the notice's threshold decides a condition unseen: must stay 0
    threshold = load_rules().ocr_low_confidence
    confident_wrong = [it for it in errors if it["got"] is not None and isinstance(it["confidence"], float)
                       and it["confidence"] >= threshold]
    print(f"wrong at or above threshold ({threshold:g}): {len(confident_wrong)}")
    for it in confident_wrong:
        print(f"  {it['applicant']:14s} {it['item']:20s} want {short(it['expected'], 24)} got {short(it['got'], 24)}"
              f" conf {it['confidence']:.2f} ev {short(it['evidence'], 30)!r}")
    patterns = Counter((it["field"], it["page_type"] or "-", "nothing found" if it["got"] is None else
                        "found where nothing is" if it["expected"] is None else "wrong value") for it in errors)
    print("error patterns (field, document, kind):")
    for (field, doc, kind), n in patterns.most_common(25):
        print(f"  {n:3d}  {field:20s} {doc:18s} {kind}")

    print("\ndeclared values, exact match (columns: where the declared value was read)")
    sources = tuple(sorted({it["source"] for it in declared_items}))
    declared_text, declared_fig = table(declared_items, "source", sources)
    print(declared_text)
    derrors = [it for it in declared_items if not it["ok"]]
    if derrors:
        print(f"declared errors: {len(derrors)} (first {min(15, len(derrors))})")
        for it in derrors[:15]:
            print(f"  {it['applicant']:14s} {it['item']:20s} want {short(it['expected'])} got {short(it['got'])} [{it['source']}]")

    wall = time.perf_counter() - wall_start
    print(f"\nwall time {wall:.0f} s (OCR {'reused' if reused else 'run'}; extraction {extract_wall:.0f} s)")
    out = ROOT / "bench" / "out" / "fields.json"
    out.write_text(json.dumps({
        "batch": batch.name, "applicants": len(keys), "found": found_fig, "declared": declared_fig,
        "excluded": excluded, "errors": errors, "declared_errors": derrors, "confident_wrong": confident_wrong,
        "extraction_failures": dict(failures), "wall_s": wall, "extract_s": extract_wall,
    }, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
