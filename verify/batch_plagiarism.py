"""FRAUD.PLAGIARISM across the batch: work summary reports that overlap beyond their shared template.

Each applicant's report (the `Fingerprint.report` lines) is normalised — NFKC, spaces, punctuation and
digits dropped, Chinese-numeral dates dropped, and every name and employer of the batch taken out, so a
copy with the names swapped is the same text as its source — and cut into character 5-gram shingles.
Shingles found in many reports of the batch are the template every report uses (the headings, "本人负责
现场技术资料收集与方案编制…"); they are removed before anything is compared (`boilerplate`). MinHash LSH
(datasketch) proposes candidate pairs; the exact Jaccard of the remaining shingles decides. A pair at or
above `THRESHOLD` is a warn finding for BOTH applicants: nobody can tell from the text which is the
source. The evidence is the longest overlapping passages, one line of each side per passage, in pairs
(this applicant's line, then the other's), each with the line's own file, page and bbox (PDF points on a
text-layer page, pixels on a scan, none in a DOCX).

Measured on the three 30-applicant fixture batches (bench/fraud_batch.py): see BOILERPLATE_SHARE, THRESHOLD.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.records import Evidence, Finding
from verify.batch import Fingerprint, TextLine, batch_check
from verify.catalogue import finding
from verify.rules import NoticeRules

RULE = "FRAUD.PLAGIARISM"
SHINGLE = 5
# A shingle in at least this share of the batch's reports (and in at least BOILERPLATE_MIN of them) is
# template phrasing, not anybody's own text. Why not "in ≥ 3 reports": reports drawn from the same phrase
# banks share sentences with a third report by chance, so that rule also removed most of what a copy shares
# with its source (planted copies fell from 0.81 / 0.59 to 0.37 / 0.23) — and a ring of three copies of one
# report would vanish whole. BOILERPLATE_MIN keeps a small batch (share × n < 4) from doing the same.
BOILERPLATE_SHARE = 0.3
BOILERPLATE_MIN = 4
# Jaccard (boilerplate removed) at or above which two reports are reported as overlapping. Measured on
# the three fixture batches (bench/fraud_batch.py): the planted copies 0.81 / 0.59 / 0.47 (the lowest:
# source and copy printed in different layouts, so their headings and form labels differ), every other
# pair at most 0.31 / 0.21 / 0.32 (p99 0.24 / 0.18 / 0.26): the threshold sits between.
THRESHOLD = 0.4
# Fewer reports than this and the template cannot be told from the batch: nothing is removed, and only a
# near-verbatim copy is reported (raw Jaccard: planted copies 0.93 / 0.68 / 0.68, other pairs ≤ 0.57).
TEMPLATE_BATCH = 8
SMALL_BATCH_THRESHOLD = 0.75
LSH_THRESHOLD = 0.2  # candidate pairs: well below THRESHOLD, so MinHash's error does not lose a pair
NUM_PERM = 128
MIN_SHINGLES = 40  # a report with less own text than this (unread, a stub) is not compared
MIN_PASSAGE = 8  # characters: a shorter common run is a shared phrase, not a copied passage
MAX_PASSAGES = 4  # evidence: at most this many lines per side

_KEEP = re.compile(r"[\w]", re.UNICODE)
_CN_DATE = re.compile(r"[〇○零一二三四五六七八九十]+(?=[年月日号])")


@dataclass(frozen=True)
class NormalText:
    """A report's text as compared: `text[i]` comes from `lines[line_of[i]]`."""

    text: str
    line_of: tuple[int, ...]
    lines: tuple[TextLine, ...]


def _strip(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if _KEEP.match(ch) and not ch.isdigit()
                   and ch != "_").lower()


def normalise(lines: tuple[TextLine, ...], names: set[str] = frozenset()) -> NormalText:
    """The report's characters that carry its content, each mapped to its line. `names`: the people and
    employers of the batch, removed wherever they stand (also across a line break)."""
    chars: list[str] = []
    line_of: list[int] = []
    for i, line in enumerate(lines):
        for ch in line.text:
            for c in unicodedata.normalize("NFKC", ch).lower():
                if _KEEP.match(c) and not c.isdigit() and c != "_":
                    chars.append(c)
                    line_of.append(i)
    text = "".join(chars)
    drop = [False] * len(text)
    for m in _CN_DATE.finditer(text):
        drop[m.start():m.end()] = [True] * (m.end() - m.start())
    for name in sorted({_strip(n) for n in names if n}, key=len, reverse=True):
        if len(name) < 2:
            continue
        for m in re.finditer(re.escape(name), text):
            drop[m.start():m.end()] = [True] * (m.end() - m.start())
    kept = [i for i in range(len(text)) if not drop[i]]
    return NormalText("".join(text[i] for i in kept), tuple(line_of[i] for i in kept), tuple(lines))


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def boilerplate(sets: dict[str, set[str]], share: float = BOILERPLATE_SHARE,
                minimum: int = BOILERPLATE_MIN) -> set[str]:
    """Shingles that at least `share` of the reports (and at least `minimum` of them) contain."""
    counts: dict[str, int] = {}
    for s in sets.values():
        for sh in s:
            counts[sh] = counts.get(sh, 0) + 1
    need = max(minimum, share * len(sets))
    return {sh for sh, n in counts.items() if n >= need}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def candidate_pairs(sets: dict[str, set[str]], threshold: float = LSH_THRESHOLD,
                    num_perm: int = NUM_PERM) -> set[tuple[str, str]]:
    """Pairs of keys whose MinHash signatures collide in some LSH band (datasketch), sorted within a pair."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = {}
    for key, s in sets.items():
        m = MinHash(num_perm=num_perm)
        m.update_batch([sh.encode("utf-8") for sh in sorted(s)])
        hashes[key] = m
        lsh.insert(key, m)
    return {tuple(sorted((key, other))) for key, m in hashes.items() for other in lsh.query(m) if other != key}


@dataclass(frozen=True)
class Overlap:
    a: str
    b: str
    jaccard: float
    chars: int  # characters of the normalised text in common runs of ≥ MIN_PASSAGE
    lines_a: int  # lines of a / b mostly (≥ 80 %) inside those runs
    lines_b: int
    # (start in a, start in b, length) of the runs holding shingles outside the template, most such first
    blocks: tuple[tuple[int, int, int], ...]


def _covered_lines(norm: NormalText, spans: list[tuple[int, int]]) -> int:
    total: dict[int, int] = {}
    inside: dict[int, int] = {}
    for li in norm.line_of:
        total[li] = total.get(li, 0) + 1
    for start, end in spans:
        for li in norm.line_of[start:end]:
            inside[li] = inside.get(li, 0) + 1
    return sum(1 for li, n in inside.items() if n >= 0.8 * total[li])


def compare(a: str, b: str, na: NormalText, nb: NormalText, own: float, template: set[str]) -> Overlap:
    """The common runs of two reports, the most distinctive (fewest template shingles) first."""
    matcher = difflib.SequenceMatcher(None, na.text, nb.text, autojunk=False)
    blocks = [blk for blk in matcher.get_matching_blocks() if blk.size >= MIN_PASSAGE]

    def distinctive(blk) -> int:
        return sum(1 for sh in shingles(na.text[blk.a:blk.a + blk.size]) if sh not in template)

    ranked = sorted(((distinctive(blk), blk) for blk in blocks), key=lambda x: (-x[0], -x[1].size, x[1].a))
    return Overlap(a, b, own, sum(blk.size for blk in blocks),
                   _covered_lines(na, [(blk.a, blk.a + blk.size) for blk in blocks]),
                   _covered_lines(nb, [(blk.b, blk.b + blk.size) for blk in blocks]),
                   tuple((blk.a, blk.b, blk.size) for n, blk in ranked if n))


def _best_line(norm: NormalText, start: int, size: int, template: set[str]) -> int:
    """The line holding most of the run's characters that lie in shingles outside the template."""
    text = norm.text
    own = [False] * size
    for i in range(max(0, size - SHINGLE + 1)):
        if text[start + i:start + i + SHINGLE] not in template:
            own[i:i + SHINGLE] = [True] * SHINGLE
    counts: dict[int, tuple[int, int]] = {}
    for i, li in enumerate(norm.line_of[start:start + size]):
        mine, every = counts.get(li, (0, 0))
        counts[li] = (mine + own[i], every + 1)
    return max(counts, key=lambda li: (counts[li], -li))


def passage_evidence(na: NormalText, nb: NormalText, blocks, template: set[str] = frozenset(),
                     limit: int = MAX_PASSAGES) -> list[Evidence]:
    """Side by side: for each of the most distinctive common runs, the line of `na` holding most of its
    non-template text, then the line of `nb` where that line's common part sits. At most `limit` lines per
    side, no line twice."""
    out: list[Evidence] = []
    seen: set[tuple[int, int]] = set()
    for start_a, start_b, size in blocks:
        la = _best_line(na, start_a, size, template)
        offsets = [i for i in range(size) if na.line_of[start_a + i] == la]
        lb = nb.line_of[start_b + offsets[len(offsets) // 2]]
        if (la, lb) in seen:
            continue
        seen.add((la, lb))
        for line in (na.lines[la], nb.lines[lb]):
            out.append(Evidence(file=line.file, page=line.page, bbox=line.bbox, text=line.text,
                                extractor="plagiarism@1"))
        if len(seen) >= limit:
            break
    return out


def _who(fp: Fingerprint) -> str:
    return f"{fp.name}（{fp.applicant}）" if fp.name and fp.name not in fp.applicant else fp.applicant


def _message(other: Fingerprint, ov: Overlap, own_lines: int, other_lines: int, total_own: int, total_other: int,
             template: bool) -> str:
    removed = "各总结通用套话及姓名、单位、日期" if template else "姓名、单位、日期（本批总结过少，未能识别通用套话）"
    return (f"疑似工作总结雷同：本人专业技术工作总结与申报人{_who(other)}的工作总结大段相同"
            f"（去除{removed}后，字符5-gram Jaccard相似度 {ov.jaccard:.2f}；"
            f"连续相同文字共约{ov.chars}字，本人{total_own}行中{own_lines}行、对方{total_other}行中{other_lines}行基本相同）。"
            f"仅凭文字无法判断哪一份是原文、哪一份是抄袭，两人均已标注；请人工对照双方原件核对。")


def find_overlaps(prints: list[Fingerprint], threshold: float | None = None) -> tuple[list[Overlap], dict]:
    """Confirmed overlapping pairs, and what was measured on the way (for the bench): every compared
    pair's Jaccard (`jaccards`, only LSH candidates), the normalised texts, the template shingles and the
    threshold used (default THRESHOLD, or SMALL_BATCH_THRESHOLD in a batch too small to learn the template)."""
    names = {v for fp in prints for v in (fp.name, fp.employer) if v}
    texts = {fp.applicant: normalise(fp.report, names) for fp in prints if fp.report}
    raw = {key: shingles(t.text) for key, t in texts.items()}
    raw = {key: s for key, s in raw.items() if len(s) >= MIN_SHINGLES}
    small = len(raw) < TEMPLATE_BATCH
    template = set() if small else boilerplate(raw)
    if threshold is None:
        threshold = SMALL_BATCH_THRESHOLD if small else THRESHOLD
    own = {key: s - template for key, s in raw.items()}
    own = {key: s for key, s in own.items() if s}
    jaccards = {pair: jaccard(own[pair[0]], own[pair[1]]) for pair in candidate_pairs(own)}
    found = [compare(a, b, texts[a], texts[b], j, template) for (a, b), j in sorted(jaccards.items()) if j >= threshold]
    return found, {"jaccards": jaccards, "texts": texts, "template": template, "own": own, "threshold": threshold}


@batch_check("plagiarism", emits=(RULE,))
def plagiarism(prints: list[Fingerprint], rules: NoticeRules, out: Path | None = None) -> dict[str, list[Finding]]:
    """FRAUD.PLAGIARISM for both applicants of every pair of work reports that overlap beyond the template."""
    by_key = {fp.applicant: fp for fp in prints}
    found, seen = find_overlaps(prints)
    texts = seen["texts"]
    result: dict[str, list[Finding]] = {}
    for ov in found:
        na, nb = texts[ov.a], texts[ov.b]
        swapped = tuple((sb, sa, size) for sa, sb, size in ov.blocks)
        sides = ((ov.a, ov.b, na, nb, ov.blocks, ov.lines_a, ov.lines_b),
                 (ov.b, ov.a, nb, na, swapped, ov.lines_b, ov.lines_a))
        for me, other, mine, theirs, blocks, my_lines, their_lines in sides:
            message = _message(by_key[other], ov, my_lines, their_lines, len(set(mine.line_of)), len(set(theirs.line_of)),
                               bool(seen["template"]))
            result.setdefault(me, []).append(
                finding(RULE, message, field="work_report",
                        evidence=passage_evidence(mine, theirs, blocks, seen["template"])))
    return result
