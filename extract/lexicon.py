"""The glossary of field-value wording (extract/lexicon.yaml), loaded into a checked, typed model.

`load_lexicon()` returns the `Lexicon`; its methods give the tables the readers need, keyed by the
Chinese wording (what is found in text) with the English value (what the code and reports use).
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")

EducationLevel = Literal["doctorate", "master", "second_bachelor", "bachelor", "junior_college",
                         "secondary", "below_secondary"]
Degree = Literal["doctor", "master", "bachelor"]
EDUCATION_LEVELS: tuple[str, ...] = EducationLevel.__args__
DEGREES: tuple[str, ...] = Degree.__args__


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpecialtySeries(_Frozen):
    zh: str
    specialties: dict[str, str]


class EducationWording(_Frozen):
    levels: dict[EducationLevel, tuple[str, ...]]
    weak: dict[EducationLevel, tuple[str, ...]] = {}
    technical_school_classes: dict[EducationLevel, tuple[str, ...]] = {}


class ProbationResultWording(_Frozen):
    passed_grades: tuple[str, ...]
    failed_grades: tuple[str, ...]
    passed: tuple[str, ...]
    failed: tuple[str, ...]


class ContinuingEducationWording(_Frozen):
    hour_units: tuple[str, ...]
    total_words: tuple[str, ...]


class Lexicon(_Frozen):
    version: int
    specialty_series: dict[str, SpecialtySeries]
    other_majors: dict[str, str]
    education: EducationWording
    degrees: dict[Degree, tuple[str, ...]]
    no_degree: tuple[str, ...]
    grades: dict[str, str]
    probation_result: ProbationResultWording
    sex: dict[Literal["male", "female"], str]
    continuing_education: ContinuingEducationWording
    name_labels: tuple[str, ...]
    employer_name_endings: dict[Literal["civil_service", "public_institution"], tuple[str, ...]] = {}

    def model_post_init(self, _context) -> None:
        # A wording listed twice in one table would make the reading depend on dict order.
        tables = {
            "specialties": list(self.notice_specialties().values()) + list(self.other_majors.values()),
            "education": [w for table in (self.education.levels, self.education.weak,
                                          self.education.technical_school_classes)
                          for words in table.values() for w in words],
            "degrees": [w for words in self.degrees.values() for w in words] + list(self.no_degree),
            "grades": list(self.grades.values()),
            "probation_result": list(self.probation_result.passed) + list(self.probation_result.failed),
        }
        for table, words in tables.items():
            twice = sorted(w for w, n in Counter(words).items() if n > 1)
            if twice:
                raise ValueError(f"lexicon: {table} lists {twice} more than once")
        unknown = set(self.probation_result.passed_grades + self.probation_result.failed_grades)
        if unknown - set(self.grades):
            raise ValueError(f"lexicon: probation_result names unknown grades {sorted(unknown - set(self.grades))}")

    def notice_specialties(self) -> dict[str, str]:
        """English key → specialty as printed, for the notice's list only."""
        return {key: zh for series in self.specialty_series.values()
                for key, zh in series.specialties.items()}

    def all_specialties(self) -> dict[str, str]:
        """English key → name as printed, the notice's specialties and the other majors seen."""
        return self.notice_specialties() | self.other_majors

    def education_terms(self) -> dict[str, tuple[str, str]]:
        """Wording → (level, kind); kind is "class" (技工院校 class), "level" or "weak"."""
        out: dict[str, tuple[str, str]] = {}
        for kind, table in (("weak", self.education.weak), ("level", self.education.levels),
                            ("class", self.education.technical_school_classes)):
            out |= {word: (level, kind) for level, words in table.items() for word in words}
        return out

    def degree_terms(self) -> dict[str, str]:
        """Wording → degree value (博士学位 → doctor)."""
        return {word: degree for degree, words in self.degrees.items() for word in words}

    def grade_words(self) -> tuple[str, ...]:
        """The appraisal grades as printed (the `appraisals` values)."""
        return tuple(self.grades.values())

    def probation_terms(self) -> dict[str, bool | None]:
        """Wording → probation passed (True) / failed (False); other grades → None (not a result)."""
        result = self.probation_result
        out: dict[str, bool | None] = {zh: None for zh in self.grades.values()}
        out |= {self.grades[k]: True for k in result.passed_grades}
        out |= {self.grades[k]: False for k in result.failed_grades}
        return out | {w: True for w in result.passed} | {w: False for w in result.failed}


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """The lexicon in `path` (default: the bundled extract/lexicon.yaml), validated; cached."""
    return Lexicon.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
