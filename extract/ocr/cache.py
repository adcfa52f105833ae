"""The persistent OCR cache: the same pixels are never OCR'd twice, across runs and processes.

One SQLite file (default: the user's cache folder, `dossier/ocr.sqlite3`) holds two kinds of entry:

    "read"  one engine call: sha256 of the image's pixels, DPI, engine name@adapter version, the
            engine program's version and parameters (`describe()`) → its lines, words, boxes and
            confidences. Crop re-reads (extract/reread.py, extract/seals.py) go through this level.
    "page"  one page's whole OCR (normalisation, orientation, the faint-page retry): the raw page's
            pixels, DPI and the same engine identity → the page's `PageText`, so a re-run skips the
            normalisation too.

Every key also holds `code_version()`: a hash of extract/ocr's source and the versions of the
libraries the normalisation uses, so a change of the OCR code never serves a stale reading.
Values are zlib-compressed JSON (never pickle: a cache file must not be able to run code).

The settings (`configure`) are module state, set again in every worker process by the pipeline;
$DOSSIER_CACHE_DIR moves the default folder. A cache that cannot be opened, read or written is
logged once per process and the run goes on without it.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import site
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image
from pydantic import TypeAdapter

from core.records import Line, PageText

if TYPE_CHECKING:
    from extract.ocr.engines import OcrEngine

log = logging.getLogger(__name__)

DB_NAME = "ocr.sqlite3"
ENV_DIR = "DOSSIER_CACHE_DIR"
BUSY_TIMEOUT_S = 60.0  # a writer waits this long for another process's write to finish
_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, kind TEXT NOT NULL, value BLOB NOT NULL, created REAL NOT NULL)"
_LINES = TypeAdapter(tuple[Line, ...])


def default_folder() -> Path:
    """$DOSSIER_CACHE_DIR, else the platform's user cache folder (XDG_CACHE_HOME or ~/.cache on Linux)."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "dossier"
    return Path(user_cache_dir("dossier", appauthor=False))


class OcrCache:
    """Entries by key in one SQLite file, with this process's hit/miss counters per kind.

    A connection per operation: nothing stays open across a fork, and each write is one short
    autocommit transaction (WAL lets readers go on meanwhile). The first error turns the cache
    off for this process, with one log line.
    """

    def __init__(self, path: Path):
        self.path = path
        self.hits: Counter[str] = Counter()
        self.misses: Counter[str] = Counter()
        self.broken = False
        self._ready = False

    def get(self, kind: str, key: str) -> bytes | None:
        """The value stored under `key`, or None (absent, or the cache is unusable)."""
        row = self._run(lambda db: db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone())
        if row is None:
            self.misses[kind] += 1
            return None
        try:
            value = zlib.decompress(row[0])
        except zlib.error as exc:
            self._fail(exc)
            self.misses[kind] += 1
            return None
        self.hits[kind] += 1
        return value

    def put(self, kind: str, key: str, value: bytes) -> None:
        self._run(lambda db: db.execute(
            "INSERT OR REPLACE INTO entries (key, kind, value, created) VALUES (?, ?, ?, ?)",
            (key, kind, zlib.compress(value, 6), time.time())))

    def _run(self, op: Callable[[sqlite3.Connection], object]):
        if self.broken:
            return None
        try:
            with closing(self._connect()) as db:
                return op(db)
        except (sqlite3.Error, OSError) as exc:
            self._fail(exc)
            return None

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        if not self._ready:
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
            except sqlite3.Error:
                db.close()
                raise
            self._ready = True
        return db

    def _fail(self, exc: BaseException) -> None:
        self.broken = True
        log.warning("OCR cache %s is unusable (%s: %s); going on without it (delete the file to start a new one)",
                    self.path, type(exc).__name__, exc)


# ---- settings ------------------------------------------------------------------------------------

_settings: tuple[str | None, bool] = (None, True)
_caches: dict[Path, OcrCache] = {}


def configure(folder: str | None = None, *, enabled: bool = True) -> None:
    """Where the cache lives (None: `default_folder()`) and whether to use it, for this process."""
    global _settings
    _settings = (folder, enabled)


def current() -> OcrCache | None:
    """This process's cache as configured, or None when the cache is off."""
    folder, enabled = _settings
    if not enabled:
        return None
    path = (Path(folder) if folder else default_folder()) / DB_NAME
    if path not in _caches:
        _caches[path] = OcrCache(path)
    return _caches[path]


# ---- keys ----------------------------------------------------------------------------------------


def image_digest(image: Image.Image) -> str:
    """sha256 of the pixels (mode, size, raw bytes and a palette's colours): the same picture from any
    file gives the same."""
    h = hashlib.sha256(f"{image.mode}:{image.size[0]}x{image.size[1]}:".encode())
    h.update(image.tobytes())
    if image.mode in ("P", "PA"):  # the bytes are indices: two palettes, two pictures
        h.update(bytes(image.getpalette() or ()))
    return h.hexdigest()


@functools.cache
def code_version() -> str:
    """Hash of extract/ocr's source files and the versions of the libraries that shape its input."""
    from extract.ocr.tesseract import tesseract_version

    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    for dist in ("opencv-python", "pillow", "numpy", "rapidocr-onnxruntime", "onnxruntime"):
        h.update(f"{dist}={_dist_version(dist)};".encode())
    try:
        h.update(f"tesseract={tesseract_version()}".encode())  # OSD turns the pages
    except Exception as exc:  # noqa: BLE001 — no tesseract: the normalisation runs without OSD
        h.update(f"tesseract=none ({type(exc).__name__})".encode())
    return h.hexdigest()[:16]


def _dist_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def entry_key(kind: str, engine: CachedEngine, image: Image.Image, dpi: int) -> str:
    parts = [kind, engine.adapter, engine.version, engine.describe(), code_version(), int(dpi), image_digest(image)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# ---- the two levels ------------------------------------------------------------------------------


class CachedEngine:
    """An OCR engine whose reads go through the cache; name, version, describe as the engine's.

    `engine` is the engine itself, for a caller that caches a larger unit (a page) on its own.
    """

    def __init__(self, engine: OcrEngine, adapter: str):
        self.engine = engine
        self.name = engine.name
        self.adapter = adapter  # registry name with the adapter's version, e.g. "rapidocr@1"

    @property
    def version(self) -> str:
        return self.engine.version

    def describe(self) -> dict[str, str]:
        return self.engine.describe()

    def read(self, image: Image.Image, dpi: int) -> tuple[Line, ...]:
        cache = current()
        if cache is None:
            return self.engine.read(image, dpi)
        key = entry_key("read", self, image, dpi)
        found = cache.get("read", key)
        if found is not None:
            return _LINES.validate_json(found)
        lines = self.engine.read(image, dpi)
        cache.put("read", key, _LINES.dump_json(lines))
        return lines


def cached_page(image: Image.Image, dpi: int, engine: CachedEngine, read: Callable[[], PageText]) -> PageText:
    """`read()`'s PageText of the page `image`, from the cache when this engine read these pixels before.

    The caller sets the file, page and the file's own metadata on what comes back.
    """
    cache = current()
    if cache is None:
        return read()
    key = entry_key("page", engine, image, dpi)
    found = cache.get("page", key)
    if found is not None:
        return PageText.model_validate_json(found)
    text = read()
    cache.put("page", key, text.model_dump_json().encode())
    return text


# ---- whole packages ------------------------------------------------------------------------------

CODE_PACKAGES = ("core", "ingest", "extract", "verify", "reports", "dossier")
CODE_SUFFIXES = (".py", ".yaml", ".json", ".j2", ".html", ".css", ".js")


@functools.cache
def installed_code_version() -> str:
    """Hash of every source and data file of the installed dossier packages and of the installed
    distributions' versions: any change of code, bundled rules or a library makes every package result stale."""
    import importlib.util

    h = hashlib.sha256()
    for package in CODE_PACKAGES:
        spec = importlib.util.find_spec(package)
        for root in spec.submodule_search_locations or () if spec else ():
            for path in sorted(Path(root).rglob("*")):
                if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
                    h.update(f"{package}/{path.relative_to(root).as_posix()}\0".encode() + path.read_bytes())
    for dist in _installed_distributions():
        h.update(dist.encode() + b";")
    return h.hexdigest()[:16]


def _installed_distributions() -> list[str]:
    """Names of the *.dist-info / *.egg-info folders in site-packages ("numpy-1.26.4.dist-info"): each
    holds its version, and listing folders is ~10x faster than reading every distribution's metadata.
    Only site-packages: the folder a run starts in (sys.path[0]) must not change the key."""
    found: set[str] = set()
    for folder in [*site.getsitepackages(), site.getusersitepackages()]:
        try:
            found.update(p.name for p in Path(folder).iterdir() if p.suffix in (".dist-info", ".egg-info"))
        except OSError:  # no user site-packages, a folder gone
            continue
    return sorted(found)


class PackageResults:
    """A whole package's result (the worker's result bundle, as opaque bytes) by what it was made from.

    Same SQLite file and settings as the OCR entries (kind "package"). The bytes are the pipeline's:
    whatever it stores comes back to it, so it should not store pickles (see the module docstring).
    """

    KIND = "package"

    @staticmethod
    def key(package: str, members: list[tuple[str, str]], rules: bytes, engine: str | None,
            batch_files: list[tuple[str, str]] = ()) -> str:
        """The key of a package's result: its key (the applicant's folder, shown in the report), its
        files as sorted (path, sha256) pairs (names are shown too), the rules file's bytes, the OCR
        engine, the batch's own files (a unit's 汇总表 holds declared data) and `installed_code_version()`."""
        parts = [PackageResults.KIND, package, sorted(members), hashlib.sha256(rules).hexdigest(), engine or "",
                 sorted(batch_files), installed_code_version()]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def get(self, key: str) -> bytes | None:
        cache = current()
        return cache.get(self.KIND, key) if cache is not None else None

    def put(self, key: str, value: bytes) -> None:
        cache = current()
        if cache is not None:
            cache.put(self.KIND, key, value)
