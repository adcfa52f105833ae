"""Page classification and grouping into documents, driven by extract/doctypes.yaml.

`classify_page(page)` scores every document type on the page's text (titles near the top weigh
most; OCR near-misses of a title still count); `group_documents(pages)` turns a file's classified
pages into `Document`s, joining continuation pages of multi-page types.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from core.records import DOC_TYPES, Document, PageText

DOCTYPES_FILE = Path(__file__).with_name("doctypes.yaml")


class DocTypeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: str
    multipage: bool = False
    title_starts_document: bool = True  # False where every page repeats the title (ID card sides)
    absorbs_unrecognised: bool = False  # an unrecognised next page is its continuation (long prose)
    titles: tuple[str, ...] = ()
    keywords: dict[str, float] = {}
    absent_penalty: dict[str, float] = {}


class DocTypeTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    min_score: float
    title_weight: float
    top_fraction: float
    types: dict[str, DocTypeSpec]

    def model_post_init(self, _context) -> None:
        unknown = set(self.types) - set(DOC_TYPES)
        missing = set(DOC_TYPES) - set(self.types)
        if unknown or missing:
            raise ValueError(f"doctypes: unknown {sorted(unknown)}, missing {sorted(missing)}")


@lru_cache(maxsize=4)
def load_doctypes(path: Path = DOCTYPES_FILE) -> DocTypeTable:
    return DocTypeTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def normalise_text(text: str) -> str:
    """NFKC (full-width → half-width), no whitespace: OCR spaces Chinese text unpredictably."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class PageClass:
    file: str
    page: int
    type: str
    score: float
    runner_up: str
    runner_up_score: float


def _contains(haystack: str, needle: str) -> float:
    """1.0 for an exact hit, 0.75 for an OCR near-miss of a long phrase, else 0."""
    if needle in haystack:
        return 1.0
    if len(needle) >= 5 and fuzz.partial_ratio(needle, haystack, score_cutoff=80):
        return 0.75
    return 0.0


def _top_text(page: PageText, fraction: float) -> str:
    """Text of the lines in the top part of the page (the first lines when there is no geometry)."""
    lines = page.lines
    if page.height and all(line.bbox for line in lines):
        limit = page.height * fraction
        top = [line.text for line in lines if line.bbox[1] <= limit]
    else:
        top = [line.text for line in lines[:4]]
    return normalise_text("".join(top))


def score_page(page: PageText, table: DocTypeTable | None = None) -> dict[str, float]:
    table = table or load_doctypes()
    text = normalise_text(page.text + "".join("".join(row) for tbl in page.tables for row in tbl))
    top = _top_text(page, table.top_fraction)
    scores: dict[str, float] = {}
    for name, spec in table.types.items():
        score = 0.0
        title_hit = 0.0
        for title in spec.titles:
            in_top = _contains(top, title)
            hit = in_top if in_top else 0.5 * _contains(text, title)
            title_hit = max(title_hit, hit)
        score += table.title_weight * title_hit
        score += sum(w for kw, w in spec.keywords.items() if kw in text)
        score -= sum(w for kw, w in spec.absent_penalty.items() if kw in text)
        scores[name] = score
    return scores


def classify_page(page: PageText, table: DocTypeTable | None = None) -> PageClass:
    table = table or load_doctypes()
    scores = score_page(page, table)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    (best, best_score), (second, second_score) = ranked[0], ranked[1]
    kind = best if best_score >= table.min_score else "other"
    return PageClass(page.file, page.page, kind, best_score, second, second_score)


def group_documents(
    pages: list[PageText], sha256: dict[str, str], table: DocTypeTable | None = None
) -> list[Document]:
    """Classify pages and group consecutive pages of one file into documents.

    A page that reaches no type's minimum continues the previous page's document when that
    document's type absorbs unrecognised pages (a report's second page); consecutive pages of one multi-page type without a new title
    on top join one document.
    """
    table = table or load_doctypes()
    documents: list[Document] = []
    current: dict | None = None
    for page in sorted(pages, key=lambda p: (p.file, p.page)):
        cls = classify_page(page, table)
        kind = cls.type
        prev_ok = (
            current is not None
            and current["file"] == page.file
            and current["pages"][-1] == page.page - 1
            and table.types[current["type"]].multipage
        )
        if kind == "other" and prev_ok and page.lines and table.types[current["type"]].absorbs_unrecognised:
            kind = current["type"]
        spec = table.types[kind]
        starts_new = spec.title_starts_document and _has_title_on_top(page, kind, table)
        if prev_ok and kind == current["type"] and not starts_new:
            current["pages"].append(page.page)
            current["score"] = min(current["score"], cls.score)
            continue
        if current:
            documents.append(_document(current, sha256))
        current = {"type": kind, "file": page.file, "pages": [page.page], "score": cls.score}
    if current:
        documents.append(_document(current, sha256))
    return documents


def _has_title_on_top(page: PageText, kind: str, table: DocTypeTable) -> bool:
    top = _top_text(page, table.top_fraction)
    return any(title in top for title in table.types[kind].titles)


def _document(current: dict, sha256: dict[str, str]) -> Document:
    return Document(
        type=current["type"],
        file=current["file"],
        pages=tuple(current["pages"]),
        sha256=sha256.get(current["file"], ""),
        score=round(current["score"], 2),
    )
