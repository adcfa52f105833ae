"""The one wrapper through which external programs run.

A timeout yields `ExternalTimeoutError` (callers degrade and record it), a crash becomes
`ExternalProgramError` raised from the original, and a missing program `MissingDependencyError`.
"""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence

from core.errors import ExternalProgramError, ExternalTimeoutError, MissingDependencyError


def run_program(
    args: Sequence[str],
    *,
    timeout: float,
    input_bytes: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `args`; return the completed process (exit 0 only). Raises the typed errors above."""
    if shutil.which(args[0]) is None:
        raise MissingDependencyError(f"program {args[0]!r} is not installed")
    try:
        proc = subprocess.run(
            list(args), input=input_bytes, capture_output=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ExternalTimeoutError(f"{args[0]} ran past {timeout:.0f} s") from exc
    except OSError as exc:
        raise ExternalProgramError(f"{args[0]} could not start: {exc}") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip()[-400:]
        raise ExternalProgramError(f"{args[0]} exited with {proc.returncode}: {tail}")
    return proc
