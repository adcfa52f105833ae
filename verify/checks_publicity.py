"""The 三公示 of 五(一) and the order of the application's steps (四): PUB.MISSING, PUB.PHOTO_MISSING,
PUB.CONTENT, PUB.PHOTO_DATE, PUB.ORDER; and the applicant's timeline, DATE.IMPOSSIBLE (verify/timeline.py).
PUB.DURATION is in checks_notice.py.

The notice: 严格执行“三公示”制度，及评审条件、个人申报条件、单位鉴定意见公示……公示期不少于5个工作日，在提交
申报材料时，须一并提交公示原件及公示现场图片（公示张贴地点的照片截图或者公示在其他单位公开网站上的网页截图）.

Decisions, for the reviewer and the next engineer:
- PUB.MISSING (block) only when the dossier holds neither the 三公示纪实表 nor a photo or screenshot of
  the posting: then nothing shows that the publicity took place. A photo alone shows that it did (and
  often its period): the missing original is missing evidence, EVID.MISSING (error) on
  `publicity_record`, not ineligibility. When a page no document type claimed speaks of a 公示, or a
  file could not be read, the record may be there after all: PUB.MISSING becomes CHECK.UNDECIDED (a
  block is never fired on a guess); the errors stay, saying where the document may be.
- PUB.CONTENT: the 纪实表 is the unit's signed account of what was publicised (公示内容), so it decides;
  an item it lacks is an error even if the photographed notice names it (the message says so). Only an
  item that a reading at or above the confidence threshold lacks is reported missing, and not when the
  list read ends on a separator (a wrapped cell: the rest stands on the next line); a record whose
  contents were not read, or read weakly, falls back on the posting's photo, else CHECK.UNDECIDED.
- PUB.PHOTO_DATE (warn): fires when no photo of the posting with a capture time (EXIF) was taken
  within the publicity period, by day, both ends included. A photo within it shows the posting up
  during the period; another taken later (notices stay up) proves nothing against it. No EXIF: nothing.
- PUB.ORDER (error): the publicity ends after the materials' date (ending on that very day passes: the
  publicity has run its course when the materials are handed in with its record), or starts before
  the unit opinion is dated (the same day passes). An opinion date later than the materials' date (or,
  without one, the submission window's end, or the future) is not believed: the opinion is handed in
  with the materials, so such a reading is a date quoted in its text (e.g. a sanction's end).
Every comparison uses every confident reading (verify.timeline.dates_of) and fires only when all of
them agree that the order is wrong: a misread date does not accuse anyone.
"""
from __future__ import annotations

import re

from core.records import Dossier, Evidence, Finding, PageText
from extract.found_special import PUBLICITY_ITEMS
from verify.catalogue import finding
from verify.checks import check
from verify.facts import day as _day, has_document, readings, value as _value, zh as _zh
from verify.rules import NoticeRules
from verify.timeline import Dated, dates_of, horizon, impossible, zh_date

ITEM_ZH = {key: words[0] for key, words in PUBLICITY_ITEMS.items()}  # conditions → 评审条件 ...
# words that make an unclassified page look like a publicity record or posting
PUBLICITY_WORDS = ("三公示", "公示纪实", "予以公示", "公示时间", "公示期")


def _unclaimed_publicity_pages(dossier: Dossier) -> list[PageText]:
    """Pages no specific document type claimed (type `other`, or in no document) that speak of a 公示."""
    claimed = {(d.file, p) for d in dossier.documents if d.type != "other" for p in d.pages}
    return [p for p in dossier.pages if (p.file, p.page) not in claimed and any(w in p.text for w in PUBLICITY_WORDS)]


@check("publicity.documents", emits=("PUB.MISSING", "PUB.PHOTO_MISSING", "EVID.MISSING", "CHECK.UNDECIDED"))
def publicity_documents(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """PUB.MISSING: neither the 三公示纪实表 nor a photo of the posting; PUB.PHOTO_MISSING: no photo or
    screenshot of the posting; EVID.MISSING: a photo but no 纪实表 (see the module's docstring)."""
    record, photo = has_document(dossier, "publicity_record"), has_document(dossier, "publicity_photo")
    if record and photo:
        return []
    unclaimed = _unclaimed_publicity_pages(dossier)
    unreadable = [f.path for f in dossier.files if f.status != "ok" or f.issues]
    maybe = ""  # where a missing document may be after all
    if unclaimed:
        maybe = f"（{'、'.join(f'{p.file}第{p.page}页' for p in unclaimed[:3])}提及公示，未被识别为公示材料，请人工核对）"
    elif unreadable:
        maybe = f"（另有文件无法读取：{'、'.join(unreadable[:3])}，所缺材料可能在其中，请人工核对）"
    where = [Evidence(file=p.file, page=p.page) for p in unclaimed[:3]] or [Evidence(file=f) for f in unreadable[:3]]
    out = []
    if not record and not photo:
        if maybe:  # never a block on a guess: the record may be in an unrecognised page or an unreadable file
            out.append(finding("CHECK.UNDECIDED", f"未见三公示纪实表及公示现场照片{maybe}，是否执行“三公示”制度无法判断（五(一)）",
                               field="publicity_record", evidence=where))
        else:
            out.append(finding("PUB.MISSING", "申报材料中既无三公示纪实表，也无公示现场照片或网页截图，无法证明已执行“三公示”制度"
                                              "（五(一)）", field="publicity_record"))
    elif not record:
        out.append(finding("EVID.MISSING", f"有公示现场照片，但缺少三公示纪实表（公示原件），提交申报材料时须一并提交{maybe}"
                                           f"（五(一)）", field="publicity_record", evidence=where))
    if not photo:
        out.append(finding("PUB.PHOTO_MISSING", f"缺少公示现场照片或公示网页截图，提交申报材料时须一并提交{maybe}（五(一)）",
                           field="publicity_photo", evidence=where))
    return out


@check("publicity.content", emits=("PUB.CONTENT", "CHECK.UNDECIDED"))
def publicity_content(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """PUB.CONTENT: the publicity does not cover all the items of rules.publicity_items."""
    required = [k for k in rules.publicity_items]
    threshold = rules.ocr_low_confidence
    record = readings(dossier, "publicity_items", document="publicity_record")
    photo = readings(dossier, "publicity_items", document="publicity_photo")
    on_record = {k for v in record for k in v.value}
    on_photo = {k for v in photo for k in v.value}
    if has_document(dossier, "publicity_record"):
        missing = [k for k in required if k not in on_record]
        if not missing:
            return []
        confident = [v for v in record if v.confidence >= threshold and not _cut_short(v)]
        if confident:
            also = [k for k in missing if k in on_photo]
            note = f"（公示现场照片中提及{_names(also)}，但纪实表未载明）" if also else ""
            return [finding("PUB.CONTENT", f"三公示纪实表所列公示内容为{_names([k for k in required if k in on_record])}，"
                                           f"缺少{_names(missing)}{note}；须对{_names(required)}进行公示（五(一)）",
                            field="publicity_record", evidence=[e for v in confident for e in v.evidence[:1]][:2])]
        if not [k for k in missing if k not in on_photo]:
            return []  # the record is illegible there; the photographed notice names every item
        shown = f"仅读出{_names([k for k in required if k in on_record | on_photo])}" if on_record | on_photo else "未能读出"
        return [finding("CHECK.UNDECIDED", f"三公示纪实表的公示内容{shown}，无法确认是否包含{_names(missing)}，请人工核对"
                                           f"（五(一)）", field="publicity_record",
                        evidence=[e for v in record + photo for e in v.evidence[:1]][:2])]
    if not has_document(dossier, "publicity_photo"):
        return []  # PUB.MISSING
    missing = [k for k in required if k not in on_photo]
    if not missing:
        return []
    if any(v.confidence >= threshold and not _cut_short(v) for v in photo):
        return [finding("PUB.CONTENT", f"公示现场照片所示公示内容缺少{_names(missing)}；须对{_names(required)}"
                                       f"进行公示（五(一)）", field="publicity_photo",
                        evidence=[e for v in photo for e in v.evidence[:1]][:2])]
    return [finding("CHECK.UNDECIDED", f"公示现场照片上未能确认公示内容包含{_names(missing)}，且无三公示纪实表，请人工核对（五(一)）",
                    field="publicity_photo", evidence=[e for v in photo for e in v.evidence[:1]][:2])]


def _names(keys) -> str:
    """评审条件、个人申报条件 for [conditions, application]."""
    return "、".join(ITEM_ZH.get(k, k) for k in keys)


def _cut_short(reading) -> bool:
    """The list of items read ends on a separator (评审条件、个人申报条件、): it goes on past the line the
    reader stopped at (a narrow cell wraps), so what it lacks is not shown to be absent."""
    return any(re.search(r"[、，,；;及和与]\s*$|(?:^|[、，,；;\s])\d[.．、]?\s*$", e.text or "") for e in reading.evidence[:1])


@check("publicity.photo_date", emits=("PUB.PHOTO_DATE",))
def publicity_photo_date(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """PUB.PHOTO_DATE: no photo of the posting was taken within the publicity period (EXIF capture day)."""
    (start, start_ev, start_weak), (end, end_ev, end_weak) = (_period_end(dossier, name, rules)
                                                              for name in ("publicity_start", "publicity_end"))
    photos = [v for v in readings(dossier, "photo_taken", document="publicity_photo") if _day(str(v.value)[:10])]
    if start is None or end is None or not photos:
        return []
    if any(start <= _day(str(v.value)[:10]) <= end for v in photos):
        return []
    taken = "、".join(f"{v.evidence[0].file if v.evidence else '照片'}拍摄于{_zh(str(v.value)[:10])}"
                     f"{' ' + str(v.value)[11:16] if len(str(v.value)) > 15 else ''}" for v in photos[:3])
    weak = "、".join(w for w, flag in (("开始日期", start_weak), ("结束日期", end_weak)) if flag)
    caveat = f"（公示{weak}读数不确定，请一并核对）" if weak else ""
    return [finding("PUB.PHOTO_DATE", f"公示现场照片{taken}（照片EXIF信息），不在公示期{_zh(start)}至{_zh(end)}内{caveat}，"
                                      f"请核对照片是否摄于公示期间（五(一)）", field="publicity_photo",
                    evidence=[e for v in photos[:2] for e in v.evidence[:1]] + list(start_ev[:1]) + list(end_ev[:1]))]


def _period_end(dossier: Dossier, name: str, rules: NoticeRules):
    """(day, evidence, weak) of one end of the publicity period: the confident found value, else the
    declared one, else a weak found value — which for PUB.PHOTO_DATE, a warn, is used and said to be
    weak: the field is a deciding one, so OCR.LOW_CONFIDENCE already sends a human to it and the
    verdict does not change; the finding tells that human what the date decides."""
    rep = dossier.fields.get(name)
    got, evidence = _value(rep, rules)
    if _day(got) is not None:
        return _day(got), evidence, False
    if rep is not None and _day(rep.found) is not None and name in rules.deciding_fields:
        return _day(rep.found), rep.evidence, True
    return None, (), False


def _ev(*groups: list[Dated]) -> list[Evidence]:
    out: list[Evidence] = []
    for group in groups:
        for d in group:
            out.extend(e for e in d.evidence[:1] if e not in out)
    return out[:4]


def _all(items: list[Dated]) -> str:
    return "、".join(dict.fromkeys(zh_date(d.value) for d in items))


@check("publicity.order", emits=("PUB.ORDER", "CHECK.UNDECIDED"))
def publicity_order(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """PUB.ORDER: the publicity ends after the materials' date, or starts before the unit opinion's date;
    CHECK.UNDECIDED when a publicity document is there but its period could not be read at all (so
    neither this nor PUB.DURATION could be checked, and OCR.LOW_CONFIDENCE has nothing to point at)."""
    out: list[Finding] = []
    starts = dates_of(dossier, "publicity_start", rules)
    ends = dates_of(dossier, "publicity_end", rules)
    submitted = dates_of(dossier, "submission_date", rules)
    latest = max(d.hi for d in submitted) if submitted else None
    late = (lambda end: end > latest) if rules.publicity_may_end_on_submission_day else (lambda end: end >= latest)
    if ends and submitted and late(min(d.lo for d in ends)):
        out.append(finding("PUB.ORDER", f"公示期至{_all(ends)}结束，晚于申报材料日期{_all(submitted)}：提交申报材料时公示尚未结束"
                                        f"，须公示期满后一并提交公示原件（四、五(一)）", field="publicity_end",
                           evidence=_ev(ends, submitted)))
    bound = min(horizon(rules), max(d.hi for d in submitted) if submitted else rules.submission_window[1])
    opinions = [d for d in dates_of(dossier, "opinion_date", rules) if d.hi <= bound]
    if starts and opinions and min(d.lo for d in opinions) > max(d.hi for d in starts):
        out.append(finding("PUB.ORDER", f"公示自{_all(starts)}开始，早于单位鉴定意见的落款日期{_all(opinions)}：公示内容须包括"
                                        f"单位鉴定意见，应在出具鉴定意见后公示（四(二)、五(一)）", field="publicity_start",
                           evidence=_ev(starts, opinions)))
    if has_document(dossier, "publicity_record", "publicity_photo"):
        silent = [name for name in ("publicity_start", "publicity_end") if _silent(dossier, name, rules)]
        if silent:
            what = "公示开始和结束日期" if len(silent) == 2 else "公示开始日期" if silent[0] == "publicity_start" else "公示结束日期"
            out.append(finding("CHECK.UNDECIDED", f"未能从公示材料中读出{what}，公示期是否满5个工作日、公示与申报的先后无法核对，"
                                                  f"请人工核对（五(一)）", field=silent[0]))
    return out


def _silent(dossier: Dossier, name: str, rules: NoticeRules) -> bool:
    """No value for field `name` (neither found nor declared) and no reading OCR.LOW_CONFIDENCE points at."""
    rep = dossier.fields.get(name)
    if rep is None:
        return True
    got, _ = _value(rep, rules)
    if got is not None:
        return False
    return not (rep.confidence is not None and name in rules.deciding_fields)


@check("timeline.dates", emits=("DATE.IMPOSSIBLE",))
def dates_possible(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """DATE.IMPOSSIBLE: dates of the applicant's timeline that cannot all be true (verify/timeline.py)."""
    return impossible(dossier, rules)
