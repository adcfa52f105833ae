"""Group a PDF page's characters into lines and words, in displayed (rotated) page coordinates.

Characters are grouped per writing direction (a landscape table on a /Rotate-d page reads
sideways): in the direction's own frame, a char joins a line when its centre lies within the line's
band; a gap wider than WORD_GAP × the font size starts a new word, wider than SEGMENT_GAP × a new
line segment (form fields far apart become separate lines, as OCR would give them).
"""
from __future__ import annotations

from collections import defaultdict

from core.records import Line, Word

WORD_GAP = 0.3
SEGMENT_GAP = 2.5

# unit direction of writing in top-left display coordinates → index
_DIRS = {(1, 0): 0, (0, 1): 1, (-1, 0): 2, (0, -1): 3}


def _direction(ch: dict) -> tuple[int, int]:
    a, b = ch.get("matrix", (1, 0, 0, 1, 0, 0))[:2]
    dx, dy = a, -b  # PDF space is y-up; display is y-down
    if abs(dx) >= abs(dy):
        return (1, 0) if dx >= 0 else (-1, 0)
    return (0, 1) if dy > 0 else (0, -1)


def _frame(ch: dict, d: tuple[int, int]) -> tuple[float, float, float, float]:
    """(u0, u1, v0, v1): extent along the writing direction and across it (downwards)."""
    x0, x1, top, bottom = ch["x0"], ch["x1"], ch["top"], ch["bottom"]
    if d == (1, 0):
        return x0, x1, top, bottom
    if d == (-1, 0):
        return -x1, -x0, -bottom, -top
    if d == (0, 1):  # writing downwards: "down" of the text is the -x direction
        return top, bottom, -x1, -x0
    return -bottom, -top, x0, x1  # writing upwards


def group_lines(chars: list[dict]) -> tuple[Line, ...]:
    by_dir: dict[tuple[int, int], list] = defaultdict(list)
    for ch in chars:
        text = ch.get("text", "")
        if not text:
            continue
        d = _direction(ch)
        u0, u1, v0, v1 = _frame(ch, d)
        by_dir[d].append((u0, u1, v0, v1, ch))
    out: list[Line] = []
    # the dominant direction first, then the rest
    for d in sorted(by_dir, key=lambda k: (-len(by_dir[k]), _DIRS[k])):
        out.extend(_lines_one_direction(by_dir[d]))
    return tuple(out)


def _lines_one_direction(items: list) -> list[Line]:
    items.sort(key=lambda it: ((it[2] + it[3]) / 2, it[0]))
    rows: list[dict] = []
    for it in items:
        u0, u1, v0, v1, ch = it
        vc = (v0 + v1) / 2
        for row in reversed(rows[-4:]):  # items come sorted by v: only recent rows can match
            if row["v0"] <= vc <= row["v1"]:
                row["items"].append(it)
                break
        else:
            rows.append({"v0": v0, "v1": v1, "items": [it]})
    lines: list[Line] = []
    for row in rows:
        row_items = _mark_spaces(sorted(row["items"], key=lambda it: it[0]))
        if not row_items:
            continue
        for segment in _split(row_items, SEGMENT_GAP):
            words = [_word(w) for w in _split(segment, WORD_GAP)]
            lines.append(Line(text=" ".join(w.text for w in words), bbox=_union(w.bbox for w in words),
                              confidence=1.0, words=tuple(words)))
    return lines


def _mark_spaces(items: list) -> list:
    """Drop space glyphs; the char after one carries `space_before` (a word break the PDF spelled)."""
    out, pending = [], False
    for u0, u1, v0, v1, ch in items:
        if ch["text"].isspace():
            pending = bool(out)
            continue
        out.append((u0, u1, v0, v1, ch, pending))
        pending = False
    return out


def _split(items: list, gap_factor: float) -> list[list]:
    groups: list[list] = [[items[0]]]
    for prev, cur in zip(items, items[1:]):
        size = max(prev[3] - prev[2], cur[3] - cur[2], 1.0)
        spelled = cur[5] and gap_factor == WORD_GAP
        if spelled or cur[0] - prev[1] > gap_factor * size:
            groups.append([cur])
        else:
            groups[-1].append(cur)
    return groups


def _word(items: list) -> Word:
    chars = [it[4] for it in items]
    bbox = _union((c["x0"], c["top"], c["x1"], c["bottom"]) for c in chars)
    return Word(text="".join(c["text"] for c in chars), bbox=bbox, confidence=1.0)


def _union(boxes) -> tuple[float, float, float, float]:
    boxes = list(boxes)
    return (round(min(b[0] for b in boxes), 2), round(min(b[1] for b in boxes), 2),
            round(max(b[2] for b in boxes), 2), round(max(b[3] for b in boxes), 2))
