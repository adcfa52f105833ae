"""The pipeline of one applicant's package: ingest → extract → verify → report.

`check_job` runs on a worker (a local process or a Dask worker, dossier/executors.py) and returns a
`PackageResult`: the report, the fingerprint and the files it made, as bytes. `run_batch` fans the
packages out, writes what comes back into OUT and then runs the checks across the batch.
A failure inside one package becomes a finding in that package's report, never a batch crash.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
import traceback
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from core.errors import ExternalProgramError, OutputError
from core.records import Dossier, IngestIssue, PageText, Report, SourceFile
from dossier.executors import Executor, LocalExecutor
from extract.classify import group_documents
from extract.extractors import ExtractContext
from extract.images import MemberImages
from extract.ocr import cache as ocr_cache
from extract.pagetext import to_page_text
from extract.run import extract_dossier
from ingest import Member, PackageRef, find_batch_files, find_packages, iter_members, limits, read_file, settle
from ingest.ondisk import FileData, sha256_of
from ingest.packages import package_bytes
from ingest.watchdog import map_large_buffers
from reports import build_report, write_batch, write_report
from reports.evidence import share_evidence, write_evidence
from verify import decide_verdict, verify_dossier
from verify.batch import Fingerprint, cross_check, fingerprint
from verify.catalogue import finding
from verify.rules import load_rules
from verify.timeline import timeline

log = logging.getLogger("dossier")


@dataclass(frozen=True)
class Options:
    engine: str | None = None  # OCR engine name; None = the default engine
    rules: str | None = None  # path of the notice's rules file; None = the bundled notice
    cache: str | None = None  # folder of the OCR cache; None = the user's cache folder
    use_cache: bool = True  # False: OCR every page afresh, write no cache
    reuse_packages: bool = True  # False: with the cache on, still check every package afresh (its pages' OCR cached)


def read_package(
    ref: PackageRef,
    options: Options,
    keep: dict[str, FileData] | None = None,
    members: Iterable[Member | SourceFile] | None = None,
) -> Dossier:
    """Ingest every file of a package and read every page (OCR where needed).

    With `keep`, every file read is put there (path → its bytes, or the file on disk for a folder's
    file: `ingest.ondisk.OnDisk`), for extractors that look at the pixels again. `members`: the
    package's files as ingest read them elsewhere (a driver shipping them to a worker); None reads
    them from `ref.path`.
    """
    files: list[SourceFile] = []
    pages: list[PageText] = []
    for item in iter_members(ref) if members is None else members:
        if isinstance(item, SourceFile):  # refused before reading (unsafe path, too large)
            files.append(item)
            continue
        if keep is not None:
            keep[item.path] = item.source
        source, page_texts = read_member(item.path, item.source, options)
        files.append(source)
        pages.extend(page_texts)
    sha = {f.path: f.sha256 for f in files}
    documents = group_documents(pages, sha)
    return Dossier(applicant=ref.key, files=tuple(files), pages=tuple(pages), documents=tuple(documents))


def read_member(path: str, data: FileData, options: Options) -> tuple[SourceFile, list[PageText]]:
    """One file: its record (status settled by what its pages gave) and the text of its pages."""
    ocr_cache.configure(options.cache, enabled=options.use_cache)  # here: this runs in every worker
    pages: list[PageText] = []
    page_issues: list[IngestIssue] = []
    source, raw_pages = read_file(path, data)
    for raw in raw_pages:
        if isinstance(raw, IngestIssue):
            page_issues.append(raw)
            continue
        try:
            pages.append(to_page_text(raw, options.engine))
        except ExternalProgramError as exc:  # includes timeouts: the page is listed, not lost
            page_issues.append(
                IngestIssue(stage="ocr", category="ocr_failed", message=str(exc), page=raw.page)
            )
        del raw  # its pixels go before the next page is rendered: one page in memory at a time
    return settle(source, page_issues), pages


def check_package(
    ref: PackageRef, options: Options, batch_pages: tuple[PageText, ...] = (), out: Path | None = None
) -> Report:
    """One package from files to report. `batch_pages`: the batch's own 汇总表 pages (declared data).

    With `out`, the evidence crops the reviewer's report shows are written to OUT/<key>/evidence/
    while the package's bytes are still here.
    """
    return check_package_and_print(ref, options, batch_pages, out)[0]


def check_package_and_print(
    ref: PackageRef,
    options: Options,
    batch_pages: tuple[PageText, ...] = (),
    out: Path | None = None,
    members: Iterable[Member | SourceFile] | None = None,
) -> tuple[Report, Fingerprint | None]:
    """`check_package`, and the applicant's fingerprint for the checks across the batch (verify.batch).
    `members`: the package's files when they were read elsewhere (see `read_package`)."""
    kept: dict[str, FileData] = {}
    dossier = read_package(ref, options, keep=kept, members=members)
    images = MemberImages(kept)
    dossier = extract_dossier(dossier, ExtractContext(images=images, extra_pages=batch_pages, engine=options.engine))
    rules = load_rules(options.rules)
    findings = verify_dossier(dossier, rules)
    report = build_report(dossier, findings, decide_verdict(findings), timeline=timeline(dossier, rules))
    folder = out / report.applicant if out is not None else None
    if folder is not None:
        write_evidence(report, dossier, images, kept, folder)
    try:
        prints = fingerprint(dossier, images, folder, out)
    except Exception as exc:  # noqa: BLE001 — the applicant's own report stands without it
        log.warning("no fingerprint for %s: %s", ref.key, exc)
        prints = None
    kept.clear()
    return report, prints


def failed_report(ref: PackageRef, error: BaseException) -> Report:
    """The report of a package the pipeline could not finish: listed with the reason, never dropped."""
    f = finding(
        "INGEST.UNREADABLE",
        f"the package {ref.path.name} could not be checked: {type(error).__name__}: {error}",
    )
    return Report(applicant=ref.key, verdict=decide_verdict([f]), findings=(f,))


def worker_init() -> None:
    # One OCR thread per process: processes give the parallelism (Tesseract's OpenMP ran 4× slower).
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    map_large_buffers()  # page-sized buffers out of glibc's heap: memory flat in the page count


@dataclass(frozen=True)
class PackageJob:
    """One package as a worker gets it: its ref, and its files when the worker may not see the batch
    folder (`members`, read on the driver by ingest with all its limits); None: read from `ref.path`."""

    ref: PackageRef
    members: tuple[Member | SourceFile, ...] | None = None
    # its `package_key` when the driver looked it up in the cache this worker uses and did not find it
    missed: str | None = None


def ship(ref: PackageRef) -> PackageJob:
    """The job with the package's files read here, for a worker on another machine."""
    return PackageJob(ref, tuple(m.held() if isinstance(m, Member) else m for m in iter_members(ref)))


@dataclass(frozen=True)
class PackageResult:
    """What a worker hands back for one package; nothing of it stays on the worker's disk."""

    report: Report
    fingerprint: Fingerprint | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # made for OUT: path relative to OUT → bytes


def check_job(job: PackageJob, options: Options, batch_pages: tuple[PageText, ...] = ()) -> PackageResult:
    """Runs on a worker: the package is checked with a private temporary folder as its OUT, and every
    file written there (evidence crops, reduced pages, error.log) comes back as bytes. A package checked
    before from the same files, rules, engine and code comes back from the cache (`PackageResults`)."""
    worker_init()
    ocr_cache.configure(options.cache, enabled=options.use_cache)
    stored = StoredResults(options, batch_pages)
    if not stored.on:
        return _check_job(job, options, batch_pages)
    try:
        members = job.members if job.members is not None else tuple(iter_members(job.ref))
    except Exception:  # noqa: BLE001 — an unreadable package fails the usual way, and is not kept
        return _check_job(job, options, batch_pages)
    if job.missed is not None:  # looked up by the driver a moment ago: not looked up (nor hashed) again
        stored.missed(job.ref, job.missed)
    else:
        hit = stored.get(job.ref, members)
        if hit is not None:
            return hit
    result = _check_job(PackageJob(job.ref, members), options, batch_pages)
    stored.put(job.ref, result)
    return result


def keep_result(result: PackageResult) -> bool:
    """Whether a package's result may be served again: not a package that failed, nor one with a file
    or page cut by a time limit (a busy machine's accident, which the next run may not repeat)."""
    if f"{result.report.applicant}/error.log" in result.files:  # only `failed_result` writes one
        return False
    return not any(issue.category == "timeout" for f in result.report.files for issue in f.issues)


def package_key(ref: PackageRef, members, options: Options, batch_pages: tuple[PageText, ...]) -> str:
    """`PackageResults.key` of a package: its files' (path, sha256), the rules file, the engine, the
    batch's 汇总表 pages (declared data) as one hash."""
    files = [(m.path, m.sha256 if isinstance(m, SourceFile) else sha256_of(m.source)) for m in members]
    rules = Path(options.rules).read_bytes() if options.rules else b""  # the bundled rules: in the code version
    pages = hashlib.sha256("".join(p.model_dump_json() for p in batch_pages).encode()).hexdigest()
    bounds = json.dumps({k: v for k, v in vars(limits).items() if k.isupper()}, sort_keys=True, default=str)
    return ocr_cache.PackageResults.key(ref.key, files, rules, options.engine,
                                        [("batch pages", pages), ("ingest limits", bounds)])


def pack_result(result: PackageResult) -> bytes:
    """A result as a stored zip (report.json, fingerprint.json, files/...): no pickle in a cache file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("report.json", result.report.model_dump_json())
        if result.fingerprint is not None:
            z.writestr("fingerprint.json", result.fingerprint.model_dump_json())
        for path, data in result.files.items():
            z.writestr(f"files/{path}", data)
    return buf.getvalue()


def unpack_result(data: bytes) -> PackageResult:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        report = Report.model_validate_json(z.read("report.json"))
        prints = Fingerprint.model_validate_json(z.read("fingerprint.json")) if "fingerprint.json" in names else None
        files = {n.removeprefix("files/"): z.read(n) for n in sorted(names) if n.startswith("files/")}
    return PackageResult(report, prints, files)


def _check_job(job: PackageJob, options: Options, batch_pages: tuple[PageText, ...]) -> PackageResult:
    with tempfile.TemporaryDirectory(prefix="dossier-") as tmp:
        out = Path(tmp)
        try:
            result = PackageResult(*check_package_and_print(job.ref, options, batch_pages, out, job.members))
        except Exception as exc:  # one bad package must not stop the batch
            result = failed_result(job.ref, exc)
        return PackageResult(result.report, result.fingerprint, {**collect_files(out), **result.files})


def failed_result(ref: PackageRef, error: BaseException) -> PackageResult:
    """The failed report of a package, with the error's trace as OUT/<key>/error.log."""
    trace = "".join(traceback.format_exception(error))
    return PackageResult(failed_report(ref, error), None, {f"{ref.key}/error.log": trace.encode("utf-8")})


def collect_files(root: Path) -> dict[str, bytes]:
    """Every file under `root`: path relative to it → bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def write_files(files: dict[str, bytes], out: Path) -> None:
    """A result's files into OUT. A path leading out of OUT is refused: the worker may be another machine.
    A file that cannot be written is logged; the report keeps the claim's text without its picture."""
    for relative, data in files.items():
        target = (out / relative).resolve()
        if not target.is_relative_to(out):
            log.warning("refused %s from a worker: it lies outside %s", relative, out)
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:
            log.warning("cannot write %s: %s", target, exc)


def run_batch(
    batch: Path,
    out: Path,
    options: Options,
    *,
    workers: int = 1,
    executor: Executor | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Report]:
    """Check every package of `batch` on `executor` (default: `workers` local processes); write
    OUT/<key>/report.json with its evidence, then the checks across the batch, batch.json and index.html."""
    batch, out = batch.resolve(), out.resolve()
    if out == batch or batch in out.parents:
        raise OutputError(f"--out {out} lies inside the batch folder {batch}")
    refs = find_packages(batch)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out}: {exc}") from exc
    rules = load_rules(options.rules)
    batch_files, batch_pages = read_batch_files(batch, options)
    executor = executor or LocalExecutor(workers)
    results: dict[str, PackageResult] = {}

    def done(ref: PackageRef, result: PackageResult) -> None:
        write_files(result.files, out)  # before the report: its HTML shows the crops that exist
        write_report(result.report, out, rules)
        results[ref.key] = result
        if progress:
            progress(len(results), len(refs), ref.key)

    check = partial(check_job, options=options, batch_pages=batch_pages)
    stored = StoredResults(options, batch_pages)
    # the largest packages first: a large one started last would keep one worker busy while the
    # others wait at the end (reports and batch.json keep the batch's order)
    largest_first = sorted(refs, key=package_bytes, reverse=True)
    for job, outcome in executor.map_unordered(check, _jobs(largest_first, executor.ships_packages, done, stored)):
        # anything but a result: the worker died or the task could not run there
        result = outcome if isinstance(outcome, PackageResult) else failed_result(job.ref, outcome)
        if executor.ships_packages:  # its worker kept it in its own cache: this machine's too
            stored.put(job.ref, result)
        done(job.ref, result)
    reports = {key: result.report for key, result in results.items()}
    prints = {key: result.fingerprint for key, result in results.items() if result.fingerprint is not None}
    # the checks across applicants (duplicates, plagiarism): their findings join the reports, verdicts again
    for key, extra in cross_check(list(prints.values()), rules, out).items():
        if key not in reports or not extra:
            continue
        report = reports[key]
        findings = list(report.findings) + list(extra)
        reports[key] = report.model_copy(update={"findings": tuple(findings), "verdict": decide_verdict(findings)})
        share_evidence(extra, prints, out / key)
        write_report(reports[key], out, rules)
    ordered = [reports[ref.key] for ref in refs]
    write_batch(ordered, out, rules=rules, batch_files=batch_files)
    return ordered


class StoredResults:
    """Packages' results in this machine's cache by `package_key`: looked up by the driver before any
    worker is asked (a re-run of an unchanged batch starts no worker) and by a worker before it checks
    a package; kept unless `keep_result` says no."""

    def __init__(self, options: Options, batch_pages: tuple[PageText, ...]):
        self.options, self.batch_pages = options, batch_pages
        self.on = options.use_cache and options.reuse_packages
        self._keys: dict[str, str] = {}
        if self.on:
            ocr_cache.configure(options.cache, enabled=True)

    def get(self, ref: PackageRef, members: tuple[Member | SourceFile, ...] | None = None) -> PackageResult | None:
        """The stored result of the package (its `members` when already listed), None when absent."""
        if not self.on:
            return None
        try:
            members = tuple(iter_members(ref)) if members is None else members
            key = package_key(ref, members, self.options, self.batch_pages)
            self._keys[ref.key] = key
            stored = ocr_cache.PackageResults().get(key)
            return unpack_result(stored) if stored is not None else None
        except Exception as exc:  # noqa: BLE001 — a package that cannot be looked up is checked
            log.warning("no cached result for %s: %s", ref.key, exc)
            return None

    def missed(self, ref: PackageRef, key: str) -> None:
        """The package's key, as a lookup elsewhere computed it (and did not find it)."""
        self._keys[ref.key] = key

    def key_of(self, ref: PackageRef) -> str | None:
        """The key `get` computed for the package."""
        return self._keys.get(ref.key)

    def put(self, ref: PackageRef, result: PackageResult) -> None:
        key = self._keys.get(ref.key)
        if self.on and key is not None and keep_result(result):
            ocr_cache.PackageResults().put(key, pack_result(result))


def _jobs(
    refs: list[PackageRef], ships: bool, done: Callable[[PackageRef, PackageResult], None],
    stored: StoredResults | None = None,
) -> Iterator[PackageJob]:
    """One job per package, with its bytes when the workers may not see the batch folder. A package
    whose result is in this machine's cache, or that cannot be read here, is done at once (`done`)
    instead of sent."""
    for ref in refs:
        hit = stored.get(ref) if stored is not None else None
        if hit is not None:
            done(ref, hit)
            continue
        if not ships:  # a local worker, with this machine's cache
            yield PackageJob(ref, missed=stored.key_of(ref) if stored is not None else None)
            continue
        try:
            job = ship(ref)
        except Exception as exc:  # noqa: BLE001 — that package fails, the batch goes on
            done(ref, failed_result(ref, exc))
            continue
        yield job


def read_batch_files(batch: Path, options: Options) -> tuple[list[dict], tuple[PageText, ...]]:
    """Files at the top of the batch (a unit's 汇总表): their entries (with types, never dropped)
    for batch.json, and their pages, which hold declared data for the packages."""
    entries = []
    all_pages: list[PageText] = []
    for path in find_batch_files(batch):
        try:
            data = path.read_bytes()
        except OSError as exc:  # listed with the reason, never a batch crash
            entries.append({"path": path.name, "status": "failed", "issues": [str(exc)], "types": []})
            continue
        source, pages = read_member(path.name, data, options)
        types = [d.type for d in group_documents(pages, {source.path: source.sha256})]
        entries.append({**source.model_dump(mode="json"), "types": types})
        all_pages.extend(pages)
    return entries, tuple(all_pages)
