"""The rules of one notice (verify/rules/<id>.yaml) as a typed, validated model."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from core.errors import RulesError

RULES_DIR = Path(__file__).with_name("rules")
DEFAULT_RULES = RULES_DIR / "yangcheng-2024-coal-junior.yaml"
EDUCATION_LEVELS = ("doctorate", "master", "second_bachelor", "bachelor", "junior_college", "secondary",
                    "below_secondary")


class NoticeRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    notice: str
    title: str
    qualification: str
    application_year: int
    intake_date: dt.date
    submission_window: tuple[dt.date, dt.date]
    specialties: dict[str, tuple[str, ...]]
    education_min: str
    probation_years: int
    technician_cutoffs: dict[str, dt.date]
    appraisal_min_count: dict[str, int]
    appraisal_passing: tuple[str, ...]
    publicity_min_working_days: int
    publicity_first_day_counts: bool = True
    ce_hours_per_year: int | None = None
    retirement_age: dict[str, int]
    ocr_low_confidence: float
    deciding_fields: tuple[str, ...]

    @model_validator(mode="after")
    def _consistent(self) -> "NoticeRules":
        unknown = {self.education_min, *self.technician_cutoffs, *self.appraisal_min_count} - set(EDUCATION_LEVELS)
        if unknown:
            raise ValueError(f"unknown education levels {sorted(unknown)}; known: {EDUCATION_LEVELS}")
        if self.submission_window[0] > self.submission_window[1]:
            raise ValueError("submission_window ends before it starts")
        if not 0.0 < self.ocr_low_confidence < 1.0:
            raise ValueError("ocr_low_confidence must lie between 0 and 1")
        return self

    @property
    def specialty_names(self) -> tuple[str, ...]:
        return tuple(name for names in self.specialties.values() for name in names)


@lru_cache(maxsize=8)
def load_rules(path: Path | str | None = None) -> NoticeRules:
    """The rules file at `path` (default: the bundled notice). Raises RulesError with the reason."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return NoticeRules.model_validate(data)
    except OSError as exc:
        raise RulesError(f"cannot read the rules file {path}: {exc}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise RulesError(f"the rules file {path} is not valid: {exc}") from exc
