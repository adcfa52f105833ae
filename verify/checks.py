"""The registry of checks. A check takes a `Dossier` and returns findings; it never parses."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from core.records import Dossier, Evidence, Finding
from core.registry import Registry
from verify.catalogue import finding, load_catalogue

Check = Callable[[Dossier], Iterable[Finding]]
checks: Registry[Check] = Registry("check")


def check(name: str, *, emits: tuple[str, ...], version: str = "1"):
    """Register a check under `name`; `emits` lists the rule IDs it can report."""

    def decorate(fn: Check) -> Check:
        catalogue = load_catalogue().rules
        unknown = [rule for rule in emits if rule not in catalogue]
        if unknown:
            raise ValueError(f"check {name} emits unknown rule IDs {unknown}")
        fn.emits = emits  # type: ignore[attr-defined]
        return checks.register(name, version=version)(fn)

    return decorate


@check("ingest.unreadable", emits=("INGEST.UNREADABLE",))
def unreadable_files(dossier: Dossier) -> list[Finding]:
    """INGEST.UNREADABLE for every file (or page) that could not be read. 四(三)."""
    found = []
    for source in dossier.files:
        for issue in source.issues:
            where = f" (page {issue.page})" if issue.page else ""
            found.append(
                finding(
                    "INGEST.UNREADABLE",
                    f"{source.path}{where} could not be read [{issue.category}]: {issue.message}",
                    evidence=[Evidence(file=source.path, page=issue.page, text=issue.message)],
                )
            )
    return found


def emitted_rules() -> set[str]:
    return {rule for _, fn in checks.items() for rule in fn.emits}
