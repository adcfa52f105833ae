"""Checks that the machine has what a run needs; prints one line per item. Used by `make setup`."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from core.errors import MissingDependencyError

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)


def check() -> list[str]:
    """Return a list of problems (empty when everything a run needs is present)."""
    problems = []
    if shutil.which("tesseract") is None:
        problems.append("tesseract is not installed (Debian: tesseract-ocr)")
    else:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
        for lang in ("chi_sim", "osd"):
            if lang not in langs.split():
                problems.append(f"Tesseract language data {lang!r} is missing")
    problems += [f"font {f} is missing" for f in CJK_FONTS if not Path(f).exists()]
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except Exception as exc:  # an import error of a native library shows as many types
        problems.append(f"RapidOCR does not import: {exc}")
    return problems


def require() -> None:
    problems = check()
    if problems:
        raise MissingDependencyError("; ".join(problems))


def main() -> int:
    problems = check()
    for p in problems:
        print(f"setup: MISSING {p}", file=sys.stderr)
    if not problems:
        print("setup: ready (tesseract chi_sim+osd, RapidOCR, CJK fonts)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
