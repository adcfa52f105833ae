"""The pipeline of one applicant's package: ingest → extract → verify → report.

`check_package` runs in a worker process; `run_batch` fans packages out and writes the outputs.
A failure inside one package becomes a finding in that package's report, never a batch crash.
"""
from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from core.errors import ExternalProgramError, OutputError
from core.records import Dossier, IngestIssue, PageText, Report, SourceFile
from extract.classify import group_documents
from extract.extractors import ExtractContext
from extract.images import MemberImages
from extract.ocr import cache as ocr_cache
from extract.pagetext import to_page_text
from extract.run import extract_dossier
from ingest import PackageRef, find_batch_files, find_packages, iter_members, read_file, settle
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


def read_package(ref: PackageRef, options: Options, keep: dict[str, bytes] | None = None) -> Dossier:
    """Ingest every file of a package and read every page (OCR where needed).

    With `keep`, the bytes of every file read are put there (path → bytes), for extractors that
    look at the pixels again.
    """
    files: list[SourceFile] = []
    pages: list[PageText] = []
    for item in iter_members(ref):
        if isinstance(item, SourceFile):  # refused before reading (unsafe path, too large)
            files.append(item)
            continue
        if keep is not None:
            keep[item.path] = item.data
        source, page_texts = read_member(item.path, item.data, options)
        files.append(source)
        pages.extend(page_texts)
    sha = {f.path: f.sha256 for f in files}
    documents = group_documents(pages, sha)
    return Dossier(applicant=ref.key, files=tuple(files), pages=tuple(pages), documents=tuple(documents))


def read_member(path: str, data: bytes, options: Options) -> tuple[SourceFile, list[PageText]]:
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
    ref: PackageRef, options: Options, batch_pages: tuple[PageText, ...] = (), out: Path | None = None
) -> tuple[Report, Fingerprint | None]:
    """`check_package`, and the applicant's fingerprint for the checks across the batch (verify.batch)."""
    members: dict[str, bytes] = {}
    dossier = read_package(ref, options, keep=members)
    images = MemberImages(members)
    dossier = extract_dossier(dossier, ExtractContext(images=images, extra_pages=batch_pages, engine=options.engine))
    rules = load_rules(options.rules)
    findings = verify_dossier(dossier, rules)
    report = build_report(dossier, findings, decide_verdict(findings), timeline=timeline(dossier, rules))
    folder = out / report.applicant if out is not None else None
    if folder is not None:
        write_evidence(report, dossier, images, members, folder)
    try:
        prints = fingerprint(dossier, images, folder, out)
    except Exception as exc:  # noqa: BLE001 — the applicant's own report stands without it
        log.warning("no fingerprint for %s: %s", ref.key, exc)
        prints = None
    members.clear()
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


def _check_safely(
    ref: PackageRef, options: Options, batch_pages: tuple[PageText, ...] = (), out: Path | None = None
) -> tuple[Report, Fingerprint | None, str | None]:
    try:
        return *check_package_and_print(ref, options, batch_pages, out), None
    except Exception as exc:  # one bad package must not stop the batch
        return failed_report(ref, exc), None, traceback.format_exc()


def run_batch(
    batch: Path,
    out: Path,
    options: Options,
    *,
    workers: int = 1,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Report]:
    """Check every package of `batch`, write OUT/<key>/report.json, batch.json and index.html."""
    batch, out = batch.resolve(), out.resolve()
    if out == batch or batch in out.parents:
        raise OutputError(f"--out {out} lies inside the batch folder {batch}")
    refs = find_packages(batch)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out}: {exc}") from exc
    reports: dict[str, Report] = {}
    rules = load_rules(options.rules)
    batch_files, batch_pages = read_batch_files(batch, options)

    prints: dict[str, Fingerprint] = {}

    def done(ref: PackageRef, report: Report, print_: Fingerprint | None, trace: str | None) -> None:
        reports[ref.key] = report
        if print_ is not None:
            prints[ref.key] = print_
        write_report(report, out, rules)
        if trace:
            (out / ref.key / "error.log").write_text(trace, encoding="utf-8")
        if progress:
            progress(len(reports), len(refs), ref.key)

    if workers <= 1:
        worker_init()
        for ref in refs:
            done(ref, *_check_safely(ref, options, batch_pages, out))
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=worker_init) as pool:
            futures = {pool.submit(_check_safely, ref, options, batch_pages, out): ref for ref in refs}
            for future in as_completed(futures):
                ref = futures[future]
                try:
                    done(ref, *future.result())
                except Exception as exc:  # the worker itself died (e.g. killed for memory)
                    done(ref, failed_report(ref, exc), None, traceback.format_exc())
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
