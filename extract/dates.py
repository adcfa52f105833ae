"""Dates in OCR'd Chinese text: found and normalised, never adjusted.

`find_dates(text)` lists every date as a `DateMatch` whose span indexes the text given;
`find_ranges(text)` pairs dates into periods (公示期, 任职期); `parse_date(cell)` reads the one date
of a short string; `find_years(text)` lists years ("2023年度") for appraisal tables.

A date that is not a calendar day (2月30日) or whose year cannot be read keeps `value` None and says
why in `problem`: a wrong date is a wrong verdict, a missing one only sends the case to a reviewer.
OCR confusions are undone only where the date grammar leaves one reading (2O24, 25曰); `certainty`
is then 0.9, 0.8 for a day printed without 日, 0.6 where part of the date is damaged.
Dates do not cross line breaks: a line break between two parts more often joins unrelated cells.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass

YEAR_MIN, YEAR_MAX = 1950, 2035  # implied_digits relies on 1950 <= YEAR_MIN and YEAR_MAX <= 2099
# A day printed without its 日 is often a day whose last digit (and the 日) OCR lost: below the
# rules file's usual 0.8 threshold, so a human confirms it.
CERTAIN, REPAIRED, UNMARKED_DAY, DAMAGED = 1.0, 0.9, 0.75, 0.6

_ZERO_HAN = "〇○◯零"  # ○ (U+25CB) is what most input methods type for 〇
_ZERO_LOOKALIKE = "OoDΟО"  # Latin O o D, Greek and Cyrillic O: OCR readings of a printed 0
_ONE_LOOKALIKE = "lI|!"
_HAN_VALUE = {ch: v for v, chars in enumerate(
    ["", "一壹", "二贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖"]) for ch in chars}
_HAN_1_9 = "".join(_HAN_VALUE)
_TEN = "十拾"
_HANY = _HAN_1_9 + _ZERO_HAN
# Dash-likes all mean the same in a date or a period; NFKC leaves most of them alone.
_FOLD = str.maketrans({c: "-" for c in "‐‑‒–—―─━−﹣"} | {"〜": "~"})
# Quantities that follow a number: "2013.5万元" is money, not May 2013.
_UNIT_AFTER = "元万亿%‰岁"

_SP = r"[ \t]*"
_LOOKALIKE = re.escape(_ZERO_HAN + _ZERO_LOOKALIKE + _ONE_LOOKALIKE)
_DL = "0-9" + _LOOKALIKE  # a digit as OCR may print it
_YEAR_ASCII = rf"(?<![0-9])[12](?:[ \t]?[{_DL}]){{3}}(?![0-9])"
_YEAR_HAN = (rf"(?<![{_HANY}{_TEN}0-9])[一二壹贰貳]"
             rf"(?:[ \t]?[{_HANY}0-9{re.escape(_ZERO_LOOKALIKE)}]){{3}}(?![{_HANY}{_TEN}0-9])")
_N2 = rf"(?:[0-9][{_DL}]?|[{_LOOKALIKE}][0-9])(?![0-9])"
_HNUM = rf"(?:[{_HAN_1_9}]?[{_TEN}][{_HAN_1_9}]?|[廿卅][{_HAN_1_9}]?|[{_HAN_1_9}])"
_MONTH = rf"(?:{_N2}|{_HNUM}|元)"  # 元月 is January
_DAY = rf"(?:{_N2}|{_HNUM})"
_DAY_MARK = "[日号號曰]"
_BROKEN_YEAR = (rf"(?<![0-9])(?:[0-9](?:[ \t]*[0-9]){{0,2}}|[0-9]{{5,6}})(?![0-9])"
                rf"|(?<![{_HANY}{_TEN}0-9])[{_HANY}](?:[ \t]?[{_HANY}]){{0,2}}(?![{_HANY}{_TEN}])")

_P_MARKED = re.compile(  # 2024年11月25日, 二〇二四年十一月, 2024午11月25日 (午: OCR for 年)
    rf"(?P<y>{_YEAR_ASCII}|{_YEAR_HAN}){_SP}(?P<ym>[年午]){_SP}(?P<m>{_MONTH}){_SP}(?P<mm>月)"
    rf"(?:{_SP}(?P<d>{_DAY})(?:{_SP}(?P<dm>{_DAY_MARK}))?)?")
_P_NUMERIC = re.compile(  # 2024.11.25, 2024-1-5, 2024/11/25, 2013.07
    rf"(?P<y>{_YEAR_ASCII}){_SP}(?P<s>[./-]){_SP}(?P<m>{_N2})(?:{_SP}(?P<s2>(?P=s)|[:：,，]){_SP}(?P<d>{_N2}))?")
# OCR reads the second dot of 2021.09.01 as a colon or comma (2021.09:01): certain, since no other
# notation mixes them, but marked as a repair
_P_BROKEN = re.compile(  # 11年7月1日, 一一年七月一日, 2 8年1月25日, 12024年: a year lost or gained digits
    rf"(?P<by>{_BROKEN_YEAR}){_SP}年{_SP}(?P<m>{_MONTH}){_SP}(?P<mm>月)"
    rf"(?:{_SP}(?P<d>{_DAY}){_SP}(?P<dm>{_DAY_MARK}))?")
_P_MONTH_DAY = re.compile(  # 11月29日, the end of "11月25日至11月29日"
    rf"(?<![0-9{_HANY}{_TEN}廿卅])(?P<m>{_MONTH}){_SP}(?P<mm>月)"
    rf"{_SP}(?P<d>{_DAY}){_SP}(?P<dm>{_DAY_MARK})")
_FOUR_DIGIT_YEAR_NEXT = re.compile(rf"{_SP}[./-]{_SP}(?:19|20)[0-9]{{2}}(?![0-9])")


@dataclass(frozen=True)
class DateMatch:
    start: int  # text[start:end] is the date as printed
    end: int
    text: str
    year: int | None
    month: int | None
    day: int | None
    value: str | None  # "YYYY-MM-DD" or "YYYY-MM"; None when impossible or the year is missing
    certainty: float  # 1.0 read exactly; 0.9 after a certain OCR repair; lower for guesses
    problem: str | None = None
    # offsets (in the text given) of characters the date's grammar leaves no choice for: the second
    # digit of a year, which its first fixes within YEAR_MIN..YEAR_MAX (二〇二四's 〇, 1993's 9). How
    # sure OCR was of such a character says nothing about the date (see `implied_digits`).
    implied: tuple[int, ...] = ()


@dataclass(frozen=True)
class DateRange:
    start: DateMatch
    end: DateMatch  # carries the year (and month) over from start where it omits them
    span: tuple[int, int]


def fold(text: str) -> str:
    """`text` with full-width forms, Kangxi radicals and dash-likes folded, char for char.

    The result has the same length as `text`, so every offset found in it indexes `text` too; a
    character whose NFKC form is longer (㏩) is kept as it is.
    """
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out).translate(_FOLD)


def _ascii_number(s: str) -> tuple[int, bool]:
    """(value, repaired) of digits that may hold OCR look-alikes (O for 0, l for 1) and spaces."""
    digits, repaired = [], False
    for ch in s:
        if "0" <= ch <= "9":
            digits.append(ch)
        elif ch in _ZERO_HAN or ch in _ZERO_LOOKALIKE:
            digits.append("0")
            repaired = True
        elif ch in _ONE_LOOKALIKE:
            digits.append("1")
            repaired = True
    return int("".join(digits)), repaired


def _han_year(s: str) -> tuple[int, bool] | None:
    """(year, repaired) of 二〇二四, 贰零贰肆, 二O二四; None when fewer than two hanzi digits remain."""
    digits, repaired, hanzi = [], False, 0
    for ch in s.replace(" ", "").replace("\t", ""):
        if ch in _HAN_VALUE or ch in _ZERO_HAN:
            digits.append(str(_HAN_VALUE.get(ch, 0)))
            hanzi += 1
        else:  # an ASCII digit or a Latin O among hanzi digits
            digits.append("0" if ch in _ZERO_LOOKALIKE else ch)
            repaired = True
    return (int("".join(digits)), repaired) if hanzi >= 2 else None


def _year(s: str) -> tuple[int, bool] | None:
    if s[0] in "12":
        if s.rstrip()[-1] in _ONE_LOOKALIKE:  # l|I|! only stand for 1 between digits
            return None
        return _ascii_number(s)
    return _han_year(s)


def _is_hanzi(number: str) -> bool:
    return number[0] in _HAN_VALUE or number[0] in _TEN + "廿卅元"


def _number(s: str) -> tuple[int, bool]:
    """(value, repaired) of a month or day number: 11, 1O, 十一, 二十五, 壹拾壹, 廿五, 元."""
    if not _is_hanzi(s):
        return _ascii_number(s)
    if s == "元":
        return 1, False
    if s[0] in "廿卅":
        return (20 if s[0] == "廿" else 30) + (_HAN_VALUE[s[1]] if len(s) > 1 else 0), False
    ten = next((i for i, ch in enumerate(s) if ch in _TEN), None)
    if ten is None:
        return _HAN_VALUE[s], False
    tens = _HAN_VALUE[s[:ten]] if ten else 1
    return tens * 10 + (_HAN_VALUE[s[ten + 1:]] if s[ten + 1:] else 0), False


def _make(text: str, start: int, end: int, year: int | None, month: int, day: int | None,
          certainty: float, problem: str | None = None, implied: tuple[int, ...] = ()) -> DateMatch:
    """A DateMatch whose value is set only when the year is known and the date exists."""
    value = None
    last_day = calendar.monthrange(year if year else 2000, month)[1] if 1 <= month <= 12 else 0
    shown = f"{year:04d}" if year is not None else "????"
    shown += f"-{month:02d}" + (f"-{day:02d}" if day is not None else "")
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= last_day):
        problem = f"impossible date {shown}"
    elif problem is None and year is None:
        problem = "year missing"
    elif problem is None and not YEAR_MIN <= year <= YEAR_MAX:
        problem = f"year {year} outside {YEAR_MIN}-{YEAR_MAX}"
    elif problem is None:
        value = shown
    return DateMatch(start, end, text[start:end], year, month, day, value, certainty, problem,
                     implied if value is not None else ())


def _digit(ch: str) -> int | None:
    """The value of one character of a year as printed or OCR'd (2, 二, 贰, 〇, O, l), else None."""
    if "0" <= ch <= "9":
        return int(ch)
    if ch in _ZERO_HAN or ch in _ZERO_LOOKALIKE:
        return 0
    if ch in _ONE_LOOKALIKE:
        return 1
    return _HAN_VALUE.get(ch)


def implied_digits(norm: str, start: int, end: int) -> tuple[int, ...]:
    """Offsets of the characters of the year norm[start:end] that its first digit fixes.

    Within YEAR_MIN..YEAR_MAX (1950–2035) a year starting with 1 continues with 9 and one starting with
    2 continues with 0: the second digit is implied by the first. OCR is least sure of exactly that
    character in a printed year (〇, ○, O, 0 look alike, and all mean zero), so its confidence must not
    make the whole date weak. Empty unless the second digit read is the implied one.
    """
    chars = [i for i in range(start, end) if not norm[i].isspace()]
    if len(chars) != 4:
        return ()
    first, second = _digit(norm[chars[0]]), _digit(norm[chars[1]])
    return (chars[1],) if (first, second) in ((1, 9), (2, 0)) else ()


def _unit_follows(norm: str, pos: int) -> bool:
    rest = norm[pos:].lstrip(" \t")
    return bool(rest) and rest[0] in _UNIT_AFTER


def _read_marked(m: re.Match, norm: str, text: str) -> DateMatch | None:
    year = _year(m["y"])
    if year is None:
        return None
    certainty = REPAIRED if year[1] or m["ym"] == "午" else CERTAIN
    month, repaired = _number(m["m"])
    certainty = min(certainty, REPAIRED if repaired else CERTAIN)
    day, end = None, m.end("mm")
    # a day without 日 counts only in digits: "2013年7月一直…" is July, not the 1st
    if m["d"] and (m["dm"] or (not _is_hanzi(m["d"]) and not _unit_follows(norm, m.end("d")))):
        day, repaired = _number(m["d"])
        end = m.end("dm") if m["dm"] else m.end("d")
        certainty = min(certainty, REPAIRED if repaired or m["dm"] == "曰" else CERTAIN)
        certainty = certainty if m["dm"] else min(certainty, UNMARKED_DAY)
    if m["ym"] == "午" and not (day and m["dm"]):  # 午 reads as 年 only inside a whole 年月日 date
        return None
    return _make(text, m.start(), end, year[0], month, day, certainty,
                 implied=implied_digits(norm, m.start("y"), m.end("y")))


def _read_numeric(m: re.Match, norm: str, text: str) -> DateMatch | None:
    year = _year(m["y"])
    if year is None or not YEAR_MIN <= year[0] <= YEAR_MAX or _unit_follows(norm, m.end()):
        return None
    month, rep_m = _number(m["m"])
    day, rep_d = _number(m["d"]) if m["d"] else (None, False)
    if day is None:
        # "2013.07" alone is a month; "2013.07.001" is a number, unless a period follows (-2016.07)
        rest = re.match(rf"{_SP}{re.escape(m['s'])}{_SP}[0-9]", norm[m.end():])
        if not 1 <= month <= 12 or (rest and not _FOUR_DIGIT_YEAR_NEXT.match(norm, m.end())):
            return None
    mixed = m["s2"] is not None and m["s2"] != m["s"]
    if mixed and m["s"] != ".":
        return None
    certainty = REPAIRED if year[1] or rep_m or rep_d or mixed else CERTAIN
    return _make(text, m.start(), m.end(), year[0], month, day, certainty,
                 implied=implied_digits(norm, m.start("y"), m.end("y")))


def _read_broken(m: re.Match, norm: str, text: str) -> DateMatch | None:
    month = _number(m["m"])[0]
    day = _number(m["d"])[0] if m["d"] else None
    return _make(text, m.start(), m.end(), None, month, day, DAMAGED, "year missing")


def _read_month_day(m: re.Match, norm: str, text: str) -> DateMatch | None:
    month, rep_m = _number(m["m"])
    day, rep_d = _number(m["d"])
    certainty = REPAIRED if rep_m or rep_d or m["dm"] == "曰" else CERTAIN
    return _make(text, m.start(), m.end(), None, month, day, certainty)


_READERS = ((_P_MARKED, _read_marked), (_P_NUMERIC, _read_numeric),
            (_P_BROKEN, _read_broken), (_P_MONTH_DAY, _read_month_day))


def _dates(text: str, norm: str) -> list[DateMatch]:
    candidates = []
    for pattern, read in _READERS:
        pos = 0
        while (m := pattern.search(norm, pos)) is not None:
            if (found := read(m, norm, text)) is not None:
                candidates.append(found)
            pos = m.start() + 1  # every start position: a rejected long reading may hide a short one
    candidates.sort(key=lambda d: (d.start, d.start - d.end))
    chosen: list[DateMatch] = []
    for cand in candidates:  # leftmost, then longest, wins
        if not chosen or cand.start >= chosen[-1].end:
            chosen.append(cand)
    return chosen


def find_dates(text: str) -> list[DateMatch]:
    """Every date in `text`, left to right, non-overlapping, with spans indexing `text`.

    Includes dates whose year is missing ("11月29日": value None, problem "year missing") and
    impossible ones (value None, problem "impossible date 2024-02-30"). A year alone ("2024年度")
    is not a date; see `find_years`.
    """
    return _dates(text, fold(text))


# after the separator, a colon or dot OCR read from a speck or a table rule ("2024-11-28至:2024-12-04")
_RANGE_SEP = re.compile(rf"{_SP}(?:起{_SP})?(?P<sep>-{{1,2}}|~|至|到|一){_SP}(?:[:：·]{_SP})?")
_RANGE_PREFIX = re.compile(r"(?:自|从|由)[ \t]*$")
_RANGE_SUFFIX = re.compile(rf"{_SP}为?止")
_END_DAY = re.compile(rf"(?P<d>{_DAY}){_SP}(?P<dm>{_DAY_MARK})")
_END_MONTH = re.compile(rf"(?P<m>{_MONTH}){_SP}月")
_END_NUMERIC = re.compile(  # -29, -12.05 after 2024.11.25
    rf"(?:(?P<m>{_N2}){_SP}(?P<s>[./-]){_SP})?(?P<d>{_N2})(?!{_SP}[./-]?{_SP}[0-9年月])")


def _with_year_of(text: str, start: DateMatch, end: DateMatch) -> DateMatch:
    """`end` with the year of `start` when `end` printed none (a damaged year is not replaced)."""
    if end.year is not None or "年" in fold(end.text) or start.year is None:
        return end
    return _make(text, end.start, end.end, start.year, end.month, end.day, end.certainty)


def _open_end(text: str, norm: str, start: DateMatch, pos: int) -> DateMatch | None:
    """The end of a period printed without its year (29日, 12月, -29, -12.05), completed."""
    numeric = _P_NUMERIC.fullmatch(fold(start.text))
    if numeric and start.day is not None:
        m = _END_NUMERIC.match(norm, pos)
        if m and (m["s"] is None or m["s"] == numeric["s"]) and not _unit_follows(norm, m.end()):
            month, rep_m = _number(m["m"]) if m["m"] else (start.month, False)
            day, rep_d = _number(m["d"])
            return _make(text, pos, m.end(), start.year, month, day,
                         REPAIRED if rep_m or rep_d else CERTAIN)
    elif not numeric and start.day is not None and (m := _END_DAY.match(norm, pos)):
        day, rep = _number(m["d"])
        return _make(text, pos, m.end(), start.year, start.month, day,
                     REPAIRED if rep or m["dm"] == "曰" else CERTAIN)
    elif not numeric and start.day is None and (m := _END_MONTH.match(norm, pos)):
        month, rep = _number(m["m"])
        return _make(text, pos, m.end(), start.year, month, None, REPAIRED if rep else CERTAIN)
    return None


def find_ranges(text: str) -> list[DateRange]:
    """Periods in `text`: two dates joined by 至/到/-/—/~ (optionally 自…起至…止), left to right.

    The end takes the year, and the month, of the start where it omits them ("2024年11月25日至29日").
    An end before its start is returned as printed: judging it is the verifier's job.
    """
    norm = fold(text)
    dates = _dates(text, norm)
    ranges, used_until = [], 0
    for i, start in enumerate(dates):
        sep = _RANGE_SEP.match(norm, start.end)
        if start.start < used_until or sep is None:
            continue
        pos, end = sep.end(), None
        nxt = dates[i + 1] if i + 1 < len(dates) else None
        if nxt is not None and nxt.start == pos:
            # 一 is OCR's reading of a dash only before a year in digits (一九八九年 is a year)
            if sep["sep"] != "一" or norm[pos].isdigit():
                end = _with_year_of(text, start, nxt)
        elif sep["sep"] != "一":
            end = _open_end(text, norm, start, pos)
        if end is None:
            continue
        prefix = _RANGE_PREFIX.search(norm, 0, start.start)
        suffix = _RANGE_SUFFIX.match(norm, end.end)
        span = (prefix.start() if prefix else start.start, suffix.end() if suffix else end.end)
        ranges.append(DateRange(start, end, span))
        used_until = end.end
    return ranges


def parse_date(text: str) -> DateMatch | None:
    """The one date a short string (a table cell, a label's value) holds, or None.

    None when there is no date or several different ones (a period: see `find_ranges`). A cell
    that is nothing but 8 or 6 digits (19891213, 201307) reads as a date too, with certainty 0.9:
    only a cell says that such a number is a date.
    """
    dates = find_dates(text)
    if dates:
        return dates[0] if len({(d.year, d.month, d.day) for d in dates}) == 1 else None
    folded = fold(text)
    core = folded.strip()
    m = re.fullmatch(r"((?:19|20)[0-9]{2})(0[1-9]|1[0-2])((?:0[1-9]|[12][0-9]|3[01]))?", core)
    if m is None:
        return None
    start = len(folded) - len(folded.lstrip())
    day = int(m[3]) if m[3] else None
    return _make(text, start, start + len(core), int(m[1]), int(m[2]), day, REPAIRED)


_P_YEAR = re.compile(rf"(?P<y>{_YEAR_ASCII}|{_YEAR_HAN})(?P<suffix>{_SP}年度?)?")


def find_years(text: str) -> list[tuple[int, int, int]]:
    """(year, start, end) for each year 1950–2035 in `text`: "2023年度", "2023年", "2023", and the
    year of every date. text[start:end] covers the year and its 年/年度.

    A bare number counts only where nothing makes it part of another number (2023.5, 0356-2023).
    """
    norm = fold(text)
    date_starts = {d.start for d in _dates(text, norm)}
    years = []
    for m in _P_YEAR.finditer(norm):
        year = _year(m["y"])
        if year is None or not YEAR_MIN <= year[0] <= YEAR_MAX:
            continue
        if not m["suffix"] and m.start() not in date_starts:
            before, after = norm[max(0, m.start() - 2):m.start()], norm[m.end():m.end() + 2]
            if (m["y"][0] not in "12" or year[1] or re.fullmatch(r"[0-9][./-]", before)
                    or re.match(r"[./-][0-9]", after) or _unit_follows(norm, m.end())):
                continue
        years.append((year[0], m.start(), m.end()))
    return years
