"""The persistent OCR cache (extract/ocr/cache.py) on real OCR of a rendered page (tests/ocr_pages.py).

Engine calls are counted by the cache's own hit/miss counters; the engines are the real ones.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from core.records import Report
from dossier.pipeline import PackageResult, failed_result, keep_result, pack_result, unpack_result
from extract.ocr import cache, get_engine, ocr_page
from extract.ocr.cache import CachedEngine, OcrCache
from extract.ocr.rapid import RapidOcr
from ingest import PackageRef
from ingest.pages import RawPage
from ocr_pages import DPI, render_page
from unrun import NothingRuns

DOSSIER = str(Path(sys.executable).parent / "dossier")


@pytest.fixture(scope="module")
def page_image():
    return render_page().image.convert("RGB")


@pytest.fixture
def cache_dir(tmp_path):
    """The cache configured in a fresh folder for the test, and back to the defaults after it."""
    folder = tmp_path / "cache"
    cache.configure(str(folder))
    yield folder
    cache.configure()


def raw_page(image, name="scan.png", page=1, meta=None) -> RawPage:
    return RawPage(file=name, page=page, kind="image", width=image.width, height=image.height,
                   image=image, dpi=DPI, meta=meta or {})


def test_a_page_read_twice_is_ocred_once(cache_dir, page_image):
    first = ocr_page(raw_page(page_image))
    store = cache.current()
    assert (store.hits["page"], store.misses["page"]) == (0, 1)
    again = ocr_page(raw_page(page_image))
    assert (store.hits["page"], store.misses["page"]) == (1, 1)
    assert again == first and "140522199203120017" in again.text.replace(" ", "")
    assert (cache_dir / cache.DB_NAME).is_file()


def test_the_same_pixels_in_another_file_keep_that_files_provenance(cache_dir, page_image):
    ocr_page(raw_page(page_image))
    other = ocr_page(raw_page(page_image.copy(), name="other/copy.jpg", page=3, meta={"Software": "scanner"}))
    assert cache.current().hits["page"] == 1
    assert (other.file, other.page) == ("other/copy.jpg", 3)
    assert other.meta["Software"] == "scanner" and "ink" in other.meta


def test_a_crop_read_twice_is_ocred_once(cache_dir, page_image):
    crop = page_image.crop((0, 0, page_image.width, page_image.height // 3))
    engine = get_engine("rapidocr")
    first = engine.read(crop, DPI)
    assert engine.read(crop.copy(), DPI) == first
    store = cache.current()
    assert (store.hits["read"], store.misses["read"]) == (1, 1)
    engine.read(crop, DPI + 100)  # the DPI is part of the call
    assert store.misses["read"] == 2


def test_another_engine_or_engine_version_misses(cache_dir, page_image):
    crop = page_image.crop((0, 0, page_image.width, page_image.height // 3))
    get_engine("rapidocr").read(crop, DPI)
    get_engine("tesseract").read(crop, DPI)
    newer = CachedEngine(_RapidOcrNext(), "rapidocr@1")
    newer.read(crop, DPI)
    store = cache.current()
    assert (store.hits["read"], store.misses["read"]) == (0, 3)
    get_engine("tesseract").read(crop, DPI)
    newer.read(crop, DPI)
    assert store.hits["read"] == 2


class _RapidOcrNext(RapidOcr):
    """The real RapidOCR adapter as if its program had been upgraded."""

    @property
    def version(self) -> str:
        return super().version + ".post1"


def test_a_corrupt_cache_file_is_logged_and_the_page_still_read(cache_dir, page_image, caplog):
    cache_dir.mkdir()
    (cache_dir / cache.DB_NAME).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="extract.ocr.cache"):
        text = ocr_page(raw_page(page_image))
    assert "140522199203120017" in text.text.replace(" ", "")
    assert cache.current().broken
    assert any("unusable" in r.message and str(cache_dir) in r.message for r in caplog.records)


def test_an_unwritable_cache_folder_is_logged_and_the_page_still_read(tmp_path, page_image, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache.configure(str(blocker / "cache"))
    try:
        with caplog.at_level(logging.WARNING, logger="extract.ocr.cache"):
            text = ocr_page(raw_page(page_image))
    finally:
        cache.configure()
    assert "140522199203120017" in text.text.replace(" ", "")
    assert any("unusable" in r.message for r in caplog.records)


def test_pixels_key_the_cache_not_the_file(page_image):
    assert cache.image_digest(page_image) == cache.image_digest(page_image.copy())
    assert cache.image_digest(page_image) != cache.image_digest(page_image.convert("L"))
    dark, light = page_image.convert("P"), page_image.convert("P")
    light.putpalette([255 - v for v in dark.getpalette()])  # same indices, other colours
    assert cache.image_digest(dark) != cache.image_digest(light)


def test_default_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_folder() == tmp_path / "xdg" / "dossier"
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "mine"))
    assert cache.default_folder() == tmp_path / "mine"


def _write_many(args: tuple[str, int]) -> tuple[int, bool]:
    """In a worker process: write 150 entries (half of them also written by the other worker), read them back."""
    path, worker = args
    store = OcrCache(Path(path))
    keys = [f"shared-{i}" for i in range(75)] + [f"own-{worker}-{i}" for i in range(75)]
    for key in keys:
        store.put("read", key, f"value of {key}".encode() * 50)
    found = sum(store.get("read", key) == f"value of {key}".encode() * 50 for key in keys)
    return found, store.broken


def test_two_processes_write_at_once(tmp_path):
    path = str(tmp_path / cache.DB_NAME)
    # an executor, not a Pool: a worker that dies fails the test instead of hanging it
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_write_many, [(path, 0), (path, 1)], timeout=300))
    assert results == [(150, False), (150, False)]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == 75 + 2 * 75


@pytest.fixture(scope="module")
def one_page_batch(tmp_path_factory, page_image):
    batch = tmp_path_factory.mktemp("cache-batch") / "batch"
    (batch / "张伟-晋城煤业").mkdir(parents=True)
    page_image.save(batch / "张伟-晋城煤业" / "评审表.png", dpi=(DPI, DPI))
    return batch


def _check(batch: Path, out: Path, *options: str, env_cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, cache.ENV_DIR: str(env_cache)}
    return subprocess.run([DOSSIER, "check", str(batch), "--out", str(out), "--quiet", *options],
                          capture_output=True, text=True, timeout=900, env=env)


def test_no_cache_writes_no_cache_file(tmp_path, one_page_batch):
    proc = _check(one_page_batch, tmp_path / "out", "--no-cache", "--workers", "1", env_cache=tmp_path / "default")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "batch.json").is_file()
    assert not (tmp_path / "default").exists()


def test_cache_dir_reaches_the_worker_processes_and_a_rerun_reads_nothing_again(tmp_path, one_page_batch):
    folder = tmp_path / "moved"
    proc = _check(one_page_batch, tmp_path / "out1", "--cache", str(folder), "--workers", "2",
                  env_cache=tmp_path / "default")
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "default").exists()
    entries = _entries(folder / cache.DB_NAME)
    assert any(kind == "page" for _, kind, _ in entries)
    proc = _check(one_page_batch, tmp_path / "out2", "--cache", str(folder), "--workers", "2",
                  env_cache=tmp_path / "default")
    assert proc.returncode == 0, proc.stderr
    assert _entries(folder / cache.DB_NAME) == entries  # nothing new OCR'd, nothing rewritten
    report = (tmp_path / "out1" / "张伟-晋城煤业" / "report.json").read_text(encoding="utf-8")
    assert (tmp_path / "out2" / "张伟-晋城煤业" / "report.json").read_text(encoding="utf-8") == report


def _entries(path: Path) -> list[tuple[str, str, float]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT key, kind, created FROM entries ORDER BY key").fetchall()


def test_a_package_result_is_found_by_what_it_was_made_from(cache_dir):
    from extract.ocr.cache import PackageResults

    results = PackageResults()
    members = [("评审表.pdf", "a" * 64), ("身份证.jpg", "b" * 64)]
    key = PackageResults.key("张伟-晋城煤业", members, b"rules: 1", "rapidocr")
    assert results.get(key) is None
    results.put(key, b"the worker's bundle")
    assert results.get(PackageResults.key("张伟-晋城煤业", members[::-1], b"rules: 1", "rapidocr")) == b"the worker's bundle"
    changed = [
        PackageResults.key("张伟-晋城煤业", [members[0], ("身份证.jpg", "c" * 64)], b"rules: 1", "rapidocr"),
        PackageResults.key("张伟-晋城煤业", [members[0], ("身份证2.jpg", "b" * 64)], b"rules: 1", "rapidocr"),
        PackageResults.key("张伟-晋城煤业", members, b"rules: 2", "rapidocr"),
        PackageResults.key("张伟-晋城煤业", members, b"rules: 1", "tesseract"),
        PackageResults.key("李娜-晋城煤业", members, b"rules: 1", "rapidocr"),
        PackageResults.key("张伟-晋城煤业", members, b"rules: 1", "rapidocr", [("汇总表.xlsx", "d" * 64)]),
    ]
    assert all(results.get(k) is None for k in changed)
    cache.configure(str(cache_dir), enabled=False)
    assert results.get(key) is None


def _package_entries(path: Path) -> list[str]:
    return [key for key, kind, _ in _entries(path) if kind == cache.PackageResults.KIND]


def test_a_rerun_serves_the_whole_package_and_a_changed_file_checks_it_again(tmp_path, one_page_batch):
    folder = tmp_path / "cache"
    first = _check(one_page_batch, tmp_path / "out1", "--cache", str(folder), env_cache=tmp_path / "default")
    assert first.returncode == 0, first.stderr
    assert len(_package_entries(folder / cache.DB_NAME)) == 1
    entries = _entries(folder / cache.DB_NAME)
    second = _check(one_page_batch, tmp_path / "out2", "--cache", str(folder), env_cache=tmp_path / "default")
    assert second.returncode == 0, second.stderr
    key = "张伟-晋城煤业"
    assert (tmp_path / "out2" / key / "report.json").read_bytes() == (tmp_path / "out1" / key / "report.json").read_bytes()
    files = lambda out: sorted(p.relative_to(out).as_posix() for p in (out / key).rglob("*") if p.is_file())  # noqa: E731
    assert files(tmp_path / "out2") == files(tmp_path / "out1")  # the evidence crops came back too
    assert _entries(folder / cache.DB_NAME) == entries  # served: nothing read, nothing written again

    changed = tmp_path / "changed"
    shutil.copytree(one_page_batch, changed)
    page = changed / key / "评审表.png"
    with Image.open(page) as img:
        img.rotate(180).save(page, dpi=(DPI, DPI))  # same pixels turned: another file
    third = _check(changed, tmp_path / "out3", "--cache", str(folder), env_cache=tmp_path / "default")
    assert third.returncode == 0, third.stderr
    assert len(_package_entries(folder / cache.DB_NAME)) == 2


def _result(report: Report, files: dict[str, bytes] | None = None) -> PackageResult:
    return PackageResult(report, None, files or {})


def test_a_failed_or_timed_out_package_is_not_kept_for_the_next_run():
    from core.records import IngestIssue, SourceFile
    from verify import decide_verdict
    from verify.catalogue import finding

    clean = Report(applicant="张伟-晋城煤业", verdict=decide_verdict([]))
    assert keep_result(_result(clean, {"张伟-晋城煤业/evidence/a.png": b"png"}))
    failed = failed_result(PackageRef(key="张伟-晋城煤业", path=Path("张伟-晋城煤业"), kind="dir"), RuntimeError("boom"))
    assert not keep_result(failed)
    unreadable = finding("INGEST.UNREADABLE", "scan.pdf could not be read")
    bad_file = Report(applicant="张伟-晋城煤业", verdict=decide_verdict([unreadable]), findings=(unreadable,))
    assert keep_result(_result(bad_file))  # a broken file stays broken: its result may be served again
    slow = SourceFile(path="scan.pdf", sha256="a" * 64, size=1, format="pdf", status="partial",
                      issues=(IngestIssue(stage="render", category="timeout", message="page 2 timed out", page=2),))
    assert not keep_result(_result(clean.model_copy(update={"files": (slow,)})))


def test_a_kept_result_comes_back_as_it_went(tmp_path):
    from verify.batch import Fingerprint

    report = Report(applicant="张伟-晋城煤业", verdict="eligible")
    prints = Fingerprint(applicant="张伟-晋城煤业")
    files = {"张伟-晋城煤业/evidence/a.png": b"\x89PNG...", "张伟-晋城煤业/页面/1.jpg": b"\xff\xd8"}
    back = unpack_result(pack_result(PackageResult(report, prints, files)))
    assert back.report == report and back.fingerprint == prints and back.files == files
    assert unpack_result(pack_result(PackageResult(report, None, {}))).fingerprint is None


def test_a_rerun_of_an_unchanged_batch_asks_no_worker(tmp_path, one_page_batch):
    # the driver finds every package's result in its cache before any worker starts (a warm re-run
    # spent a third of its time starting workers and importing the pipeline in them)
    from dossier.executors import LocalExecutor
    from dossier.pipeline import Options, check_job, run_batch

    options = Options(cache=str(tmp_path / "cache"))
    first = run_batch(one_page_batch, tmp_path / "out1", options, executor=LocalExecutor(1))
    executor = NothingRuns()
    again = run_batch(one_page_batch, tmp_path / "out2", options, executor=executor)
    assert executor.asked == [] and again == first
    key = "张伟-晋城煤业"
    assert (tmp_path / "out2" / key / "report.json").read_bytes() == (tmp_path / "out1" / key / "report.json").read_bytes()
    changed = tmp_path / "changed"
    shutil.copytree(one_page_batch, changed)
    with Image.open(changed / key / "评审表.png") as img:
        img.rotate(180).save(changed / key / "评审表.png", dpi=(DPI, DPI))  # another file: checked again
    executor = NothingRuns()
    run_batch(changed, tmp_path / "out3", options, executor=executor)
    assert executor.asked == [key]
    # the job tells the worker the key the driver missed: it is not hashed again, and the result is kept
    # under the key the next run looks up
    (job,) = executor.jobs
    assert job.missed is not None
    check_job(job, options)
    executor = NothingRuns()
    run_batch(changed, tmp_path / "out4", options, executor=executor)
    assert executor.asked == []
    no_reuse = NothingRuns()
    run_batch(one_page_batch, tmp_path / "out5", Options(cache=str(tmp_path / "cache"), reuse_packages=False),
              executor=no_reuse)
    assert no_reuse.asked == [key]
