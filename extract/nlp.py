"""A spaCy pipeline over OCR'd text, without any downloaded model.

`spacy.blank("zh")` splits Chinese into single characters, which is all the gazetteer needs; an
`entity_ruler` tags the wording of extract/lexicon.yaml (SPECIALTY, EDU_LEVEL, DEGREE, GRADE, with
the English key as `ent_id_`), and the `dossier_dates` component puts the dates and periods of
extract/dates.py in `doc.spans["dates"]` / `doc.spans["date_ranges"]`, each span carrying its
`DateMatch` / `DateRange` as `span._.date` / `span._.date_range`.

A Doc's character offsets are those of the text given: spaCy keeps every whitespace character
(a single space as a token's trailing whitespace, more as tokens of their own).
The date objects live in `doc.user_data`, so these Docs are not meant to be serialised.
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from extract.dates import find_dates, find_ranges
from extract.lexicon import load_lexicon

LABELS = ("SPECIALTY", "EDU_LEVEL", "DEGREE", "GRADE")
DATE_LABEL, RANGE_LABEL = "DATE", "DATE_RANGE"

if not Span.has_extension("date"):
    Span.set_extension("date", default=None)
if not Span.has_extension("date_range"):
    Span.set_extension("date_range", default=None)


@Language.component("dossier_dates")
def dossier_dates(doc: Doc) -> Doc:
    """Adds doc.spans["dates"] and doc.spans["date_ranges"] from extract.dates, spans carrying
    their DateMatch / DateRange in span._.date / span._.date_range."""
    dates = []
    for found in find_dates(doc.text):
        span = doc.char_span(found.start, found.end, label=DATE_LABEL, alignment_mode="expand")
        if span is not None:  # a date always starts and ends on a character token
            span._.date = found
            dates.append(span)
    ranges = []
    for found in find_ranges(doc.text):
        span = doc.char_span(*found.span, label=RANGE_LABEL, alignment_mode="expand")
        if span is not None:
            span._.date_range = found
            ranges.append(span)
    doc.spans["dates"] = dates
    doc.spans["date_ranges"] = ranges
    return doc


def _char_pattern(term: str) -> list[dict]:
    """Token pattern for `term`, one token per character, letting whitespace tokens in between:
    OCR puts runs of spaces inside words, and a run of two or more spaces is a token of its own."""
    pattern: list[dict] = []
    for i, ch in enumerate(term):
        if i:
            pattern.append({"IS_SPACE": True, "OP": "*"})
        pattern.append({"ORTH": ch})
    return pattern


def ruler_patterns() -> list[dict]:
    """The entity_ruler patterns of lexicon.yaml: {"label", "pattern", "id"} per wording.

    A wording that two labels share (博士, 硕士: an education level and a degree) is left out:
    the text alone does not say which is meant; extract.values decides by the field asked for.
    Weak wording (大学 of a school's name) is left out too.
    """
    lexicon = load_lexicon()
    tagged: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for key, zh in lexicon.all_specialties().items():
        tagged[zh].add(("SPECIALTY", key))
    for zh, (level, kind) in lexicon.education_terms().items():
        if kind != "weak":
            tagged[zh].add(("EDU_LEVEL", level))
    for zh, degree in lexicon.degree_terms().items():
        tagged[zh].add(("DEGREE", degree))
    for key, zh in lexicon.grades.items():
        tagged[zh].add(("GRADE", key))
    return [{"label": label, "pattern": _char_pattern(zh), "id": key}
            for zh, tags in tagged.items() if len({label for label, _ in tags}) == 1
            for label, key in tags]


@lru_cache(maxsize=1)
def build_pipeline() -> Language:
    """The shared pipeline (built once): blank Chinese, entity_ruler, dossier_dates."""
    nlp = spacy.blank("zh")
    ruler = nlp.add_pipe("entity_ruler", config={"validate": True})
    ruler.add_patterns(ruler_patterns())
    nlp.add_pipe("dossier_dates")
    return nlp


def analyse(text: str) -> Doc:
    """`text` run through `build_pipeline()`: doc.ents and doc.spans["dates"/"date_ranges"]."""
    return build_pipeline()(text)


def entities(text: str, label: str) -> list[tuple[int, int, str]]:
    """(start, end, text[start:end]) of each `label` entity in `text`, in reading order.

    `label` is one of LABELS, or DATE / DATE_RANGE for the dates and periods.
    """
    if label not in LABELS + (DATE_LABEL, RANGE_LABEL):
        raise ValueError(f"unknown label {label!r}; known: {', '.join(LABELS + (DATE_LABEL, RANGE_LABEL))}")
    doc = analyse(text)
    if label == DATE_LABEL:
        spans = list(doc.spans["dates"])
    elif label == RANGE_LABEL:
        spans = list(doc.spans["date_ranges"])
    else:
        spans = [ent for ent in doc.ents if ent.label_ == label]
    return [(s.start_char, s.end_char, text[s.start_char:s.end_char]) for s in spans]
