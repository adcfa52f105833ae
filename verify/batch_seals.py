"""FRAUD.SEAL_PASTED across the batch: one seal impression on two documents, of one applicant or of two.

A seal pressed by hand gives another impression every time; one impression on two documents was cut from
one scan and pasted onto the other (verify/seal_impression.py says how impressions are told apart: by the
ink's fine texture, not by the seal's design, which every impression shares).

Fingerprint (`page_seals`, called by verify.batch_images while a page's colour image is at hand): every unit
seal on a document the unit seals (`UNIT_SEALED`) — the `unit_sealed` readings' boxes, and on a probation
form or a scanned review form, where the extraction does not look, the first seal `find_seals` finds —
becomes a SealPrint with its normalised impression. Seals on diplomas, degree and continuing-education
certificates and the CHSI report are left out on purpose: a school or a training base prints its seal
with the certificate (every graduate of a year carries the same pixels), the CHSI report's seal is
electronic; a diploma copied from another applicant is FRAUD.DUPLICATE_IMAGE's finding.

Check (`pasted_pairs`):
1. impressions are grouped by design: each joins the leaders (at most two) whose design it matches
   (`design_match` ≥ DESIGN once laid on it), tried in the order of their polar correlation, else leads a
   group of its own. Seals of near-identical names share a group; that costs time, not findings;
2. in a group every impression is laid on the leader, and the texture correlation of every pair is computed
   at once (masked correlations as matrix products: a batch of hundreds of applicants has tens of
   thousands of pairs of one unit's seal); pairs at COARSE or more are candidates;
3. a candidate is aligned directly (`aligned_texture`, ECC) and correlated again: PASTED or more is one
   impression;
4. pairs on one page, or on two pages that are one sheet submitted twice (compared as FRAUD.DUPLICATE_IMAGE
   compares pages: that rule's finding, or a repeat within one dossier), are not pastes.
Impressions found to be one are gathered; each applicant involved gets one finding per impression, with
every copy's seal region as evidence (its own first), naming the other applicants.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from PIL import Image

from core.records import Dossier, Evidence, Finding, PageText
from extract.seals import content_box, find_seals, page_dpi
from verify.batch import Fingerprint, PagePrint, SealPrint, batch_check
from verify.batch_images import NEAR, TILE_NEAR, _Thumbs, _who, compare_pages, hash_distance, tile_distance
from verify.catalogue import finding
from verify.rules import NoticeRules
from verify.seal_impression import (MIN_SOLID, Impression, Polar, aligned_texture, decode, design_match, encode,
                                    laid_texture, normalise, onto, polar, polar_peaks)

log = logging.getLogger("dossier.verify")

RULE = "FRAUD.SEAL_PASTED"
EXTRACTOR = "seal_impression@1"
UNIT_SEALED = ("commitment", "unit_opinion", "publicity_record", "appraisal", "appointment", "probation",
               "review_form")
LOOK_AGAIN = ("probation", "review_form")  # sealed by the unit, but the extraction does not look for the seal
DESIGN = 0.5  # name bands correlating this well once laid on each other: one design (or near enough)
LEADER_TRIES = 3  # leaders (by polar correlation) an impression's design is laid on
MARGIN = 0.1  # an impression joins every leader it matches within this of its best match
COARSE = 0.3  # texture correlation in the leader's frame from which a pair is compared directly
PASTED = 0.4  # texture correlation (aligned directly) from which two impressions are one


# --- fingerprint ------------------------------------------------------------------------------------

def seal_boxes(dossier: Dossier) -> dict[tuple[str, int], list[tuple[str, tuple]]]:
    """(file, page) → [(document type, seal bbox)] of the seals the extraction found on unit documents."""
    boxes: dict[tuple[str, int], list[tuple[str, tuple]]] = {}
    for value in dossier.values:
        if value.field == "unit_sealed" and value.value is True and value.document in UNIT_SEALED:
            for ev in value.evidence:
                if ev.page is not None and ev.bbox is not None:
                    boxes.setdefault((ev.file, ev.page), []).append((value.document, tuple(ev.bbox)))
    return boxes


def page_seals(page: PageText, image: Image.Image, doc_type: str, boxes: list[tuple[str, tuple]]) -> list[SealPrint]:
    """SealPrints of the unit seals on one page (`boxes` from `seal_boxes`; looked for here on the pages
    of LOOK_AGAIN types). A seal whose rim cannot be traced is left out."""
    if not boxes and doc_type in LOOK_AGAIN:
        boxes = [(doc_type, s.bbox) for s in find_seals(image, content=content_box(page)).seals[:1]]
    out = []
    for seal_type, bbox in boxes:
        got = normalise(image, bbox, page_dpi(image.width, image.height))
        if got is None:
            log.debug("no seal rim traced on %s page %s at %s", page.file, page.page, bbox)
            continue
        strength, valid, ellipse, ink = got
        out.append(SealPrint(file=page.file, page=page.page, bbox=tuple(float(v) for v in bbox), doc_type=seal_type,
                             ink=ink, ellipse=tuple(round(float(v), 2) for v in ellipse),
                             impression=encode(strength, valid)))
    return out


# --- grouping by design and the pairs' texture --------------------------------------------------------

@dataclass(frozen=True)
class Seal:
    """One impression of the batch: whose and where (its pixels are decoded when needed: hundreds of
    applicants' impressions decoded at once would hold gigabytes)."""

    fp: Fingerprint
    print: SealPrint

    @property
    def page_key(self) -> tuple[str, str, int]:
        return self.fp.applicant, self.print.file, self.print.page

    def impression(self) -> Impression:
        return Impression(*decode(self.print.impression))


def _resolution(seal: Seal) -> float:
    return -sum(seal.print.ellipse[2:4]) if seal.print.ellipse else 0.0


def design_groups(seals: list[Seal]) -> list[list[tuple[int, np.ndarray]]]:
    """Impressions by design: each group a leader (transform: identity) and the members laid on it.

    Two passes. The leaders are elected first, the sharpest first: an impression no leader's design
    matches leads. Then every other impression joins the leader it matches best, and any other within
    MARGIN of that: the two copies of one impression match every leader alike, so they share a group
    whatever order they came in (joining the first leader that matched lost a pair whose own unit's
    leader was elected after one copy had joined a near-identical name)."""
    order = sorted(range(len(seals)), key=lambda i: _resolution(seals[i]))
    leaders = _Leaders()
    tried: dict[int, dict[int, tuple[float, np.ndarray]]] = {}
    for i in order:
        imp = seals[i].impression()
        tried[i] = leaders.matches(imp, polar(imp), {})
        if not any(match >= DESIGN for match, _ in tried[i].values()):
            leaders.add(i, imp)
    groups = {lead: [(lead, np.eye(2, 3, dtype=np.float64))] for lead in leaders.ids}
    for i in order:
        if i in groups:
            continue
        imp = seals[i].impression()
        found = {lead: got for lead, got in leaders.matches(imp, polar(imp), tried[i]).items() if got[0] >= DESIGN}
        best = max(match for match, _ in found.values())
        for lead, (match, transform) in found.items():
            if match >= best - MARGIN:
                groups[lead].append((i, transform))
    return list(groups.values())


class _Leaders:
    """The group leaders elected so far, with their polar spectra stacked for `polar_peaks`."""

    def __init__(self):
        self.ids: list[int] = []
        self._impressions: list[Impression] = []
        self._polars: list[Polar] = []
        self._stack = self._norms = None

    def add(self, i: int, imp: Impression) -> None:
        self.ids.append(i)
        self._impressions.append(imp)
        self._polars.append(polar(imp))
        self._stack = np.stack([p.spectrum for p in self._polars])
        self._norms = np.array([p.norm for p in self._polars], np.float32)

    def matches(self, imp: Impression, pol: Polar, known: dict) -> dict[int, tuple[float, np.ndarray]]:
        """Leader → (design match, transform laying `imp` on it), for the LEADER_TRIES leaders whose polar
        correlation with `imp` is highest (`known`: matches computed before, kept)."""
        out = dict(known)
        if not self.ids:
            return out
        for k in np.argsort(-polar_peaks(self._stack, self._norms, pol))[:LEADER_TRIES]:
            lead = self.ids[k]
            if lead not in out:
                transform = onto(self._impressions[k], imp, self._polars[k], pol)
                out[lead] = (design_match(self._impressions[k], imp, transform), transform)
        return out


def masked_correlations(textures: np.ndarray, solids: np.ndarray) -> np.ndarray:
    """Rows: impressions' textures (0 off their solid ink) and solid masks in one frame. [i, j]: the
    correlation of i's and j's texture over the pixels solid in both (0 where fewer than MIN_SOLID)."""
    n = solids @ solids.T
    sums = textures @ solids.T  # [i, j]: i's texture summed over j's solid ink
    squares = (textures * textures) @ solids.T
    safe = np.maximum(n, 1.0)
    var = np.maximum(squares - sums * sums / safe, 1e-9)
    r = (textures @ textures.T - sums * sums.T / safe) / np.sqrt(var * var.T)
    return np.where(n >= MIN_SOLID, r, 0.0)


def group_scores(seals: list[Seal], members: list[tuple[int, np.ndarray]]) -> dict[tuple[int, int], float]:
    """Every pair of a design group (i < j, on different pages) → its texture correlation in the leader's frame."""
    laid = [laid_texture(seals[i].impression(), transform) for i, transform in members]
    solids = np.array([solid.ravel() for _, solid in laid], np.float32)
    keep = solids.any(axis=0)  # only pixels some impression has solid ink on take part
    textures = np.array([texture.ravel()[keep] for texture, _ in laid], np.float32)
    scores = masked_correlations(textures, solids[:, keep])
    return {(min(i, j), max(i, j)): float(scores[x, y])
            for (x, (i, _)), (y, (j, _)) in combinations(enumerate(members), 2)
            if seals[i].page_key != seals[j].page_key}


def pasted_pairs(seals: list[Seal]) -> dict[tuple[int, int], float]:
    """Pairs of impressions that are one (direct texture correlation ≥ PASTED) → that correlation."""
    candidates = {pair for members in design_groups(seals) if len(members) > 1
                  for pair, score in group_scores(seals, members).items() if score >= COARSE}
    found = {}
    for i, j in sorted(candidates):
        score = aligned_texture(seals[i].impression(), seals[j].impression())
        log.debug("seal pair %s %s / %s %s: texture %.3f", seals[i].fp.applicant, seals[i].print.file,
                  seals[j].fp.applicant, seals[j].print.file, score)
        if score >= PASTED:
            found[(i, j)] = score
    return found


# --- one sheet twice is not a paste -------------------------------------------------------------------

def _page_of(seal: Seal) -> PagePrint | None:
    return next((p for p in seal.fp.pages if (p.file, p.page) == (seal.print.file, seal.print.page)), None)


def one_sheet(a: Seal, b: Seal, thumbs: _Thumbs) -> bool:
    """The two seals' pages are one sheet (scanned or photographed twice, or the same file twice): compared
    as FRAUD.DUPLICATE_IMAGE compares pages; without the reduced pages, by their hashes."""
    pa, pb = _page_of(a), _page_of(b)
    if pa is None or pb is None:
        return False
    ta, tb = thumbs.get(pa), thumbs.get(pb)
    if ta is None or tb is None:
        return hash_distance(pa, pb) <= NEAR and tile_distance(pa, pb) <= TILE_NEAR
    return compare_pages(ta[0], tb[0], ta[1], tb[1]).same


# --- findings -------------------------------------------------------------------------------------------

def _clusters(pairs: dict[tuple[int, int], float]) -> list[tuple[list[int], float]]:
    """Impressions joined by pairs, each group with its highest correlation."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.setdefault(i, i) != i:
            i = parent[i]
        return i

    for i, j in pairs:
        parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in sorted(parent):
        groups.setdefault(root(i), []).append(i)
    return [(members, max(s for (i, j), s in pairs.items() if i in members)) for members in groups.values()]


def _where(seal: Seal) -> str:
    from verify.checks_cross import DOC_ZH

    return f"{DOC_ZH.get(seal.print.doc_type, '材料')}（{seal.print.file} 第{seal.print.page}页）"


def _message(own: list[Seal], others: list[Seal], score: float) -> str:
    mine = "、".join(_where(s) for s in own)
    theirs = {}
    for s in others:
        theirs.setdefault(s.fp.applicant, (s.fp, []))[1].append(_where(s))
    elsewhere = "；".join(f"申报人{_who(fp)}的{'、'.join(where)}" for fp, where in theirs.values())
    same = f"本申报材料中{mine}上的单位公章印迹" + (f"与{elsewhere}上的印迹" if others else "")
    return (f"{same}为同一枚印迹（印油浓淡与漏白斑点逐点相同，对齐后纹理相关系数 {score:.2f}）。手工加盖的公章每次印迹都不相同，"
            f"同一印迹出现在{len(own) + len(others)}份材料上，疑似印章图像复制粘贴，而非加盖。"
            + ("涉及的申报人均已标注；" if theirs else "") + "请人工核对原件。")


def _evidence(seal: Seal) -> Evidence:
    return Evidence(file=seal.print.file, page=seal.print.page, bbox=seal.print.bbox,
                    text=f"{seal.print.ink} seal impression", extractor=EXTRACTOR)


@batch_check("seals.pasted", emits=(RULE,))
def pasted_seals(prints: list[Fingerprint], rules: NoticeRules, out: Path | None) -> dict[str, list[Finding]]:
    """FRAUD.SEAL_PASTED for every applicant one of whose seal impressions appears on another page too."""
    seals = [Seal(fp, sp) for fp in prints for sp in fp.seals if sp.impression]
    thumbs = _Thumbs(out)
    pairs = {pair: score for pair, score in pasted_pairs(seals).items()
             if not one_sheet(seals[pair[0]], seals[pair[1]], thumbs)}
    found: dict[str, list[Finding]] = {}
    for members, score in _clusters(pairs):
        for key in dict.fromkeys(seals[i].fp.applicant for i in members):
            own = [seals[i] for i in members if seals[i].fp.applicant == key]
            others = [seals[i] for i in members if seals[i].fp.applicant != key]
            found.setdefault(key, []).append(finding(RULE, _message(own, others, score),
                                                     evidence=[_evidence(s) for s in own + others]))
    return found
