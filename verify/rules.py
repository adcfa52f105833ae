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
EMPLOYER_TYPES = ("public_institution", "enterprise", "non_public", "flexible", "freelance", "civil_service")


class Reform(BaseModel):
    """The gradual increase of the retirement age (from 2025-01-01): months of delay =
    0 if k < 0 else min(cap, k // step + 1), k = (birth_year − base)·12 + (birth_month − 1)."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    base: int
    step: int
    cap: int


class Retirement(BaseModel):
    """二(二)2: statutory retirement age on the reference date (the first day of intake).

    `old_age` per category: 男, 女干部 (female cadres, the usual case for technicians), 女工人.
    From `reform_start` the old age is increased per `reform` (same categories)."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    old_age: dict[str, int]
    reform_start: dt.date
    reform: dict[str, Reform]

    @model_validator(mode="after")
    def _categories(self) -> "Retirement":
        if set(self.reform) - set(self.old_age):
            raise ValueError(f"reform categories {sorted(set(self.reform) - set(self.old_age))} have no old_age")
        return self


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
    # 三(五) "申报评审当年或上一年度": at least one of these years must be rated passing
    appraisal_recent_years: tuple[int, ...]
    # 三(五) last paragraph: these employer types need no appraisal materials
    appraisal_exempt_employer_types: tuple[str, ...]
    publicity_min_working_days: int
    publicity_first_day_counts: bool = True
    ce_hours_per_year: int | None = None
    ce_professional_share: float | None = None  # 专业科目 share of the yearly hours (where a certificate splits them)
    ce_years: tuple[int, ...] = ()  # the years whose hours are checked (empty: every year shown)
    retirement: Retirement
    # 二(二)1 / 二(二)3
    civil_service_employer_types: tuple[str, ...]
    discipline_disqualifying: tuple[str, ...]  # sanctions that exclude a public-institution technician
    discipline_employer_types: tuple[str, ...]
    # 三(二) 本专业或相近专业(理学、工学): a major holding one of these words is related
    related_major_words: tuple[str, ...]
    # 三(四) the work report's required parts (extract/found_special.REPORT_SECTIONS keys)
    report_sections: tuple[str, ...]
    # 五(一) the three items of 三公示 (extract/found_special.PUBLICITY_ITEMS keys)
    publicity_items: tuple[str, ...]
    # DATE.IMPOSSIBLE: the youngest age at which a diploma of each level is plausible
    min_graduation_age: int = 14
    # DATE.IMPOSSIBLE: a date more than this many days after the window's last day (or after today) is in the future
    future_margin_days: int = 30
    # PUB.ORDER: a publicity may end on the day the materials are submitted
    publicity_may_end_on_submission_day: bool = True
    # SCOPE.DISCIPLINE: the period of a sanction whose decision prints no end (事业单位工作人员处分规定)
    discipline_period_months: dict[str, int] = {}
    # DECL.MISMATCH / DOC.INCONSISTENT: a one-character difference accuses only when both readings are this sure
    ocr_slip_confidence: float = 0.95
    graduation_date_tolerance_days: int = 31
    # SIGN.MISSING: the documents that must carry the unit's seal
    sealed_documents: tuple[str, ...] = ()
    ocr_low_confidence: float
    deciding_fields: tuple[str, ...]
    # the notice's clauses in its own words, by the codes verify/catalogue.yaml cites (reports quote them)
    clauses: dict[str, str] = {}

    def clause_texts(self, code: str | None) -> list[tuple[str, str]]:
        """(code, text) of each clause `code` names ("四, 五(一)" names two); a code without text keeps ''."""
        if not code:
            return []
        parts = [c.strip() for c in code.replace("，", ",").split(",") if c.strip()]
        return [(c, self.clauses.get(c, "")) for c in parts]

    @model_validator(mode="after")
    def _consistent(self) -> "NoticeRules":
        unknown = {self.education_min, *self.technician_cutoffs, *self.appraisal_min_count} - set(EDUCATION_LEVELS)
        if unknown:
            raise ValueError(f"unknown education levels {sorted(unknown)}; known: {EDUCATION_LEVELS}")
        if self.submission_window[0] > self.submission_window[1]:
            raise ValueError("submission_window ends before it starts")
        if self.intake_date != self.submission_window[0]:
            raise ValueError("intake_date must be the submission window's first day (二(二)2)")
        if set(self.appraisal_exempt_employer_types) - set(EMPLOYER_TYPES):
            raise ValueError(f"unknown employer types; known: {EMPLOYER_TYPES}")
        if not 0.0 < self.ocr_low_confidence < 1.0:
            raise ValueError("ocr_low_confidence must lie between 0 and 1")
        return self

    def education_rank(self, level: str) -> int:
        """Higher is more education: below_secondary 0 … doctorate 6."""
        return len(EDUCATION_LEVELS) - 1 - EDUCATION_LEVELS.index(level)

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
