"""Annual appraisal forms: the year appraised and its grade, printed, handwritten, stated in a
sentence, or ticked in a box (read from the pixels: the box that holds strokes)."""
from __future__ import annotations

import re

import numpy as np

from core.records import Document, ExtractedValue
from extract import dates, values
from extract.doctext import DocText
from extract.extractors import ExtractContext
from extract.found import label_pattern

GRADE_LABELS = ("考核等次", "考核结果", "考核意见", "年度考核结果", "考核等级", "评定等次")
BOX_CHARS = "口囗□☐▢"
TICK_CHARS = "☑✓√☒■✔▣"


def _value(field, value, text: DocText, start: int, end: int, extractor: str, doc: Document,
           certainty: float = 1.0, note: str | None = None) -> ExtractedValue:
    conf = text.confidence(start, end) * certainty
    return ExtractedValue(field=field, value=value, evidence=text.evidence(start, end, extractor), extractor=extractor,
                          document=doc.type, confidence=round(min(max(conf, 0.0), 1.0), 3), note=note)


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
