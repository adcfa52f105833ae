"""The finding catalogue (verify/catalogue.yaml): rule IDs, severities, clauses."""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from core.records import Evidence, Finding, Severity

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    severity: Severity
    clause: str
    summary: str


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    rules: dict[str, RuleSpec]


@lru_cache(maxsize=2)
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    return Catalogue.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def finding(
    rule: str, message: str, *, field: str | None = None, evidence: Iterable[Evidence] = ()
) -> Finding:
    """A Finding for `rule`, with the catalogue's severity and clause (KeyError on an unknown ID)."""
    spec = load_catalogue().rules[rule]
    clause = None if spec.clause in ("—", "-", "") else spec.clause
    return Finding(
        rule=rule,
        severity=spec.severity,
        field=field,
        message=message,
        clause=clause,
        evidence=tuple(evidence),
    )
