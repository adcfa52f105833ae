"""Readings a single rule cannot express (appraisal grades: extract/appraisal.py):
continuing-education hours per year, the diploma's issue date, publicity contents, report
sections, the unit opinion's items, signatures, photo capture times, and sanctions (处分) with their periods.

`extra_readings(doc, pages, ctx, extractor, so_far)` is called by every fields.yaml extractor
after its rules ran and returns the additional `ExtractedValue`s for the document's type.
"""
from __future__ import annotations

import re


from core.records import Document, Evidence, ExtractedValue, PageText
from extract import dates, values
from extract.doctext import DocText
from extract.extractors import ExtractContext
from extract.found import label_pattern, value_at as _value

PUBLICITY_ITEMS = {"conditions": ("评审条件",), "application": ("个人申报条件", "申报条件", "个人申报"),
                   "opinion": ("单位鉴定意见", "鉴定意见", "单位意见")}
REPORT_SECTIONS = {
    "education": ("学历", "学位"),
    "work_history": ("工作经历", "工作简历", "简历", "参加工作"),
    "technical_work": ("专业技术工作情况", "从事专业技术工作", "技术工作情况", "专业技术工作"),
    "tasks_and_honours": ("主要工作任务", "取得的荣誉", "荣誉", "工作业绩", "主要业绩", "业绩"),
}
# a heading naming the work history and the technical work done ("工作经历及专业技术工作") is the history;
# "主要工作任务" is not the technical-work part
REPORT_SECTIONS_BEFORE = {"technical_work": ("工作任务", "荣誉", "业绩")}
OPINION_CONDITIONS = ("品德", "学历", "资历", "业务能力", "考核", "继续教育")



# --- continuing education: {year: hours} ----------------------------------------------------------

def ce_hours(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """{year: hours}: a certificate for one year gives its total (合计) wherever OCR put it; a table
    of several years gives, per year, the hours that follow it on its row."""
    full = text.text
    in_dates = {i for m in dates.find_dates(full) if m.day is not None for i in range(m.start, m.end)}
    years = [(y, s, e) for y, s, e in dates.find_years(full) if s not in in_dates]
    if not years:
        return []
    out: dict[str, int] = {}
    ev: list[Evidence] = []
    confs: list[float] = []

    def keep(year, ys, ye, hs, he):
        """The year at text[ys:ye] has the hours at text[hs:he]."""
        out[str(year)] = int(full[hs:he])
        ev.extend(text.evidence(ys, ye, extractor) + text.evidence(hs, he, extractor))
        confs.append(min(text.confidence(ys, ye), text.confidence(hs, he)))

    if len({y for y, _, _ in years}) == 1:
        y, s, e = years[0]
        m = re.search(r"(?:合[ \t]*计|总[ \t]*学[ \t]*时|共[ \t]*计)[ \t]*[：:]?[ \t]*(\d{1,3})", full)
        if m:
            keep(y, s, e, m.start(1), m.end(1))
        else:  # the largest count: a total is never below its parts, wherever OCR put the cells
            counts = list(re.finditer(r"(\d{1,3})\s*学\s*时", full))
            if counts:
                most = max(counts, key=lambda m: int(m.group(1)))
                keep(y, s, e, most.start(1), most.end(1))
    else:
        column = _total_column(text)
        totals = {}  # a 学时登记表 closes each year with "2023年度小计 90": that row is the year's total
        for m in re.finditer(r"((?:19|20)\d{2})\s*年?\s*度?\s*(?:小\s*计|合\s*计)[^\d\n]{0,3}(\d{1,3})", full):
            totals[m.group(1)] = m
        for y, m in totals.items():
            keep(int(y), m.start(1), m.end(1), m.start(2), m.end(2))
        for i, (y, s, e) in enumerate(years):
            if str(y) in totals:
                continue
            if column is not None:
                cell = _row_cell(text, s, *column)
                if cell is not None:
                    keep(y, s, e, *cell)
                    continue
            stop = years[i + 1][1] if i + 1 < len(years) else len(full)
            segment = full[e:stop].split("\n")[0] if "\n" in full[e:stop] else full[e:stop]
            m = (re.search(r"合\s*计\s*(\d{1,3})", segment) or _last(r"(\d{1,3})\s*学\s*时", segment)
                 or _last(r"(?:^|\s)(\d{1,3})(?=\s*$)", segment))
            if m:
                keep(y, s, e, e + m.start(1), e + m.end(1))
    if not out:
        return []
    return [ExtractedValue(field="ce_hours", value=out, evidence=tuple(ev), extractor=extractor, document=doc.type,
                           confidence=round(min(confs), 3))]


TOTAL_HEADS = ("合计", "总学时", "小计", "学时合计", "累计")


def _total_column(text: DocText) -> tuple[int, int] | None:
    """(index of the total column, number of columns) of a CE table's header line, if it has one."""
    for line in text.lines:
        cells = text.text[line.start:line.end].split()
        hits = [i for i, c in enumerate(cells) if c.startswith(TOTAL_HEADS) or "合计" in c]
        if len(cells) >= 3 and len(hits) == 1 and any("年" in c for c in cells):
            return hits[0], len(cells)
    return None


def _row_cell(text: DocText, year_start: int, index: int, width: int) -> tuple[int, int] | None:
    """The span of the hours in the total column of the row the year starts, if the row has exactly
    the header's number of cells."""
    line = text.line_at(year_start)
    if line is None or text.text[line.start:year_start].strip():  # the year must open its row
        return None
    row = text.text[line.start:line.end]
    cells = list(re.finditer(r"\S+", row))
    if len(cells) != width:
        return None
    m = re.match(r"(\d{1,3})\s*(?:学\s*时)?$", cells[index].group())
    return (line.start + cells[index].start() + m.start(1), line.start + cells[index].start() + m.end(1)) if m else None


def _last(pattern: str, s: str):
    found = list(re.finditer(pattern, s, re.M))
    return found[-1] if found else None


# --- diploma: the issue date -----------------------------------------------------------------------

def diploma_date(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """The date the diploma was issued: the last date on it that is neither the birth date nor the study period."""
    full = text.text
    in_range = set()
    period_end = None
    for r in dates.find_ranges(full):
        in_range.update(range(r.span[0], r.span[1]))
        period_end = r.end
    singles = [m for m in dates.find_dates(full)
               if m.start not in in_range and not full[m.end:m.end + 2].lstrip().startswith("生")]
    full_dates = [m for m in singles if m.day is not None]
    out: list[ExtractedValue] = []
    if full_dates:
        m = full_dates[-1]
        if m.value is not None:
            return [_value("graduation_date", m.value, text, m.start, m.end, extractor, doc, m.certainty, m.problem,
                           m.implied)]
        # the issue date is there but not legible: kept unread (a second engine gets to look at it) ...
        out.append(_value("graduation_date", None, text, m.start, m.end, extractor, doc, 0.0,
                          f"the issue date reads {m.text!r}: {m.problem}"))
        if period_end is not None and m.year is None and m.month == period_end.month and period_end.year:
            # ... and, weaker, with the year the study period's end gives (lost under the seal)
            value = f"{period_end.year:04d}-{m.month:02d}-{m.day:02d}"
            return out + [_value("graduation_date", value, text, m.start, m.end, extractor, doc, 0.75,
                                 "year taken from the study period; the printed year was not legible")]
    if period_end is not None and period_end.value:
        # a month only, inferred: below merge.WEAK, so any legible full date elsewhere is preferred
        out.append(_value("graduation_date", period_end.value[:7], text, period_end.start, period_end.end, extractor,
                          doc, 0.45, "issue date not legible; month from the study period"))
    return out


# --- certificate numbers: the diploma's 18 digits, the degree certificate's 16 ------------------------

# 证书编号 / 学历证书编号 / 证书号 / 学位证书编号, then the digits (OCR may space them or read O for 0)
CERT_NUMBER = re.compile(r"(?:学历)?(?:证书|证件)?编号[：:]?\s*(?P<v>[0-9OoＯ０-９][0-9OoＯ０-９ ]{14,24}[0-9])")
NUMBER_FIELDS = {18: "diploma_number", 16: "degree_number"}


def certificate_numbers(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """The certificate number after its label: an 18-digit diploma (or CHSI-record) number or a 16-digit
    degree number, as printed (the checks read year and level out of it: extract.values.cert_number_parts)."""
    out = []
    for m in CERT_NUMBER.finditer(text.text):
        raw = m.group("v")
        digits = raw.translate(str.maketrans("OoＯ０１２３４５６７８９", "000" + "0123456789")).replace(" ", "")
        field = NUMBER_FIELDS.get(len(digits))
        if field is None or not digits.isdigit():
            continue
        certainty = 0.9 if digits != raw.replace(" ", "") else 1.0  # an O read as 0: the grammar says digit
        start = m.start("v")
        out.append(_value(field, digits, text, start, start + len(raw), extractor, doc, certainty))
    return out


USCC_LABEL = re.compile(r"(?:统一)?社会信用代码[：:]?\s*(?P<v>[0-9A-Z][0-9A-Z ]{16,22}[0-9A-Z])")


def credit_codes(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """A unit's 统一社会信用代码 where a document prints one (the check is verify/checks_certificates)."""
    out = []
    for m in USCC_LABEL.finditer(text.text.upper()):
        printed = m.group("v").replace(" ", "")
        # GB 32100 leaves I O Z S V out of its alphabet because they look like 1 0 2 5 U: OCR's letter is the digit
        code = printed.translate(str.maketrans("IOZSV", "1025U"))
        if len(code) == 18:
            out.append(_value("employer_uscc", code, text, m.start("v"), m.end("v"), extractor, doc,
                              1.0 if code == printed else 0.9))
    return out


# --- other documents ---------------------------------------------------------------------------------

def publicity_items(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    full = text.text
    m = label_pattern("公示内容").search(full)
    start = m.end() if m else 0
    line = text.line_at(start)
    end = line.end if (m and line) else len(full)
    segment = full[start:end]
    found = [k for k, words in PUBLICITY_ITEMS.items() if any(w in segment for w in words)]
    if not found:
        return []
    return [_value("publicity_items", found, text, start, end, extractor, doc)]


# a section heading: a numbered line (一、 （二） 3. 第四部分) — OCR drops a lone 一, so a bare 、 or () is a
# marker too — or a short line of its own with no sentence in it ("个人基本情况及学历")
HEADING = re.compile(r"^\s*(?:[(（]\s*[一二三四五六七八九十\d]?\s*[)）]|[一二三四五六七八九十\d]?\s*[、丶.．]|"
                     r"[一二三四五六七八九十\d]\s*[,，]|第[一二三四五六七八九十]部分)\s*(?P<h>[^，。；;]{2,30})$")
BARE_HEADING = re.compile(r"^\s*(?P<h>[^，。；;：:,\d\s]{4,16})\s*$")


def _headings(text: DocText) -> list[tuple[int, int]]:
    """Spans of the heading text of every heading line (not the title: a line about the 总结 itself)."""
    out = []
    for line in text.lines:
        row = text.text[line.start:line.end]
        m = HEADING.match(row) or BARE_HEADING.match(row)
        if m and "总结" not in m.group("h"):
            out.append((line.start + m.start("h"), line.start + m.end("h")))
    return out


def report_sections(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """The required parts of a work report (三(四)) it has. Where the report is set out under numbered
    headings (two or more), a part is present when a heading names it: the body's prose mentions every
    part's words in passing ("从事专业技术工作" in a work history), so only headings tell a dropped part.
    A report in continuous prose: the words anywhere."""
    full = text.text
    found, spans = [], []
    headings = [(s, e) for s, e in _headings(text) if any(w in full[s:e] for ws in REPORT_SECTIONS.values() for w in ws)]
    by_heading = len(headings) >= 2
    for key, words in REPORT_SECTIONS.items():
        if by_heading:
            hits = [(s, e) for s, e in headings if any(w in full[s:e] for w in words)
                    and not any(w in full[s:e] for w in REPORT_SECTIONS_BEFORE.get(key, ()))]
            if hits:
                found.append(key)
                spans.append(hits[0])
            continue
        hits = [(full.find(w), w) for w in words if w in full]
        if hits:
            pos, w = min(hits)
            found.append(key)
            spans.append((pos, pos + len(w)))
    if not spans:
        return [ExtractedValue(field="report_sections", value=[], extractor=extractor, document=doc.type)]
    ev = tuple(e for s, t in spans for e in text.evidence(s, t, extractor))
    return [ExtractedValue(field="report_sections", value=found, evidence=ev, extractor=extractor,
                           document=doc.type, confidence=1.0,
                           note="read from the numbered headings" if by_heading else "read from the words of the text")]


def opinion_items(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """Whether the unit opinion states, item by item, the conditions met: three or more conditions named
    as such (品德条件 / 学历要求 / 资历：, in a table row or a list), or three or more numbered items."""
    full = text.text
    named = [w for w in OPINION_CONDITIONS if re.search(rf"{w}\s*(?:(?:条件|要求)|[：:])", full)]
    itemised = len(named) >= 3 or len(re.findall(r"(?:^|\n)\s*[一二三四五六七八九]、", full)) >= 3
    return [ExtractedValue(field="opinion_itemized", value=itemised, evidence=text.evidence(0, min(len(full), 12), extractor)[:1],
                           extractor=extractor, document=doc.type, confidence=1.0,
                           note=f"conditions named: {', '.join(named) or 'none'}")]


def work_specialties(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """The specialties the document says the applicant works in ("从事矿山机电相关专业技术工作"), by the
    gazetteer, most mentioned first; a major named as what was studied is not work."""
    from extract import nlp

    full = text.text
    counts: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    for s, e, name in nlp.entities(full, "SPECIALTY"):
        before, after = full[max(0, s - 8):s], full[e:e + 6]
        if "从事" in before or after.startswith(("相关", "技术工作", "专业技术工作", "工作", "专业助理工程师")):
            counts[name] = counts.get(name, 0) + 1
            spans.append((s, e))
    if not counts:
        return []
    names = sorted(counts, key=lambda n: -counts[n])
    ev = tuple(e for s, t in spans[:4] for e in text.evidence(s, t, extractor))
    return [ExtractedValue(field="work_specialties", value=names, evidence=ev, extractor=extractor, document=doc.type,
                           confidence=round(min(text.confidence(s, t) for s, t in spans), 3))]


def signatures(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """Whether something (a handwritten name) stands after each 签字 label."""
    out = []
    for field, labels in (("applicant_signed", ("申报人签字", "申报人签名", "本人签字")),
                          ("unit_signed", ("单位负责人签字", "负责人签字", "法定代表人签字"))):
        for label in labels:
            m = label_pattern(label).search(text.text)
            if not m:
                continue
            line = text.line_at(m.start())
            seg = text.text[m.end(): line.end if line else m.end() + 10]
            name = re.match(r"\s*([\u4e00-\u9fff]{2,4})", seg)
            if name:
                s, e = m.end() + name.start(1), m.end() + name.end(1)
                out.append(_value(field, True, text, s, e, extractor, doc))
            else:
                ev = text.evidence(m.start(), m.end(), extractor)
                out.append(ExtractedValue(field=field, value=False, evidence=ev, extractor=extractor, document=doc.type,
                                          confidence=0.7, note="nothing legible after the signature label"))
            break
    return out


def photo_time(doc: Document, pages: list[PageText], extractor: str) -> list[ExtractedValue]:
    out = []
    for p in pages:
        when = p.meta.get("DateTimeOriginal") or p.meta.get("DateTime")
        if when:
            iso = re.sub(r"^(\d{4}):(\d{2}):(\d{2})", r"\1-\2-\3", when.strip()).replace(" ", "T", 1)
            out.append(ExtractedValue(field="photo_taken", value=iso, extractor=extractor, document=doc.type,
                                      evidence=(Evidence(file=p.file, page=p.page, text=f"EXIF {when}",
                                                         extractor=extractor, confidence=1.0),)))
    return out


# --- discipline: a sanction (处分) and its period ----------------------------------------------------

# The sanctions as printed, heaviest wording first where one holds another (严重警告 holds 警告, 开除党籍
# holds 开除). Party sanctions are read as printed; the verifier decides what each one means.
SANCTION_WORDS = ("开除党籍", "留党察看", "撤销党内职务", "严重警告", "党内警告", "开除", "撤职", "降低岗位等级", "降级",
                  "记大过", "记过", "警告")
_SANCTION = "|".join(SANCTION_WORDS)
# "记过处分", "警告及以上处分", "记过一次处分"; or "给予/受到 … 记过(一次)" closing its clause
_SANCTION_RE = re.compile(
    rf"(?P<s>{_SANCTION})(?:[^，,。；;：:\n]{{0,6}}?处[ \t]*分)"
    rf"|(?:给予|受到|受)[^，,。；;：:\n]{{0,10}}?(?P<s2>{_SANCTION})(?=[ \t]*(?:一次)?[ \t]*(?:[，,。；;\n]|$))")
# in the mention's own clause: not sanctioned, exempted, or the sanction lifted
_NOT_SANCTIONED = re.compile(r"未|没有|没受|从不|不曾|无任何|免予|免于|解除|撤销(?!党内职务)")
_CLAUSE_END = "，,。；;：:！!？?\n"
_SENTENCE_END = "。；;！!？?"
_PERIOD_MONTHS = re.compile(r"处[ \t]*分[ \t]*(?:期间|期限|期)[ \t]*(?:为|是)?[ \t]*(?P<n>[0-9]{1,2}|[一二两三四五六七八九十]{1,3})"
                            r"[ \t]*个?[ \t]*月")
_DECISION_HEADING = re.compile(r"处[ \t]*分[ \t]*的?[ \t]*决[ \t]*定[ \t]*书?[ \t]*$")  # a title line ends so
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def _count(s: str) -> int | None:
    """12, 十二, 二十四, 六, 两 → the number (1..99)."""
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return _CN_DIGIT.get(s) if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    t = _CN_DIGIT.get(tens, 0) if tens else 1
    o = _CN_DIGIT.get(ones, 0) if ones else 0
    return t * 10 + o if (not tens or tens in _CN_DIGIT) and (not ones or ones in _CN_DIGIT) else None


def discipline(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """Sanctions the document says the applicant is under: {"sanction": 记过, "start": ISO day or month or
    None, "end": … or None, "months": the period in months if printed, else None}.

    A mention in a clause that denies it (未受过任何处分, 免予处分, 解除处分) is no sanction. The period is
    read from the mention's sentence: a period (自2024年6月1日起至2025年5月31日止), else a date marked
    as its start (于2024年6月受到…, …起) or its end (处分期至…, …止), and a length (处分期间为十二个月).
    A 处分决定 (a page titled so) that prints no start takes effect on the day it is dated (its last full date)."""
    full = text.text
    out: dict[str, tuple[dict, list[tuple[int, int]], float, str | None]] = {}
    is_decision = any(_DECISION_HEADING.search(tl.line.text) for tl in text.lines if tl.index < 3)
    for m in _SANCTION_RE.finditer(full):
        key = "s" if m.group("s") else "s2"
        s_start, s_end, sanction = m.start(key), m.end(key), m.group(key)
        clause_start = max(full.rfind(c, 0, s_start) for c in _CLAUSE_END) + 1
        clause_end = min([i for c in _CLAUSE_END if (i := full.find(c, m.end())) >= 0] or [len(full)])
        if _NOT_SANCTIONED.search(full[clause_start:clause_end]):
            continue
        sent_start = max(full.rfind(c, 0, s_start) for c in _SENTENCE_END) + 1
        sent_end = min([i for c in _SENTENCE_END if (i := full.find(c, m.end())) >= 0] or [len(full)])
        sentence = full[sent_start:sent_end]
        value: dict = {"sanction": sanction, "start": None, "end": None, "months": None}
        spans = [(s_start, s_end)]
        certainty, note = 1.0, None
        ranges = dates.find_ranges(sentence)
        if ranges:
            r = ranges[0]
            value["start"], value["end"] = r.start.value, r.end.value
            spans += [(sent_start + r.start.start, sent_start + r.start.end), (sent_start + r.end.start, sent_start + r.end.end)]
            certainty = min(r.start.certainty, r.end.certainty)
        else:
            for d in dates.find_dates(sentence):
                if d.value is None:
                    continue
                before = sentence[max(0, d.start - 4):d.start].rstrip(" \t")
                after = sentence[d.end:d.end + 3].lstrip(" \t")
                if value["end"] is None and (before.endswith(("至", "到", "止于", "截至", "截止")) or after.startswith("止")):
                    value["end"] = d.value
                elif value["start"] is None and (before.endswith(("于", "自", "从")) or after.startswith(("起", "受"))):
                    value["start"] = d.value
                else:
                    continue
                spans.append((sent_start + d.start, sent_start + d.end))
                certainty = min(certainty, d.certainty)
        if (n := _PERIOD_MONTHS.search(sentence)) and (months := _count(n.group("n"))):
            value["months"] = months
            spans.append((sent_start + n.start(), sent_start + n.end()))
        if value["start"] is None and is_decision:
            issued = [d for d in dates.find_dates(full[sent_end:]) if d.value and d.day is not None]
            if issued:
                d = issued[-1]
                value["start"] = d.value
                spans.append((sent_end + d.start, sent_end + d.end))
                certainty = min(certainty, 0.9 * d.certainty)
                note = "the start is the day the 处分决定 is dated (it takes effect when made)"
        confidence = min(text.confidence(a, b) for a, b in spans) * certainty
        known = sum(value[k] is not None for k in ("start", "end", "months"))
        kept = out.get(sanction)
        if kept is None or known > sum(kept[0][k] is not None for k in ("start", "end", "months")):
            out[sanction] = (value, spans, confidence, note)
    return [ExtractedValue(field="discipline", value=value, extractor=extractor, document=doc.type, note=note,
                           evidence=tuple(e for a, b in spans for e in text.evidence(a, b, extractor)),
                           confidence=round(min(max(confidence, 0.0), 1.0), 3))
            for value, spans, confidence, note in out.values()]


def _decision_pages(pages: list[PageText]) -> list[PageText]:
    """Pages titled as a 处分决定 (关于给予…处分的决定) in their first lines: a decision the classifier joined
    to the document before it (a work report takes in unrecognised pages that follow it) or mistook."""
    return [p for p in pages if any(_DECISION_HEADING.search(line.text) for line in p.lines[:3])]


RESULT_LABELS = ("考核结果", "考核意见", "考核等次", "单位考核意见", "鉴定结果")


def probation_ticks(doc: Document, text: DocText, ctx: ExtractContext, extractor: str,
                    so_far: list[ExtractedValue]) -> list[ExtractedValue]:
    """A pass/fail result printed as boxes (☑合格 □不合格) whose marks OCR dropped: read from the pixels.

    Also where the text reading only inferred the tick (the one option OCR printed no 口 before is
    taken as ticked, at values.INFERRED): the pixels, when they agree, are the better evidence; when
    they disagree nothing is added and the weak text reading goes to a human."""
    from extract.appraisal import options_at, tick_from_pixels

    read = {v.value for v in so_far if v.field == "probation_passed" and v.value is not None}
    for label in RESULT_LABELS:
        for m in label_pattern(label).finditer(text.text):
            options, span_start, span_end = options_at(text, m)
            if not {o.value for o in options} >= {"合格", "不合格"}:
                continue
            choice = values.read_tick_choice(text.text[min(span_start, m.end()):span_end])
            if read and (choice is None or choice.value is None or choice.certainty >= values.CERTAIN):
                return []  # read from a tick OCR saw (or not from this list): the text reading stands
            got = tick_from_pixels(text, options, ctx)
            if got is None:
                return []
            o, certainty = got
            if read and read != {o.value == "合格"}:
                return []
            return [_value("probation_passed", o.value == "合格", text, o.start, o.end, extractor, doc,
                           certainty, "read from the ticked box")]
    return []


def probation_period(doc: Document, text: DocText, extractor: str,
                     so_far: list[ExtractedValue]) -> list[ExtractedValue]:
    """When no labelled end date was read (labels torn apart by a narrow table), the end of the one
    pair of dates on the form that lies a year apart — the 见习 year — with lowered certainty."""
    import datetime as dt

    if any(v.field == "probation_end_date" and v.value is not None for v in so_far):
        return []
    found = [m for m in dates.find_dates(text.text) if m.value and m.day is not None]
    pairs = [(a, b) for i, a in enumerate(found) for b in found[i + 1:]
             if 360 <= (dt.date.fromisoformat(b.value) - dt.date.fromisoformat(a.value)).days <= 370]
    if len(pairs) != 1:
        return []
    _, end = pairs[0]
    return [_value("probation_end_date", end.value, text, end.start, end.end, extractor, doc, 0.8 * end.certainty,
                   "the end of the one year-long period on the form; its label was not legible", end.implied)]


# Documents whose own text speaks of the applicant's sanctions; any other document is searched for one
# only on a page titled as a 处分决定 (a work report tells of sanctions given to others; a decision page the
# classifier joined to it, or took for an appointment letter, still counts).
DISCIPLINE_TYPES = ("unit_opinion", "appraisal", "other")


def extra_readings(doc: Document, pages: list[PageText], ctx: ExtractContext, extractor: str,
                   so_far: list[ExtractedValue]) -> list[ExtractedValue]:
    out = _type_readings(doc, pages, ctx, extractor, so_far) + credit_codes(doc, DocText(pages, joiner=""), extractor)
    sanction_pages = pages if doc.type in DISCIPLINE_TYPES else _decision_pages(pages)
    if sanction_pages:
        out += discipline(doc, DocText(sanction_pages, joiner=""), extractor)
    return out


def _type_readings(doc: Document, pages: list[PageText], ctx: ExtractContext, extractor: str,
                   so_far: list[ExtractedValue]) -> list[ExtractedValue]:
    text = DocText(pages)
    if doc.type == "appraisal":
        from extract.appraisal import appraisal

        return appraisal(doc, text, ctx, extractor)
    if doc.type == "ce_certificate":
        return ce_hours(doc, text, extractor)
    if doc.type == "probation":
        return probation_ticks(doc, text, ctx, extractor, so_far) + probation_period(doc, text, extractor, so_far)
    if doc.type == "diploma":
        return diploma_date(doc, DocText(pages, joiner=""), extractor) + certificate_numbers(doc, text, extractor)
    if doc.type in ("chsi_report", "degree_certificate"):
        return certificate_numbers(doc, text, extractor)
    if doc.type == "publicity_record":
        return publicity_items(doc, text, extractor)
    if doc.type == "publicity_photo":
        return publicity_items(doc, DocText(pages, joiner=""), extractor) + photo_time(doc, pages, extractor)
    if doc.type == "work_report":
        return report_sections(doc, text, extractor) + work_specialties(doc, DocText(pages, joiner=""), extractor)
    if doc.type == "unit_opinion":
        return opinion_items(doc, text, extractor) + work_specialties(doc, DocText(pages, joiner=""), extractor)
    if doc.type == "commitment":
        return signatures(doc, text, extractor)
    return []
