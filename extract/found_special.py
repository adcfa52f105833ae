"""Readings a single rule cannot express: appraisal grades (incl. tick boxes read from pixels),
continuing-education hours per year, the diploma's issue date, publicity contents, report
sections, the unit opinion's items, signatures and photo capture times.

`extra_readings(doc, pages, ctx, extractor, so_far)` is called by every fields.yaml extractor
after its rules ran and returns the additional `ExtractedValue`s for the document's type.
"""
from __future__ import annotations

import re

import numpy as np

from core.records import Document, Evidence, ExtractedValue, PageText
from extract import dates, values
from extract.doctext import DocText
from extract.extractors import ExtractContext
from extract.found import label_pattern

GRADE_LABELS = ("考核等次", "考核结果", "考核意见", "年度考核结果", "考核等级", "评定等次")
BOX_CHARS = "口囗□☐▢"
TICK_CHARS = "☑✓√☒■✔▣"
PUBLICITY_ITEMS = {"conditions": ("评审条件",), "application": ("个人申报条件", "申报条件", "个人申报"),
                   "opinion": ("单位鉴定意见", "鉴定意见", "单位意见")}
REPORT_SECTIONS = {
    "education": ("学历", "学位"),
    "work_history": ("工作经历", "工作简历", "简历", "参加工作"),
    "technical_work": ("专业技术工作情况", "从事专业技术工作", "技术工作情况"),
    "tasks_and_honours": ("主要工作任务", "取得的荣誉", "荣誉", "工作业绩", "主要业绩"),
}
OPINION_CONDITIONS = ("品德", "学历", "资历", "业务能力", "考核", "继续教育")


def _value(field, value, text: DocText, start: int, end: int, extractor: str, doc: Document,
           certainty: float = 1.0, note: str | None = None) -> ExtractedValue:
    conf = text.confidence(start, end) * certainty
    return ExtractedValue(field=field, value=value, evidence=text.evidence(start, end, extractor), extractor=extractor,
                          document=doc.type, confidence=round(min(max(conf, 0.0), 1.0), 3), note=note)


# --- appraisal: {year: grade} -----------------------------------------------------------------------

def _appraisal_year(text: DocText) -> tuple[int, int, int] | None:
    """The year appraised: the title's 'YYYY年度', else the 年度 cell."""
    head = text.text[: max(80, text.lines[0].end if text.lines else 0)]
    m = re.search(r"((?:19|20)\d{2})\s*年\s*度", head)
    if m:
        return int(m.group(1)), m.start(1), m.end(1)
    for m in label_pattern("年度").finditer(text.text):
        for year, s, e in dates.find_years(text.text[m.end(): m.end() + 12]):
            return year, m.end() + s, m.end() + e
    for year, s, e in dates.find_years(text.text[:200]):
        return year, s, e
    return None


def find_boxes(image, region) -> list[tuple[float, float, float, float, float]]:
    """Printed check boxes in a region of the page: (x0, y0, x1, y1, ink inside the frame).

    A box is a dark square outline about one character high; a ticked one (☑/☒) carries strokes
    inside its frame, an empty one (□) almost none.
    """
    import cv2

    x0, y0, x1, y1 = (int(max(v, 0)) for v in region)
    crop = np.asarray(image.crop((x0, y0, x1, y1)).convert("L"), dtype=np.uint8)
    if crop.size == 0:
        return []
    h = y1 - y0
    otsu, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    dark = (crop < min(otsu, 170)).astype(np.uint8)  # a printed frame is thin and often grey on a scan
    contours, _ = cv2.findContours(dark, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for c in contours:
        bx, by, bw, bh = cv2.boundingRect(c)
        if not (0.3 * h <= bh <= 1.1 * h and 0.75 <= bw / max(bh, 1) <= 1.33):
            continue
        frame = dark[by:by + bh, bx:bx + bw]
        edge = max(2, int(0.15 * bh))
        # a box has four full sides; a character's outline never has all four
        sides = (frame[:edge].mean(axis=1).max(), frame[-edge:].mean(axis=1).max(),
                 frame[:, :edge].mean(axis=0).max(), frame[:, -edge:].mean(axis=0).max())
        if min(sides) < 0.8:
            continue
        inner = frame[edge:bh - edge, edge:bw - edge]
        boxes.append((x0 + bx, y0 + by, x0 + bx + bw, y0 + by + bh, float(inner.mean()) if inner.size else 0.0))
    return sorted(boxes)


def _tick_from_pixels(text: DocText, grades, base: int, ctx: ExtractContext) -> tuple[str, int, int, float] | None:
    """The option whose printed box holds a tick, measured on the page image: each box found on an
    option's line belongs to the option word that follows it (options may share a line or stand
    one per line)."""
    if ctx.images is None or not grades:
        return None
    ink = [0.0] * len(grades)
    owned = [False] * len(grades)
    by_line: dict[int, list[int]] = {}
    for i, g in enumerate(grades):
        line = text.line_at(base + g.start)
        if line is None or line.line.bbox is None:
            return None
        by_line.setdefault(line.start, []).append(i)
    for line_start, idx in by_line.items():
        line = text.line_at(line_start)
        image = ctx.images.get(line.page)
        if image is None:
            return None
        lx0, ly0, lx1, ly1 = line.line.bbox
        h = ly1 - ly0
        boxes = find_boxes(image, (lx0 - 1.5 * h, ly0 - 0.3 * h, lx1 + h, ly1 + 0.3 * h))
        starts = {}
        for i in idx:
            ev = text.evidence(base + grades[i].start, base + grades[i].start + 1)
            if not ev or ev[0].bbox is None:
                return None
            starts[i] = ev[0].bbox[0]
        for bx0, _, bx1, _, inside in boxes:
            after = [i for i in idx if starts[i] >= bx1 - 0.6 * (bx1 - bx0)]
            if after:
                i = min(after, key=lambda i: starts[i])
                ink[i], owned[i] = max(ink[i], inside), True
    if sum(owned) < len(grades) - 1:  # too few boxes found to trust a comparison
        return None
    order = sorted(range(len(ink)), key=lambda i: -ink[i])
    best, second = ink[order[0]], (ink[order[1]] if len(ink) > 1 else 0.0)
    if best < 0.08 or best < 2 * second:
        return None
    g = grades[order[0]]
    return g.value, base + g.start, base + g.end, (0.95 if best > 4 * second else 0.85)


def _option_lines(text: DocText, line, seg_end: int) -> int:
    """Where a list of options printed one per line below the label ends (seg_end if there is none)."""
    end, cur = seg_end, line
    for _ in range(4):
        nxt = text.next_line(cur) if cur is not None else None
        if nxt is None or nxt.page is not line.page:
            break
        body = text.text[nxt.start:nxt.end]
        if len(values.find_grades(body)) != 1 or len(body.strip()) > 8:
            break
        end, cur = nxt.end, nxt
    return end


def appraisal(doc: Document, text: DocText, ctx: ExtractContext, extractor: str) -> list[ExtractedValue]:
    year = _appraisal_year(text)
    grade_at = None
    for label in GRADE_LABELS:
        for m in label_pattern(label).finditer(text.text):
            line = text.line_at(m.start())
            seg_end = line.end if line else len(text.text)
            segment = text.text[m.end(): seg_end]
            if not segment.strip() and line is not None:  # the grade sits on the next line
                nxt = text.next_line(line)
                if nxt is not None:
                    segment, seg_end = text.text[nxt.start: nxt.end], nxt.end
                    base = nxt.start
                else:
                    continue
            else:
                base = m.end()
            if len(values.find_grades(segment)) <= 1 and line is not None:  # options one per line below
                stop = _option_lines(text, text.line_at(base) or line, seg_end)
                if stop != seg_end:
                    segment, seg_end = text.text[base:stop], stop
            grades = values.find_grades(segment)
            if not grades:
                continue
            has_boxes = any(c in segment for c in BOX_CHARS + TICK_CHARS) or len(grades) > 1
            if not has_boxes:
                g = grades[0]
                grade_at = (g.value, base + g.start, base + g.end, g.certainty, None)
            else:
                choice = values.read_tick_choice(segment)
                if choice is not None and choice.value is None:
                    choice = None  # the text alone cannot tell
                pixels = _tick_from_pixels(text, grades, base, ctx)
                if pixels is not None and (choice is None or choice.value == pixels[0]):
                    grade_at = (*pixels, None)
                elif choice is not None and choice.value is not None:
                    note = None if pixels is None else f"pixels suggest {pixels[0]}"
                    grade_at = (choice.value, base + choice.start, base + choice.end,
                                choice.certainty * (0.6 if pixels else 1.0), note)
                else:
                    s, e = base, seg_end
                    grade_at = (None, s, e, 0.0, "a tick-box line whose ticked option could not be told")
            break
        if grade_at:
            break
    if grade_at is None:  # a sentence: "经考核，该同志2023年度考核结果为：合格。"
        m = re.search(r"(?:考核|评定)(?:结果|等次|等级)?\s*(?:为|是|定为|评为|确定为)\s*[：:]?\s*", text.text)
        grades = values.find_grades(text.text[m.end(): m.end() + 8]) if m else []
        if grades and grades[0].start == 0:
            g = grades[0]
            grade_at = (g.value, m.end() + g.start, m.end() + g.end, g.certainty, None)
    if year is None:
        return []
    y, ys, ye = year
    if grade_at is None:
        return [_value("appraisals", {str(y): None}, text, ys, ye, extractor, doc, 0.0,
                       note="the grade could not be read")]
    grade, gs, ge, certainty, note = grade_at
    conf = min(text.confidence(ys, ye), text.confidence(gs, ge)) * certainty
    ev = text.evidence(ys, ye, extractor) + text.evidence(gs, ge, extractor)
    return [ExtractedValue(field="appraisals", value={str(y): grade}, evidence=ev, extractor=extractor,
                           document=doc.type, confidence=round(min(max(conf, 0.0), 1.0), 3), note=note)]


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

    def keep(year, ys, ye, m, base):
        hs, he = base + m.start(1), base + m.end(1)
        out[str(year)] = int(m.group(1))
        ev.extend(text.evidence(ys, ye, extractor) + text.evidence(hs, he, extractor))
        confs.append(min(text.confidence(ys, ye), text.confidence(hs, he)))

    if len({y for y, _, _ in years}) == 1:
        y, s, e = years[0]
        m = re.search(r"合\s*计\s*(\d{1,3})", full) or _last(r"(\d{1,3})\s*学\s*时", full)
        if m:
            keep(y, s, e, m, 0)
    else:
        for i, (y, s, e) in enumerate(years):
            stop = years[i + 1][1] if i + 1 < len(years) else len(full)
            segment = full[e:stop].split("\n")[0] if "\n" in full[e:stop] else full[e:stop]
            m = (re.search(r"合\s*计\s*(\d{1,3})", segment) or _last(r"(\d{1,3})\s*学\s*时", segment)
                 or _last(r"(?:^|\s)(\d{1,3})(?=\s*$)", segment))
            if m:
                keep(y, s, e, m, e)
    if not out:
        return []
    return [ExtractedValue(field="ce_hours", value=out, evidence=tuple(ev), extractor=extractor, document=doc.type,
                           confidence=round(min(confs), 3))]


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
    if full_dates:
        m = full_dates[-1]
        if m.value is not None:
            return [_value("graduation_date", m.value, text, m.start, m.end, extractor, doc, m.certainty, m.problem)]
        if period_end is not None and m.year is None and m.month == period_end.month and period_end.year:
            # the year was lost under the seal; the study period's end gives it
            value = f"{period_end.year:04d}-{m.month:02d}-{m.day:02d}"
            return [_value("graduation_date", value, text, m.start, m.end, extractor, doc, 0.75,
                           "year taken from the study period; the printed year was not legible")]
    if period_end is not None and period_end.value:
        # a month only, inferred: below merge.WEAK, so any legible full date elsewhere is preferred
        return [_value("graduation_date", period_end.value[:7], text, period_end.start, period_end.end, extractor, doc,
                       0.45, "issue date not legible; month from the study period")]
    return []


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


def report_sections(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    full = text.text
    found, spans = [], []
    for key, words in REPORT_SECTIONS.items():
        hits = [(full.find(w), w) for w in words if w in full]
        if hits:
            pos, w = min(hits)
            found.append(key)
            spans.append((pos, pos + len(w)))
    if not spans:
        return [ExtractedValue(field="report_sections", value=[], extractor=extractor, document=doc.type)]
    ev = tuple(e for s, t in spans for e in text.evidence(s, t, extractor))
    return [ExtractedValue(field="report_sections", value=found, evidence=ev, extractor=extractor,
                           document=doc.type, confidence=1.0)]


def opinion_items(doc: Document, text: DocText, extractor: str) -> list[ExtractedValue]:
    """Whether the unit opinion states, item by item, the conditions met."""
    full = text.text
    named = [w for w in OPINION_CONDITIONS if re.search(rf"{w}(?:条件|要求)?[：:]", full)]
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


def extra_readings(doc: Document, pages: list[PageText], ctx: ExtractContext, extractor: str,
                   so_far: list[ExtractedValue]) -> list[ExtractedValue]:
    text = DocText(pages)
    if doc.type == "appraisal":
        return appraisal(doc, text, ctx, extractor)
    if doc.type == "ce_certificate":
        return ce_hours(doc, text, extractor)
    if doc.type == "diploma":
        return diploma_date(doc, DocText(pages, joiner=""), extractor)
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
