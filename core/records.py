"""Typed, immutable records that pass between stages.

ingest → `SourceFile` (+ pages as `ingest.RawPage`, which hold pixels and are never serialised)
extract → `PageText` (lines and words with boxes and confidences), `Document` (a typed group of pages),
          `ExtractedValue` (a field value with its `Evidence`)
verify → `Finding`
reports → `Report` (the report.json of ../shared/spec/interface.md)

Coordinates: `bbox` is (x0, y0, x1, y1), top-left origin, in pixels of the page image the text
was read from (PDF points for text-layer PDFs; None for DOCX/XLSX, which have no geometry).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

SCHEMA_VERSION = "1.0"

BBox = tuple[float, float, float, float]

DOC_TYPES: tuple[str, ...] = (
    "review_form",
    "summary_table",
    "publicity_record",
    "publicity_photo",
    "id_card",
    "diploma",
    "degree_certificate",
    "chsi_report",
    "appointment",
    "probation",
    "appraisal",
    "ce_certificate",
    "work_report",
    "unit_opinion",
    "commitment",
    "other",
)
DocType = Literal[
    "review_form",
    "summary_table",
    "publicity_record",
    "publicity_photo",
    "id_card",
    "diploma",
    "degree_certificate",
    "chsi_report",
    "appointment",
    "probation",
    "appraisal",
    "ce_certificate",
    "work_report",
    "unit_opinion",
    "commitment",
    "other",
]
Severity = Literal["block", "error", "warn", "info"]
Verdict = Literal["eligible", "needs_review", "ineligible"]
FileStatus = Literal["ok", "partial", "failed"]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Word(Record):
    text: str
    bbox: BBox
    confidence: float = Field(ge=0.0, le=1.0)


class Line(Record):
    """One line of text. OCR lines keep their words; DOCX paragraphs have no geometry."""

    text: str
    bbox: BBox | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    words: tuple[Word, ...] = ()


class IngestIssue(Record):
    """Why a file (or one page of it) could not be read fully."""

    stage: str  # "ingest", "render", "ocr", "classify"
    category: str  # corrupt, truncated, encrypted, unsupported, too_large, unsafe_path, empty, timeout
    message: str
    page: int | None = None


class SourceFile(Record):
    """A submitted file as found in a package. The original is never modified."""

    path: str  # inside the applicant's package; for a zip, the member path as stored
    sha256: str
    size: int
    format: str  # detected from content: pdf, jpeg, png, tiff, heic, webp, bmp, docx, xlsx, ...
    status: FileStatus = "ok"
    pages: int = 0
    issues: tuple[IngestIssue, ...] = ()


class PageText(Record):
    """A page's text with geometry, whichever way it was read (text layer, DOCX, OCR)."""

    schema_version: str = SCHEMA_VERSION
    file: str
    page: int  # from 1
    width: float
    height: float
    source: str  # "text_layer", "docx", "xlsx", or "ocr:<engine>@<version>"
    rotation: int = 0  # degrees (0/90/180/270) the page was turned clockwise to stand upright
    skew: float = 0.0  # degrees of residual skew corrected before OCR
    lines: tuple[Line, ...] = ()
    tables: tuple[tuple[tuple[str, ...], ...], ...] = ()  # DOCX/XLSX tables: rows of cell texts
    meta: dict[str, str] = {}  # EXIF and PDF metadata worth keeping (DateTimeOriginal, Software ...)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float:
        chars = sum(len(line.text) for line in self.lines)
        if not chars:
            return 0.0
        return sum(line.confidence * len(line.text) for line in self.lines) / chars


class Document(Record):
    """Consecutive pages of one file that form one document of one type."""

    type: DocType
    file: str
    pages: tuple[int, ...]
    sha256: str
    score: float = 0.0  # classifier's margin, for reviewers and the bench


class Evidence(Record):
    file: str
    page: int | None = None
    bbox: BBox | None = None
    text: str | None = None
    confidence: float | None = None
    extractor: str | None = None
    revision: int | None = Field(
        default=None, ge=1,
        description="Only for a PDF saved again incrementally: the evidence shows the page as it stood in this "
                    "earlier revision of the file (1 = as first saved), not as submitted; `text` is then what "
                    "that revision says where the page has changed since. Absent: the file as submitted.")

    @model_serializer(mode="wrap")
    def _without_revision(self, handler):
        """`revision` is written only when set: the evidence of the file as submitted serialises as before."""
        data = handler(self)
        if self.revision is None and isinstance(data, dict):
            data.pop("revision", None)
        return data


class ExtractedValue(Record):
    """One reading of a field from one document: what the applicant declared, or what evidence shows."""

    field: str
    value: Any
    evidence: tuple[Evidence, ...] = ()
    extractor: str  # versioned name, e.g. "diploma@1"
    origin: Literal["declared", "found"] = "found"
    document: str | None = None  # type of the document read (review_form, diploma, ...)
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)  # OCR confidence × how certain the pattern was
    note: str | None = None  # why the confidence is lowered, or what could not be read


class Finding(Record):
    rule: str
    severity: Severity
    field: str | None = None
    message: str
    clause: str | None = None
    evidence: tuple[Evidence, ...] = ()


class FieldReport(Record):
    """One field of report.json: the declared and the found value, and the evidence behind them.

    `evidence` lists the found value's evidence first, then the declared value's.
    """

    declared: Any = None
    found: Any = None
    evidence: tuple[Evidence, ...] = ()
    confidence: float | None = None  # of the found value
    declared_in: str | None = None  # review_form / summary_table
    found_in: tuple[str, ...] = ()  # document types whose reading agrees with `found`
    note: str | None = None


class DocumentEntry(Record):
    file: str
    page: int
    type: DocType
    sha256: str


class TimelineEvent(Record):
    """One dated event of the applicant's timeline (verify.timeline builds them; reports draw them)."""

    kind: str  # birth, graduation, technician, appraisal, publicity_start, intake, ... (verify.timeline.KINDS)
    date: str  # ISO at its precision: YYYY-MM-DD, YYYY-MM or YYYY (an appraisal year)
    precision: Literal["day", "month", "year"]
    label: str  # Chinese, for the chart: 聘任技术员, 2023年度考核：合格, ...
    field: str | None = None  # the dossier field the date comes from
    source: Literal["found", "declared", "notice"]
    document: str | None = None  # type of the document read (diploma, appointment, review_form ...)
    confidence: float | None = None
    weak: bool = False  # read below the confidence threshold and nothing better: a human must confirm it
    time: str | None = None  # HH:MM:SS of a photo's capture
    evidence: tuple[Evidence, ...] = ()


class Report(Record):
    """report.json: the contract of ../shared/spec/interface.md, plus schema_version, files and the
    applicant's timeline."""

    schema_version: str = SCHEMA_VERSION
    applicant: str
    verdict: Verdict
    fields: dict[str, FieldReport] = {}
    findings: tuple[Finding, ...] = ()
    documents: tuple[DocumentEntry, ...] = ()
    files: tuple[SourceFile, ...] = ()
    timeline: tuple[TimelineEvent, ...] = ()


class Dossier(Record):
    """Everything extraction knows about one applicant's package: what verification reads."""

    applicant: str
    files: tuple[SourceFile, ...] = ()
    pages: tuple[PageText, ...] = ()
    documents: tuple[Document, ...] = ()
    values: tuple[ExtractedValue, ...] = ()  # every reading of every document, declared and found
    fields: dict[str, FieldReport] = {}  # the reading reported per field (extract.merge)
