"""Field readings from evidence documents, driven by extract/fields.yaml.

For every document type named in fields.yaml an extractor `<type>@<version>` is registered; it
runs the type's rules over the document's text (see the file's header for the rule kinds) and
returns one `ExtractedValue` per field it could read, with the evidence of the value's own
characters. Readings that need more than a rule (appraisal grades, CE hours, the diploma's issue
date, signatures) are added by extract/found_special.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from core.records import Document, ExtractedValue, PageText
from extract import dates, values
from extract.doctext import DocText
from extract.extractors import ExtractContext, extractors
from extract.fieldspec import Rule, load_fields

# Where a label's value stops on a line that holds several label/value cells.
_CELL_END = re.compile(r"\s{2,}|\t|\n")
_TEXT_END = re.compile(r"[\s，,。；;、]")
_SEPARATORS = " \t：:．.、"


@dataclass(frozen=True)
class Hit:
    """A value read at text[start:end] with the reader's certainty."""

    value: Any
    start: int
    end: int
    certainty: float
    problem: str | None = None
    implied: tuple[int, ...] = ()  # offsets of characters the grammar fixes (dates.DateMatch.implied)


# --- readers: text → hits (spans relative to the text given) ---------------------------------------

def _from_reading(r) -> list[Hit]:
    return [Hit(r.value, r.start, r.end, r.certainty, r.problem)] if r is not None else []


def _read_date(text: str) -> list[Hit]:
    return [Hit(m.value, m.start, m.end, m.certainty, m.problem, m.implied) for m in dates.find_dates(text)]


FORM_WORDS = frozenset("盖章 公章 签字 签名 签章 盖公章".split())
# A dot OCR read from a speck of dust or a cell's rule before or after a name: no school, major or unit
# name starts or ends with one (a dot inside, as in 阿依古丽·买买提, stays).
SPECKS = ".．·•・'‘’`"


def _read_text(text: str) -> list[Hit]:
    m = re.match(r"\s*", text)
    start = m.end() if m else 0
    end_m = _TEXT_END.search(text, start)
    end = end_m.start() if end_m else len(text)
    while start < end and text[start] in SPECKS:
        start += 1
    while end > start and text[end - 1] in SPECKS:
        end -= 1
    value = text[start:end]
    if value.strip("（）()") in FORM_WORDS:  # "单位（盖章）" is a place to stamp, not a unit's name
        return []
    # one character is noise, except 无 ("none": a junior-school diploma prints 无专业)
    return [Hit(value, start, end, 1.0)] if len(value) >= 2 or value == "无" else []


def _read_specialty(text: str) -> list[Hit]:
    """A specialty as written in its cell; certain when the gazetteer knows the whole cell."""
    from extract import nlp

    cells = _read_text(text)
    if not cells:
        return []
    cell = cells[0]
    whole = any(s == cell.start and e == cell.end for s, e, _ in nlp.entities(text, "SPECIALTY"))
    return [Hit(cell.value, cell.start, cell.end, 1.0 if whole else 0.9)]


def _read_grade(text: str) -> list[Hit]:
    return [Hit(r.value, r.start, r.end, r.certainty, r.problem) for r in values.find_grades(text)]


def _read_id(text: str) -> list[Hit]:
    # an ID may be split by OCR spaces; read_id_number tolerates them
    return _from_reading(values.read_id_number(text))


# Words of a form's printed labels: a "name" read where the name cell is empty must not be one of them.
LABEL_WORDS = frozenset("性别 民族 出生 住址 姓名 学历 学位 单位 职务 年度 专业 籍贯 身份 证号 日期 签字 盖章".split())


def _read_name(text: str) -> list[Hit]:
    hits = _from_reading(values.clean_name(_first_token(text)))
    return [h for h in hits if h.value not in LABEL_WORDS and not any(w in h.value for w in ("性别", "出生", "民族"))]


READERS: dict[str, Callable[[str], list[Hit]]] = {
    "name": _read_name,
    "sex": lambda t: _from_reading(values.read_sex(t[:3])),
    "date": _read_date,
    "id_number": _read_id,
    "education": lambda t: _from_reading(values.read_education(t)),
    "degree": lambda t: _from_reading(values.read_degree(t)),
    "grade": _read_grade,
    "hours": lambda t: _from_reading(values.read_hours(t)),
    "text": _read_text,
    "specialty": _read_specialty,
    "result": lambda t: _read_result(t),
}


def _read_result(text: str) -> list[Hit]:
    """A pass/fail result: a word, or the ticked one of "☑合格 □不合格"."""
    if any(c in text for c in "口囗□☐☑✓√☒■✔"):
        choice = values.read_tick_choice(text)
        if choice is None or choice.value is None:
            return []
        passed = values.read_bool_result(choice.value)
        if passed is None:
            return []
        return [Hit(passed.value, choice.start, choice.end, choice.certainty * passed.certainty)]
    return _from_reading(values.read_bool_result(text))


def _first_token(text: str) -> str:
    """The first cell of a value: up to whitespace or punctuation (keeps offsets: only cuts the tail)."""
    lead = len(text) - len(text.lstrip())
    m = re.search(r"[\s，,。；;、：:（(]", text[lead:])
    return text[: lead + m.start()] if m else text


# --- label matching ----------------------------------------------------------------------------------

@lru_cache(maxsize=512)
def label_pattern(label: str) -> re.Pattern:
    """A label as printed or OCR'd: spaces and brackets may sit between its characters.

    It must start a line or follow a space/punctuation, so 专业 does not match inside 所学专业.
    """
    gap = r"[ \t()（）]*"  # never across a line end
    forms = [gap.join(re.escape(ch) for ch in label)]
    if len(label) >= 5:
        # a long label wraps in a narrow cell and its last character lands on the next line
        # ("见习结束时" / "间"): the rest alone still names it, when nothing follows on the line
        forms.append(gap.join(re.escape(ch) for ch in label[:-1]) + r"(?=[ \t]|$)")
    if _wraps_its_word(label):
        # a date label's closing word wraps whole ("见习结束" / "时间"): the head names it only when a
        # date follows it on the line (a header row of heads is left to the rules for torn labels)
        forms.append(gap.join(re.escape(ch) for ch in label[:-2]) + r"(?=[ \t]+[0-9０-９一二壹贰〇○])")
    body = "(?:" + "|".join(forms) + ")"
    return re.compile(rf"(?:^|(?<=[\s，,。；;：:、（(）)]))[（(]?{body}[）)]?[\s：:]*", re.M)


def _wraps_its_word(label: str) -> bool:
    """A label of six or more characters that ends in the two-character word 时间 or 日期."""
    return len(label) >= 6 and label.endswith(("时间", "日期"))


@lru_cache(maxsize=1)
def _known_labels() -> frozenset[str]:
    known = {re.sub(r"[\s()（）]", "", w) for w in load_fields().all_labels()}
    wrapped = {w[:-1] for w in known if len(w) >= 5} | {w[:-2] for w in known if _wraps_its_word(w)}
    return frozenset(known | wrapped)  # wrapped in its cell (see label_pattern)


@lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    from extract.lexicon import load_lexicon

    return frozenset(load_lexicon().all_specialties().values())


def _only_labels(rest: str) -> bool:
    """Whether the text after a label holds nothing but other labels (a header row)."""
    cells = [re.sub(r"[()（）：:]", "", c) for c in rest.split()]
    return bool(cells) and all(c in _known_labels() for c in cells)


def _cell_below(text: DocText, line, m: re.Match) -> tuple[int, str] | None:
    """The cell of the next line that stands under the label matched by `m` (labels above values)."""
    nxt = text.next_line(line)
    if nxt is None or nxt.page is not line.page:
        return None
    cells = list(re.finditer(r"\S+", text.text[nxt.start:nxt.end]))
    if not cells:
        return None
    header = list(re.finditer(r"\S+", text.text[line.start:line.end]))
    label_ev = text.evidence(m.start(), m.end())
    boxes = [text.evidence(nxt.start + c.start(), nxt.start + c.end()) for c in cells]
    if len(header) == len(cells):  # as many values as labels: the label's column
        best = next((i for i, c in enumerate(header) if line.start + c.start() <= m.start() < line.start + c.end()), 0)
    elif label_ev and label_ev[0].bbox and all(b and b[0].bbox for b in boxes):  # else the cell under it
        lx0, _, lx1, _ = label_ev[0].bbox

        def overlap(b):
            x0, _, x1, _ = b[0].bbox
            return min(lx1, x1) - max(lx0, x0), -abs((x0 + x1) / 2 - (lx0 + lx1) / 2)
        best = max(range(len(cells)), key=lambda i: overlap(boxes[i]))
    else:
        return None
    c = cells[best]
    return nxt.start + c.start(), c.group()


def _label_values(text: DocText, labels: tuple[str, ...]) -> list[tuple[int, str]]:
    """(absolute offset, value text) after each occurrence of a label: the rest of its line; or, in a
    header row (only labels on the line), the cell below it; or the next line."""
    out = []
    for label in labels:  # most specific first: the order of the rule's list
        for m in label_pattern(label).finditer(text.text):
            line = text.line_at(m.start())
            if line is None:
                continue
            rest_end = line.end
            rest = text.text[m.end():rest_end]
            if rest.strip() and not _only_labels(rest):
                out.append((m.end(), rest))
            elif (below := _cell_below(text, line, m)) is not None and (rest.strip() or _only_labels(
                    text.text[line.start:m.start()]) or len(re.findall(r"\S+", text.text[line.start:line.end])) > 1):
                out.append(below)
            else:
                nxt = text.next_line(line)
                if nxt is not None and nxt.page is line.page:
                    out.append((nxt.start, text.text[nxt.start:nxt.end]))
    return out  # every label, every occurrence, in order: the first that yields a value wins


# --- rule execution ----------------------------------------------------------------------------------

def _context_ok(text: str, hit_start: int, hit_end: int, rule: Rule) -> bool:
    if rule.followed_by:
        after = text[hit_end:hit_end + 6].lstrip()
        if not any(after.startswith(w) for w in rule.followed_by):
            return False
    if rule.preceded_by:
        before = text[max(0, hit_start - 6):hit_start].rstrip()
        if not any(before.endswith(w) for w in rule.preceded_by):
            return False
    return True


def _range_hits(segment: str, which: str) -> list[Hit]:
    out = []
    for r in dates.find_ranges(segment):
        m = r.start if which == "start" else r.end
        out.append(Hit(m.value, m.start, m.end, m.certainty, m.problem, m.implied))
    return out


def apply_rule(text: DocText, rule: Rule) -> tuple[Hit, int] | None:
    """The first hit of a rule, with the offset its span is relative to, or None."""
    reader = READERS[rule.read] if rule.read else None
    full = text.text

    def hits_in(segment: str, base: int, anchored: bool) -> list[tuple[Hit, int]]:
        if rule.range:
            found = _range_hits(segment, rule.range)
        else:
            assert reader is not None
            found = reader(segment)
        if anchored:  # a label's value starts right after the label, not anywhere later on the line
            found = [h for h in found if not segment[: h.start].strip(" \t：:☑✓√☒■✔" + SPECKS)]
        return [(h, base) for h in found if _context_ok(full, base + h.start, base + h.end, rule)]

    candidates: list[tuple[Hit, int]] = []
    if rule.label:
        for base, value_text in _label_values(text, rule.label):
            cell = value_text
            if rule.read in ("name", "sex", "text", "specialty", "education", "degree", "grade"):
                cut = _CELL_END.search(value_text)
                cell = value_text[: cut.start()] if cut else value_text
            candidates += hits_in(cell, base, anchored=not rule.range)
            if candidates:
                break
    elif rule.pattern:
        for m in re.finditer(rule.pattern, full, re.M):
            base = m.start("v")
            candidates += hits_in(m.group("v"), base, anchored=False)
            if candidates:
                break
    elif rule.anywhere:
        candidates = hits_in(full, 0, anchored=False)
        if rule.outside_periods:
            inside = {i for r in dates.find_ranges(full) for i in range(r.span[0], r.span[1])}
            candidates = [(h, b) for h, b in candidates if b + h.start not in inside]
    if rule.skip_lines_with:
        def line_text(pos: int) -> str:
            line = text.line_at(pos)
            return full[line.start:line.end] if line else ""

        candidates = [(h, b) for h, b in candidates
                      if not any(w in line_text(b + h.start) for w in rule.skip_lines_with)]
    if not candidates:
        return None
    usable = [c for c in candidates if c[0].value is not None] or candidates
    return usable[-1] if rule.pick == "last" else usable[0]


def _complete_wrapped(text: DocText, hit: Hit, end: int) -> tuple[Hit, int]:
    """A name cut by a table cell's line wrap ("矿井通风与安全工" / "程") is completed with the start of
    the next line, but only where a known specialty/major name is thereby spelled out exactly."""
    known = _known_names()
    line = text.line_at(max(end - 1, 0))
    if not isinstance(hit.value, str) or hit.value in known or line is None or end != line.end:
        return hit, end
    nxt = text.next_line(line)
    if nxt is None:
        return hit, end
    tail = text.text[nxt.start:nxt.end]
    for name in sorted(known, key=len, reverse=True):
        if name.startswith(hit.value) and len(name) > len(hit.value) and tail.startswith(name[len(hit.value):]):
            extra = len(name) - len(hit.value)
            return Hit(name, hit.start, hit.end + extra, hit.certainty, hit.problem), nxt.start + extra
    return hit, end


def ocr_confidence(text: DocText, start: int, end: int, implied: tuple[int, ...] = ()) -> float:
    """The lowest OCR confidence among the characters of text[start:end] other than those at `implied`
    (characters the value's grammar fixes whatever OCR thought of them)."""
    cuts = sorted(i for i in set(implied) if start <= i < end)
    spans, at = [], start
    for i in cuts:
        spans.append((at, i))
        at = i + 1
    spans.append((at, end))
    confs = [text.confidence(a, b) for a, b in spans if b > a]
    return min(confs) if confs else text.confidence(start, end)


def value_at(field: str, value, text: DocText, start: int, end: int, extractor: str, doc: Document,
             certainty: float = 1.0, note: str | None = None, implied: tuple[int, ...] = ()) -> ExtractedValue:
    """A reading of `field` from text[start:end]: its evidence, and a confidence that is the OCR
    confidence of those characters (but those at the offsets `implied`) times `certainty` (how sure
    the reading's grammar is)."""
    confidence = ocr_confidence(text, start, end, implied) * certainty
    return ExtractedValue(field=field, value=value, evidence=text.evidence(start, end, extractor), extractor=extractor,
                          document=doc.type, confidence=round(min(max(confidence, 0.0), 1.0), 3), note=note)


def read_fields(doc: Document, pages: list[PageText], extractor: str) -> list[ExtractedValue]:
    """Every field fields.yaml lists for the document's type, read from its pages."""
    table = load_fields()
    rules_by_field = table.types.get(doc.type, {})
    texts = {False: DocText(pages), True: DocText(pages, joiner="")}
    out: list[ExtractedValue] = []
    for field, rules in rules_by_field.items():
        for rule in rules:
            if rule.present:
                ev = texts[False].evidence(0, min(len(texts[False].text), 20), extractor)
                out.append(ExtractedValue(field=field, value=True, evidence=ev[:1], extractor=extractor,
                                          document=doc.type, confidence=1.0))
                break
            text = texts[rule.prose]
            got = apply_rule(text, rule)
            if got is None:
                continue
            hit, base = got
            start, end = base + hit.start, base + hit.end
            if rule.read in ("specialty", "text"):
                hit, end = _complete_wrapped(text, hit, end)
            certainty = hit.certainty * rule.certainty
            note = "; ".join(n for n in (hit.problem, rule.note) if n) or None
            if rule.full_date and isinstance(hit.value, str) and len(hit.value) == 7:
                certainty *= 0.5
                note = "; ".join(n for n in (note, "only the month is legible; the day was lost") if n)
            out.append(value_at(field, hit.value, text, start, end, extractor, doc, certainty, note,
                                tuple(base + i for i in hit.implied)))
            break
        else:
            unread = _unread_label(texts[False], rules, extractor, field, doc)
            if unread is not None:
                out.append(unread)
    return out


def _unread_label(text: DocText, rules: tuple[Rule, ...], extractor: str, field: str,
                  doc: Document) -> ExtractedValue | None:
    """A label that is printed with something after it that no reader understood ("考核结果 格"):
    reported as unread, with the pixels of what stands there, for a second look and for a human."""
    for rule in rules:
        if not rule.label:
            continue
        for label in rule.label:
            m = label_pattern(label).search(text.text)
            line = text.line_at(m.start()) if m else None
            if line is None or m.end() >= line.end:
                continue  # nothing after the label on its own line: the value may stand elsewhere
            base, value_text = m.end(), text.text[m.end():line.end]
            cut = _CELL_END.search(value_text)
            cell = value_text[: cut.start()] if cut else value_text
            if cell.strip() and len(cell.strip()) <= 12:  # a long text after a label is prose, not a value cell
                start = base + len(cell) - len(cell.lstrip())
                end = base + len(cell.rstrip())
                return value_at(field, None, text, start, end, extractor, doc, 0.0,
                                f"after {label} stands {text.text[start:end]!r}, which is not a value")
    return None


def _register_all() -> None:
    table = load_fields()
    for doc_type in table.types:
        name = f"{doc_type}@{table.version}"

        def extractor(doc: Document, pages: list[PageText], ctx: ExtractContext, _name: str = name) -> list[ExtractedValue]:
            from extract import found_special

            values_ = read_fields(doc, pages, _name)
            return values_ + found_special.extra_readings(doc, pages, ctx, _name, values_)

        extractors.register(doc_type, version=str(table.version))(extractor)


_register_all()
