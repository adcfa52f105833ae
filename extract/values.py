"""Readers that turn a piece of OCR'd text into one normalised field value (dates: dates.py).

Each reader takes the text of a cell or a label's value and returns a `Reading` whose span indexes
that text, or None when the text holds no such value. A `Reading` whose value is None and whose
`problem` is set means the value is there but cannot be told (two ticks, conflicting words);
`read_degree` returns value None without a problem for an explicit "无". The wording comes from
extract/lexicon.yaml. Nothing here judges a value; verify/ does.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from extract.dates import fold
from extract.lexicon import load_lexicon

CERTAIN, REPAIRED, INFERRED, WEAK = 1.0, 0.9, 0.8, 0.8
_EMPTY_BOX = "口囗□☐◻▢"  # OCR reads a printed □ as 口 or 囗
_TICK = "☑✓√☒■✔✅⊠▣"
_NAME_DOTS = "·•・‧∙⋅"  # the separator of a transliterated (minority) name, as typed or read


@dataclass(frozen=True)
class Reading:
    value: Any  # the normalised value; None with a problem when the text cannot tell
    start: int  # text[start:end] is what the value was read from
    end: int
    certainty: float
    problem: str | None = None


def _squeeze(text: str) -> tuple[str, list[int]]:
    """`text` folded (full-width → ASCII) without whitespace, and each kept char's offset in `text`.

    OCR spaces Chinese text unpredictably ("基本 合格"); words are looked for without the spaces.
    """
    folded = fold(text)
    offsets = [i for i, ch in enumerate(folded) if not ch.isspace()]
    return "".join(folded[i] for i in offsets), offsets


def _span(offsets: list[int], start: int, end: int) -> tuple[int, int]:
    return offsets[start], offsets[end - 1] + 1


@lru_cache(maxsize=16)
def _alternation(words: tuple[str, ...]) -> re.Pattern:
    # Longest first, so 基本合格 is one grade and never also 合格.
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _find(squeezed: str, words: tuple[str, ...]) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _alternation(words).finditer(squeezed)]


def _choose(squeezed: str, options: list[tuple[Any, int, int]]):
    """(value, index of the option, certainty, problem) chosen on a tick-box line, or None when
    the line has neither boxes nor tick marks.

    OCR keeps an empty box (as 口) but usually drops a printed ☑, so the ticked option is the one
    not preceded by a box: certain only when it is the sole one.
    """
    marks = [squeezed[s - 1] if s else "" for _, s, _ in options]
    ticked = [i for i, mark in enumerate(marks) if mark and mark in _TICK]
    if ticked:
        if len({options[i][0] for i in ticked}) == 1:
            return options[ticked[0]][0], ticked[0], CERTAIN, None
        return None, None, CERTAIN, "several options ticked"
    if not any(mark and mark in _EMPTY_BOX for mark in marks):
        return None
    unboxed = [i for i, mark in enumerate(marks) if not mark or mark not in _EMPTY_BOX]
    if len(unboxed) == 1:
        return options[unboxed[0]][0], unboxed[0], INFERRED, None
    return None, None, CERTAIN, "no option ticked" if not unboxed else "ambiguous"


def _one_of(text: str, terms: dict[str, Any], what: str) -> Reading | None:
    """The value of the `terms` wording in `text`: by tick box when there are boxes, else the one
    value all the wording found agrees on."""
    squeezed, offsets = _squeeze(text)
    found = [(terms[w], s, e) for w, s, e in _find(squeezed, tuple(terms))]
    if not found:
        return None
    whole = _span(offsets, found[0][1], found[-1][2])
    if (choice := _choose(squeezed, found)) is not None:
        value, index, certainty, problem = choice
        span = _span(offsets, found[index][1], found[index][2]) if index is not None else whole
        return Reading(value, *span, certainty, problem)
    if len({value for value, _, _ in found}) == 1:
        return Reading(found[0][0], *_span(offsets, found[0][1], found[0][2]), CERTAIN)
    return Reading(None, *whole, CERTAIN, f"ambiguous: several {what}")


def read_sex(text: str) -> Reading | None:
    """"男" or "女" from a cell ("性别：男", "☑男 口女"); None when neither is there."""
    return _one_of(text, {zh: zh for zh in load_lexicon().sex.values()}, "sexes")


def find_grades(text: str) -> list[Reading]:
    """Every appraisal grade word in `text` (优秀 … 不确定), left to right, value as printed.

    Longest wording first: 基本合格 and 不合格 never also yield 合格.
    """
    squeezed, offsets = _squeeze(text)
    return [Reading(w, *_span(offsets, s, e), CERTAIN)
            for w, s, e in _find(squeezed, load_lexicon().grade_words())]


def read_tick_choice(text: str) -> Reading | None:
    """The grade chosen on a tick-box line ("考核等次 口优秀合格口基本合格口不合格" → 合格).

    An explicit mark (☑ ✓ √ ☒ ■ ✔) before an option selects it, certainty 1. Otherwise the option
    that alone has no empty box before it is taken, certainty 0.8: OCR drops ☑ but keeps □ as 口.
    Value None with problem "ambiguous" when several options lack a box (the first lost its box
    too), "no option ticked" when all have one. A line without boxes or marks gives its one grade,
    or "ambiguous" for several; None when there is no grade at all.
    """
    grades = load_lexicon().grade_words()
    return _one_of(text, dict(zip(grades, grades)), "grades")


def read_bool_result(text: str) -> Reading | None:
    """A probation result: True for 合格/通过/优秀/同意, False for 不合格/不通过/不同意.

    Other grades (基本合格) give value None with a problem; tick boxes are read as in
    `read_tick_choice`; None when no result word is there.
    """
    reading = _one_of(text, load_lexicon().probation_terms(), "results")
    if reading is not None and reading.value is None and reading.problem is None:
        return Reading(None, reading.start, reading.end, reading.certainty,
                       f"not a result: {text[reading.start:reading.end]}")
    return reading


def read_education(text: str) -> Reading | None:
    """The education level (doctorate … below_secondary) the wording in `text` names.

    Longest wording wins (大学专科 → junior_college); a technical school's class (高级工班) decides
    over its school type; an entry level (初中起点) gives way to the level reached; 大学 alone counts
    only when nothing else is said (certainty 0.8). None when no level is named ("普通高等学校
    毕业证书" can be 专科 or 本科); value None with a problem when two levels conflict.
    """
    terms = load_lexicon().education_terms()
    squeezed, offsets = _squeeze(text)
    found = [(terms[w], s, e) for w, s, e in _find(squeezed, tuple(terms))]
    for kind in ("class", "level", "weak"):
        hits = [(level, s, e) for (level, k), s, e in found if k == kind]
        levels = {level for level, _, _ in hits}
        if len(levels) > 1:  # 初中起点三年制中专: the entry level is not the education
            hits = [h for h in hits if h[0] != "below_secondary"]
            levels.discard("below_secondary")
        if len(levels) == 1:
            return Reading(hits[0][0], *_span(offsets, hits[0][1], hits[0][2]),
                           WEAK if kind == "weak" else CERTAIN)
        if levels:
            return Reading(None, *_span(offsets, hits[0][1], hits[-1][2]), CERTAIN,
                           f"conflicting levels: {', '.join(sorted(levels))}")
    return None


def read_degree(text: str) -> Reading | None:
    """doctor / master / bachelor from 博士 / 硕士 / 学士 (工学学士学位 → bachelor).

    A cell holding only 无, 空, / or — gives value None without a problem (no degree); two different
    degrees give value None with a problem; None when no degree wording is there.
    """
    lexicon = load_lexicon()
    squeezed, offsets = _squeeze(text)
    if squeezed in lexicon.no_degree:
        return Reading(None, *_span(offsets, 0, len(squeezed)), CERTAIN)
    terms = lexicon.degree_terms()
    found = [(terms[w], s, e) for w, s, e in _find(squeezed, tuple(terms))]
    if not found:
        return None
    if len({degree for degree, _, _ in found}) > 1:
        span = _span(offsets, found[0][1], found[-1][2])
        return Reading(None, *span, CERTAIN, "conflicting degrees")
    return Reading(found[0][0], *_span(offsets, found[0][1], found[0][2]), CERTAIN)


_ID_CHAR = "0-9OoIl|"
_ID_RUN = re.compile(rf"[{_ID_CHAR}Xx×](?:[ \t]*[{_ID_CHAR}Xx×])*")
_ID_SHAPE = re.compile(r"[0-9OoIl|]{17}[0-9OoIl|Xx×]")
_ID_PLAUSIBLE = re.compile(r"[1-8]\d{5}(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_candidate(norm: str, chars: list[int]) -> Reading | None:
    """The ID number in the chars at offsets `chars` of `norm`, trimmed of letters around it."""
    while len(chars) > 18 and not norm[chars[0]].isdigit():
        chars = chars[1:]
    while len(chars) > 18 and not (norm[chars[-1]].isdigit() or norm[chars[-1]] in "Xx"):
        chars = chars[:-1]
    raw = "".join(norm[i] for i in chars)
    if not _ID_SHAPE.fullmatch(raw):
        return None
    value = raw[:17].translate(str.maketrans("OoIl|", "00111")) + raw[17].upper().replace("×", "X")
    repaired = any(not ch.isdigit() for ch in raw[:17]) or raw[17] == "×"
    return Reading(value, chars[0], chars[-1] + 1, REPAIRED if repaired else CERTAIN)


def find_id_numbers(text: str) -> list[Reading]:
    """Every 18-character ID number in `text`, left to right, upper-case X.

    Spaces inside are skipped, full-width digits folded, O/o → 0 and I/l/| → 1 inside the run
    (certainty 0.9 then). Groups split by spaces are joined only when the joined number has a
    region digit 1–8 and a plausible birth date: a phone number beside other numbers is not an ID.
    The check digit is not checked (see `id_checksum_ok`).
    """
    norm = fold(text)
    found: list[Reading] = []
    for run in _ID_RUN.finditer(norm):
        groups = [[run.start() + m.start() + i for i in range(len(m.group()))]
                  for m in re.finditer(r"\S+", run.group())]
        first = 0
        while first < len(groups):
            for last in range(first, len(groups)):
                chars = [c for g in groups[first:last + 1] for c in g]
                if len(chars) > 20:
                    break
                cand = _id_candidate(norm, chars)
                if cand and (last == first or _ID_PLAUSIBLE.fullmatch(cand.value)):
                    found.append(cand)
                    first = last
                    break
            first += 1
    return found


def read_id_number(text: str) -> Reading | None:
    """The first ID number in `text` (see `find_id_numbers`), or None."""
    found = find_id_numbers(text)
    return found[0] if found else None


def id_checksum_ok(value: str) -> bool:
    """Whether the 18th character of an ID number is its GB 11643 check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value, _ID_WEIGHTS))
    return "10X98765432"[total % 11] == value[17]


def read_hours(text: str) -> Reading | None:
    """Whole hours from "90学时", "合计：90学时", "96".

    With several counts the one after 合计/共计 is taken, else they must agree; a count with a
    unit beats bare numbers; a year or date number is never a count. A fraction (1.5学时) gives
    value None with a problem.
    """
    wording = load_lexicon().continuing_education
    norm = fold(text)
    units = "|".join(map(re.escape, wording.hour_units))
    totals = "|".join(map(re.escape, wording.total_words))
    counts, bare = [], []
    for m in re.finditer(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?(?![0-9.])", norm):
        after = norm[m.end():].lstrip()
        if after[:1] in ("年", "月", "日", "号", "-", "/", "%"):
            continue
        if len(m.group()) == 4 and 1950 <= int(m.group()) <= 2035 and not re.match(units, after):
            continue  # a year heading a row of an hours table
        is_total = re.search(rf"(?:{totals})[:：]?\s*$", norm[:m.start()]) is not None
        (counts if re.match(units, after) else bare).append((m, is_total))
    for group in (counts, bare):
        chosen = [m for m, is_total in group if is_total] or [m for m, _ in group]
        if not chosen:
            continue
        if len({m.group() for m in chosen}) > 1:
            return Reading(None, chosen[0].start(), chosen[-1].end(), CERTAIN, "several hour counts")
        m = chosen[0]
        if "." in m.group() and float(m.group()) != int(float(m.group())):
            return Reading(None, m.start(), m.end(), CERTAIN, f"not whole hours: {m.group()}")
        return Reading(int(float(m.group())), m.start(), m.end(), CERTAIN)
    return None


def _is_cjk(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH")


def clean_name(text: str) -> Reading | None:
    """A person's name without spaces and punctuation ("张 伟：" → 张伟), or None.

    Kept only when 2–4 CJK characters, or a transliterated name whose parts (1–6 CJK characters
    each, at most three) are joined by · (any middle-dot variant is written ·). A leading 姓名 label
    is dropped. Anything else (digits, Latin letters, one character) gives None.
    """
    squeezed, offsets = _squeeze(text)
    kept = [(ch, i) for ch, i in zip(squeezed, offsets)
            if ch in _NAME_DOTS or not unicodedata.category(ch).startswith(("P", "S"))]
    while kept and kept[0][0] in _NAME_DOTS:
        kept = kept[1:]
    while kept and kept[-1][0] in _NAME_DOTS:
        kept = kept[:-1]
    name = "".join("·" if ch in _NAME_DOTS else ch for ch, _ in kept)
    labels = load_lexicon().name_labels
    for label in labels:
        if name.startswith(label) and len(name) > len(label) + 1:
            kept, name = kept[len(label):], name[len(label):]
    if not kept or name in labels or not all(_is_cjk(ch) or ch == "·" for ch in name):
        return None
    parts = name.split("·")
    ok = (2 <= len(name) <= 4 if len(parts) == 1
          else len(parts) <= 3 and all(1 <= len(p) <= 6 for p in parts))
    return Reading(name, kept[0][1], kept[-1][1] + 1, CERTAIN) if ok else None


# 教育部学历证书编号 (18 digits): school 5 · programme type 1 · year 4 · level 2 · serial 6 (no check digit);
# 学位证书编号 (16 digits): school 5 · degree level 1 · year 4 · serial 6.
DIPLOMA_LEVELS = {"01": "doctorate", "02": "master", "04": "second_bachelor", "05": "bachelor", "06": "junior_college"}
DIPLOMA_TYPES = {"1": "普通高等教育", "5": "成人高等教育", "6": "高等教育自学考试", "7": "网络教育"}
DEGREE_LEVELS = {"2": "doctor", "3": "master", "4": "bachelor"}


def cert_number_parts(number: str) -> dict | None:
    """What a diploma (18 digits) or degree (16 digits) certificate number says: school code, year, and
    the education level (diploma; None for a level code outside the 高等教育 list, e.g. a 中专 school's own
    numbering) or the degree; None for anything else."""
    if not isinstance(number, str) or not number.isdigit():
        return None
    if len(number) == 18:
        return {"kind": "diploma", "school": number[:5], "type": DIPLOMA_TYPES.get(number[5]), "year": int(number[6:10]),
                "level_code": number[10:12], "level": DIPLOMA_LEVELS.get(number[10:12]), "serial": number[12:]}
    if len(number) == 16:
        return {"kind": "degree", "school": number[:5], "year": int(number[6:10]), "level_code": number[5],
                "degree": DEGREE_LEVELS.get(number[5]), "serial": number[10:]}
    return None


# 统一社会信用代码, GB 32100-2015: 18 characters of this alphabet; the last is a check character
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check(code: str) -> str | None:
    """The check character the first 17 characters call for; None if they are not of the alphabet.
    (python-stdnum refuses valid codes whose first character is a letter, hence our own.)"""
    if not isinstance(code, str) or len(code) < 17 or any(c not in USCC_ALPHABET for c in code[:17]):
        return None
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_ok(code: str) -> bool:
    return isinstance(code, str) and len(code) == 18 and uscc_check(code) == code[17]
