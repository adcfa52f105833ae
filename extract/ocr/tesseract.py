"""Tesseract 5 (chi_sim) through the CLI, called via `core.run.run_program`.

Measured choices: `--psm 4` (psm 6 dropped ruled tables), chi_sim alone (beat chi_sim+eng),
the DPI passed explicitly (a PIL image carries none; at the assumed 70 DPI tables vanished),
OMP_THREAD_LIMIT=1 (the default OpenMP threads ran 4x slower on our 2-core machines).
"""
from __future__ import annotations

import csv
import functools
import io
import os

from PIL import Image

from core.errors import ExternalProgramError
from core.records import Line, Word
from core.run import run_program
from extract.ocr.engines import make_line, ocr_engines

LANG = "chi_sim"
PSM = 4


@functools.cache
def tesseract_version() -> str:
    proc = run_program(["tesseract", "--version"], timeout=30)
    first = (proc.stdout or proc.stderr).decode("utf-8", "replace").split()
    return first[1] if len(first) > 1 else "unknown"


def png_bytes(image: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", dpi=(dpi, dpi), compress_level=1)
    return buf.getvalue()


def run_tesseract(image: Image.Image, dpi: int, *, psm: int, timeout: float, config: str = "tsv") -> str:
    """Raw stdout of `tesseract stdin stdout -l chi_sim --psm N --dpi D <config>`."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    args = ["tesseract", "stdin", "stdout", "--psm", str(psm), "--dpi", str(dpi)]
    if psm != 0:
        args[3:3] = ["-l", LANG]
    proc = run_program([*args, config] if config else args, timeout=timeout,
                       input_bytes=png_bytes(image, dpi), env=env)
    return proc.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str) -> tuple[Line, ...]:
    """Tesseract TSV → lines (one per block/paragraph/line number) of words, top to bottom."""
    rows = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(rows, None)
    if not header or header[:2] != ["level", "page_num"]:
        raise ExternalProgramError("tesseract gave no TSV output")
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for row in rows:
        if len(row) < 12 or row[0] != "5" or not row[11].strip():
            continue
        left, top, width, height = (int(v) for v in row[6:10])
        conf = max(float(row[10]), 0.0) / 100.0
        word = Word(text=row[11].strip(), bbox=(left, top, left + width, top + height),
                    confidence=min(conf, 1.0))
        lines.setdefault((int(row[2]), int(row[3]), int(row[4])), []).append(word)
    out = [make_line(words) for words in lines.values()]
    return tuple(sorted((ln for ln in out if ln is not None), key=lambda ln: (ln.bbox[1], ln.bbox[0])))


@ocr_engines.register("tesseract", version="1")
class Tesseract:
    name = "tesseract"

    def __init__(self, timeout: float = 120.0):
        self.timeout = timeout

    @property
    def version(self) -> str:
        return tesseract_version()

    def read(self, image: Image.Image, dpi: int) -> tuple[Line, ...]:
        """Lines of `image` (bbox in its pixels). Raises ExternalTimeoutError past `timeout`."""
        return parse_tsv(run_tesseract(image.convert("RGB"), dpi, psm=PSM, timeout=self.timeout))

    def describe(self) -> dict[str, str]:
        return {"engine": "tesseract", "version": self.version, "lang": LANG, "psm": str(PSM),
                "threads": "1", "timeout_s": f"{self.timeout:g}"}
