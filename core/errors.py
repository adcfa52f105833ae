"""Typed errors. Each carries an exit code and a how-to-fix hint.

Only the command-line layer maps them to exit codes; stages raise them. Per-file problems
(`IngestError`) are never fatal to a batch: the pipeline records them as findings.
"""
from __future__ import annotations


class DossierError(Exception):
    """Base of every error we raise on purpose."""

    exit_code = 1
    hint = ""

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:  # message, then how to fix it
        base = super().__str__()
        return f"{base}\n  how to fix: {self.hint}" if self.hint else base


class UsageError(DossierError):
    exit_code = 2
    hint = "run `dossier --help` for the options."


class InputNotFoundError(DossierError):
    exit_code = 3
    hint = "check the path of the batch folder (one sub-folder or zip per applicant)."


class MissingDependencyError(DossierError):
    exit_code = 4
    hint = "run `make setup` (installs Tesseract with chi_sim, the CJK fonts and the Python packages)."


class RulesError(DossierError):
    exit_code = 5
    hint = "check the rules file against verify/rules/*.yaml."


class OutputError(DossierError):
    exit_code = 6
    hint = "choose an --out folder you can write to, outside the batch folder."


class ExternalProgramError(DossierError):
    """An external program crashed or produced no usable output."""

    exit_code = 7
    hint = "run `make setup` again; if it persists, report the file that triggers it."


class ExternalTimeoutError(ExternalProgramError):
    """An external program ran past its time limit (a degraded result follows, not a crash)."""


class RegistryError(DossierError):
    exit_code = 2


class IngestError(DossierError):
    """One submitted file (or page) could not be read. Recorded as INGEST.UNREADABLE, never fatal.

    `category` is one of: corrupt, truncated, encrypted, unsupported, too_large, unsafe_path, empty.
    """

    exit_code = 8

    def __init__(self, message: str, *, category: str, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.category = category
