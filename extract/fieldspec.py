"""The typed form of extract/fields.yaml: per document type, per field, the rules that read it."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

FIELDS_FILE = Path(__file__).with_name("fields.yaml")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    read: str | None = None
    label: tuple[str, ...] = ()
    pattern: str | None = None
    anywhere: bool = False
    range: str | None = None  # "start" | "end"
    pick: str = "first"
    followed_by: tuple[str, ...] = ()
    preceded_by: tuple[str, ...] = ()
    present: bool = False
    certainty: float = 1.0
    prose: bool = False
    note: str | None = None
    outside_periods: bool = False  # skip dates that are one end of a period (an ID card's validity)
    skip_lines_with: tuple[str, ...] = ()  # skip readings on lines holding one of these words
    full_date: bool = False  # the document prints a whole date here: a month alone means the day was lost


class FieldTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    types: dict[str, dict[str, tuple[Rule, ...]]]
    priority: dict[str, tuple[str, ...]]
    label_words: tuple[str, ...] = ()  # cell labels that are never values (beyond the rules' own labels)

    def all_labels(self) -> frozenset[str]:
        """Every word that labels a cell on an evidence document."""
        own = {label for fields in self.types.values() for rules in fields.values() for r in rules for label in r.label}
        return frozenset(own | set(self.label_words))


@lru_cache(maxsize=1)
def load_fields(path: Path = FIELDS_FILE) -> FieldTable:
    return FieldTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
