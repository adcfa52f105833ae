"""Shared test helpers, and the one checked batch the end-to-end and report tests read.

Tests that use `checked_batch` carry `@pytest.mark.xdist_group("checked")` so that, with
`pytest -n 2 --dist loadgroup` (the Makefile's), one worker checks the batch once for all of them.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_spec(name: str) -> Path:
    """A file of the project's shared spec (../shared/spec beside the repository, as CI lays it).

    $DOSSIER_SHARED points elsewhere; a clone in a scratch folder falls back to /work/shared.
    """
    return shared_file(f"spec/{name}")


def shared_file(relative: str) -> Path:
    """A file of ../shared (spec/…, seed/…), found as `shared_spec` finds the spec."""
    candidates = [Path(os.environ["DOSSIER_SHARED"])] if os.environ.get("DOSSIER_SHARED") else []
    candidates += [REPO.parent / "shared", Path("/work/shared")]
    for root in candidates:
        if (root / relative).is_file():
            return root / relative
    raise FileNotFoundError(f"{relative} not found in {', '.join(map(str, candidates))}")


VENV_BIN = Path(sys.executable).parent
FAULTY_SEED = 5  # generate_batch(seed=5, n=1) plants a fault of almost every rule on its one applicant


@pytest.fixture(scope="session")
def checked_batch(tmp_path_factory):
    """A generated batch checked once by `dossier check`: three clean applicants (seed 11, with their
    汇总表), one applicant with many planted faults, a package of bad files and a broken zip.

    Returns {"proc", "out", "truth" (the clean batch's), "faulty" (key), "faulty_truth", "batch", "before"}.
    """
    from fixtures import generate_batch

    root = tmp_path_factory.mktemp("checked")
    batch = root / "batch"
    truth = generate_batch(batch, seed=11, n=3, faults=False)
    other = root / "faulty"
    faulty_truth = generate_batch(other, seed=FAULTY_SEED, n=1, faults=True)
    (faulty,) = faulty_truth["applicants"]
    for item in other.iterdir():
        if item.name in (faulty, f"{faulty}.zip"):
            shutil.move(str(item), batch / item.name)
    bad = batch / "坏文件-测试"
    bad.mkdir()
    (bad / "scan0001.pdf").write_bytes(b"%PDF-1.4\n%garbage, no objects")
    (bad / "评审表.doc").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504)
    (bad / "empty.jpg").write_bytes(b"")
    (batch / "坏压缩包.zip").write_bytes(b"PK\x03\x04 this zip is cut short")
    before = {p: p.read_bytes() for p in batch.rglob("*") if p.is_file()}
    out = root / "out"
    proc = subprocess.run(
        [str(VENV_BIN / "dossier"), "check", str(batch), "--out", str(out), "--workers", "2", "--quiet"],
        capture_output=True, text=True, timeout=1500,
    )
    return {"proc": proc, "out": out, "truth": truth, "faulty": faulty, "faulty_truth": faulty_truth,
            "batch": batch, "before": before}
