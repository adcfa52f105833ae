"""Annual appraisal forms: the year appraised and its grade, printed, handwritten, stated in a
sentence, or ticked in a box (read from the pixels: the box that holds strokes)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from core.records import Document, ExtractedValue
from extract import dates, values
from extract.doctext import DocText
from extract.extractors import ExtractContext
from extract.found import label_pattern, value_at as _value

GRADE_LABELS = ("考核等次", "考核结果", "考核意见", "年度考核结果", "考核等级", "评定等次")
BOX_CHARS = "口囗□☐▢"
TICK_CHARS = "☑✓√☒■✔▣"



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


@dataclass(frozen=True)
class Option:
    """A grade word printed as one of the choices (or the only grade) next to the grade label."""

    value: str
    start: int  # span in DocText.text
    end: int


def _ink_left_of(image, bbox) -> float:
    """Dark share of the square left of a word (and a little above it: a pen tick rises out of its box)."""
    x0, y0, x1, y1 = bbox
    h = y1 - y0
    region = (int(x0 - 1.6 * h), int(y0 - 0.5 * h), int(x0 - 0.05 * h), int(y1 + 0.1 * h))
    if region[2] - region[0] < 3:
        return 0.0
    crop = np.asarray(image.crop(region).convert("L"), dtype=np.uint8)
    return float((crop < 128).mean())


def _decide(inks: list[float], strong: float, ratio: float) -> tuple[int, float] | None:
    order = sorted(range(len(inks)), key=lambda i: -inks[i])
    best, second = inks[order[0]], (inks[order[1]] if len(inks) > 1 else 0.0)
    if best < strong or best < ratio * second:
        return None
    return order[0], (0.95 if best > 2 * ratio * max(second, 1e-6) else 0.85)


def tick_from_pixels(text: DocText, options: list[Option], ctx: ExtractContext) -> tuple[Option, float] | None:
    """The option whose printed box holds a tick, on the page image. First the clean way: square
    frames found on each option's line, each belonging to the word after it, the one with strokes
    inside wins. Else (a pen tick merges with its frame) the ink just left of each word is compared."""
    if ctx.images is None or len(options) < 2:
        return None
    starts: list[tuple[float, float, float, float]] = []
    lines = []
    for o in options:
        ev = text.evidence(o.start, o.start + 1)
        line = text.line_at(o.start)
        if not ev or ev[0].bbox is None or line is None or line.line.bbox is None:
            return None
        starts.append(ev[0].bbox)
        lines.append(line)
    image = ctx.images.get(lines[0].page)
    if image is None:
        return None
    inside = [0.0] * len(options)
    owned = [False] * len(options)
    for line in {ln.start: ln for ln in lines}.values():
        idx = [i for i, ln in enumerate(lines) if ln.start == line.start]
        lx0, ly0, lx1, ly1 = line.line.bbox
        h = ly1 - ly0
        for bx0, _, bx1, _, ink in find_boxes(image, (lx0 - 1.5 * h, ly0 - 0.3 * h, lx1 + h, ly1 + 0.3 * h)):
            after = [i for i in idx if starts[i][0] >= bx1 - 0.6 * (bx1 - bx0)]
            if after:
                i = min(after, key=lambda i: starts[i][0])
                inside[i], owned[i] = max(inside[i], ink), True
    if sum(owned) >= len(options) - 1:
        got = _decide(inside, 0.08, 2.0)
        if got is not None:
            return options[got[0]], got[1]
    left = [_ink_left_of(image, b) for b in starts]
    if sum(owned) == len(options) - 1 and max(inside) < 0.03:
        # every other option has a clean, empty box; the one whose box is no clean square is the one
        # marked (a pen tick joins its frame) — if it is also the inkiest
        marked = owned.index(False)
        if left[marked] == max(left):
            return options[marked], 0.85
    got = _decide(left, 0.06, 1.5)
    return (options[got[0]], min(got[1], 0.85)) if got is not None else None


def _only_option(text: DocText, line) -> Option | None:
    """The grade of a line that holds nothing but one option (and its box, if OCR kept it) — or a
    fragment of one that only one grade word contains ("秀": the 优 beside a pen tick was lost)."""
    from extract.lexicon import load_lexicon

    body = text.text[line.start:line.end]
    grades = values.find_grades(body)
    rest = re.sub(f"[{BOX_CHARS}{TICK_CHARS}\\s]", "", body)
    if len(grades) == 1 and len(rest) == grades[0].end - grades[0].start:
        return Option(grades[0].value, line.start + grades[0].start, line.start + grades[0].end)
    if not grades and 1 <= len(rest) <= 3:
        holders = [g for g in load_lexicon().grade_words() if rest in g]
        if len(holders) == 1:
            at = body.index(rest)
            return Option(holders[0], line.start + at, line.start + at + len(rest))
    return None


def options_at(text: DocText, m: re.Match) -> tuple[list[Option], int, int]:
    """The grade words printed with the label matched by `m`: after it on its line, and on the
    option-only lines just above and below (a vertical list beside the label). Also the span they cover."""
    line = text.line_at(m.start())
    if line is None:
        return [], m.end(), m.end()
    options = [Option(g.value, m.end() + g.start, m.end() + g.end)
               for g in values.find_grades(text.text[m.end():line.end])]
    around = []
    for step in (text.prev_line, text.next_line):
        cur = line
        for _ in range(4):
            cur = step(cur)
            if cur is None or cur.page is not line.page:
                break
            option = _only_option(text, cur)
            if option is None:
                break
            around.append(option)
    if not options and len(around) == 1 and around[0].start > line.start:
        options = around  # the grade written on the line below its label
    elif options or len(around) >= 2:
        options = sorted(options + around, key=lambda o: o.start)
    if not options:
        return [], m.end(), line.end
    return options, min(o.start for o in options), max(o.end for o in options)


def appraisal(doc: Document, text: DocText, ctx: ExtractContext, extractor: str) -> list[ExtractedValue]:
    year = _appraisal_year(text)
    grade_at = None
    unread_cell = None  # a grade label with something illegible after it: where a second look should go
    for label in GRADE_LABELS:
        for m in label_pattern(label).finditer(text.text):
            options, span_start, span_end = options_at(text, m)
            if not options:
                line = text.line_at(m.start())
                if unread_cell is None and line is not None and text.text[m.end():line.end].strip():
                    unread_cell = (m.end(), line.end)
                continue
            segment = text.text[span_start - 1 if span_start > m.end() else span_start: span_end]
            line = text.line_at(m.start())
            boxed = any(c in text.text[m.end():line.end if line else span_end] + segment for c in BOX_CHARS + TICK_CHARS)
            if len(options) == 1 and not boxed:
                o = options[0]
                grade_at = (o.value, o.start, o.end, 1.0, None)
                break
            choice = values.read_tick_choice(text.text[min(span_start, m.end()):span_end])
            if choice is not None and choice.value is None:
                choice = None  # the text alone cannot tell
            pixels = tick_from_pixels(text, options, ctx)
            if pixels is not None and (choice is None or choice.value == pixels[0].value or choice.certainty < 1.0):
                # an explicit ☑ read by OCR is evidence; a choice inferred from which 口 OCR kept is not
                o, certainty = pixels
                note = None if choice is None or choice.value == o.value else f"the text suggested {choice.value}"
                grade_at = (o.value, o.start, o.end, certainty * (1.0 if note is None else 0.8), note)
            elif choice is not None:
                base = min(span_start, m.end())
                note = None if pixels is None else f"the ticked box looks like {pixels[0].value}"
                grade_at = (choice.value, base + choice.start, base + choice.end,
                            choice.certainty * (0.6 if pixels else 1.0), note)
            else:
                grade_at = (None, span_start, span_end, 0.0, "a tick-box list whose ticked option could not be told")
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
    if grade_at is None and unread_cell is not None:
        gs, ge = unread_cell
        grade_at = (None, gs, ge, 0.0, f"the grade reads {text.text[gs:ge].strip()!r}, which is no grade")
    if grade_at is None:
        return [_value("appraisals", {str(y): None}, text, ys, ye, extractor, doc, 0.0,
                       note="the grade could not be read")]
    grade, gs, ge, certainty, note = grade_at
    conf = min(text.confidence(ys, ye), text.confidence(gs, ge)) * certainty
    ev = text.evidence(ys, ye, extractor) + text.evidence(gs, ge, extractor)
    return [ExtractedValue(field="appraisals", value={str(y): grade}, evidence=ev, extractor=extractor,
                           document=doc.type, confidence=round(min(max(conf, 0.0), 1.0), 3), note=note)]
