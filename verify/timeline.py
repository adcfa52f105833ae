"""One applicant's timeline from all evidence, and the dates that cannot all be true (DATE.IMPOSSIBLE).

`timeline(dossier, rules)` gives one ordered list of `Event`s: birth, graduation, work start,
technician appointment, probation end, each appraisal year, the unit opinion, the publicity's start
and end, each photo of the posting, the materials' date and the notice's intake and closing days.
Each event says where its date comes from: the evidence (`found`, read at or above the rules'
confidence threshold, or below it but exactly as declared: verify.facts.corroborated), else the
applicant's own statement (`declared`, review form or 汇总表), else a weak reading of the evidence
(`weak` set: a human must confirm it); the notice's own days are `notice`. The reviewer's report
draws it as a chart (issue 5): it is plain data (`model_dump()`).

`impossible(dossier, rules)` reports DATE.IMPOSSIBLE (五(二)): an error, never a block. It reads every
confident reading of every document (`dossier.values`) and the merged fields, never a reading below
`rules.ocr_low_confidence` (unless it is exactly the declared value), and fires only when *every*
confident reading of the one date and *every* one of the other contradict each other, compared at the
precision both sides have (a month-only date is the whole month): a single misread date accuses no
one, and two documents that disagree are DOC.INCONSISTENT's business, not this rule's. Declared values
stand in only for a date no evidence document shows; a date the evidence shows illegibly decides
nothing (OCR.LOW_CONFIDENCE asks a human).

What cannot be true:
- graduating before `rules.min_graduation_age` (14) according to the birth date, or being born after
  graduating, starting work, being appointed, ending the probation or being appraised;
- a technician appointment before the graduation of the education the application rests on — only
  for 本科 and above, and only when no diploma in the dossier precedes the appointment: a 中专/大专
  technician who later studies part-time (在职学历) is appointed before the higher diploma, and for the
  大专/中专 paths the appointment itself is what counts (三(三)(3)(4));
- a probation (见习, for new graduates) that ends before every graduation in the dossier;
- an annual appraisal of a year before the work start year, or (本科 and above, same reasoning as the
  appointment) before every graduation year;
- a date in the future: after `horizon(rules)` = the earlier of today and the submission window's last
  day plus `future_margin_days` (30; a rules-file parameter if present). A document cannot bear a date
  after the day the check runs; once the window is long past, a date more than a month after it cannot
  be on materials handed in for this notice either, while late submissions by a few days are
  SUBMIT.WINDOW's business. Photo capture times (EXIF: a camera's clock may be wrong; PUB.PHOTO_DATE
  looks at them) and the unit opinion's date (its reader may take a date quoted in the opinion's
  text, e.g. the end of a sanction) are not judged here.
"""
from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


from core.records import Dossier, Evidence, ExtractedValue, Finding, TimelineEvent
from verify.catalogue import finding
from verify.facts import trusted, value as _value
from verify.rules import NoticeRules

FUTURE_MARGIN_DAYS = 30  # rules.future_margin_days, when the rules file has it
DECLARED_ORDER = ("review_form", "summary_table")
DEGREE_LEVELS = ("bachelor", "second_bachelor", "master", "doctorate")  # the appointment follows the diploma

Precision = Literal["day", "month", "year"]


# kind → (field, Chinese label); the order breaks ties between events on the same day
KINDS: dict[str, tuple[str | None, str]] = {
    "birth": ("birth_date", "出生"),
    "graduation": ("graduation_date", "毕业"),
    "work_start": ("work_start_date", "参加工作"),
    "probation_end": ("probation_end_date", "见习期满"),
    "technician": ("technician_date", "聘任技术员"),
    "appraisal": ("appraisals", "年度考核"),
    "opinion": ("opinion_date", "单位鉴定意见"),
    "publicity_start": ("publicity_start", "公示开始"),
    "photo": ("photo_taken", "公示现场照片拍摄"),
    "publicity_end": ("publicity_end", "公示结束"),
    "submission": ("submission_date", "申报材料日期"),
    "intake": (None, "开始收件"),
    "window_close": (None, "报送截止"),
}
KIND_ORDER = tuple(KINDS)


# --- dates at their precision ------------------------------------------------------------------------

def span(value) -> tuple[dt.date, dt.date] | None:
    """The first and last day a date can mean: a day is itself, a month (YYYY-MM) its days, a year
    (YYYY or an int) its days; an ISO datetime is its day. Anything else is None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()[:10]
    try:
        if len(text) == 10:
            d = dt.date.fromisoformat(text)
            return d, d
        if len(text) == 7 and text[4] == "-":
            y, m = int(text[:4]), int(text[5:7])
            return dt.date(y, m, 1), dt.date(y, m, _calendar.monthrange(y, m)[1])
        if len(text) == 4 and text.isdigit():
            y = int(text)
            return dt.date(y, 1, 1), dt.date(y, 12, 31)
    except ValueError:
        return None
    return None


def precision_of(value) -> Precision | None:
    s = span(value)
    if s is None:
        return None
    text = str(value).strip()[:10]
    return "day" if len(text) == 10 else "month" if len(text) == 7 else "year"


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def zh_date(value) -> str:
    """2024年11月27日, 2024年11月, 2024年 by precision."""
    s, p = span(value), precision_of(value)
    if s is None:
        return str(value)
    d = s[0]
    return {"day": f"{d.year}年{d.month}月{d.day}日", "month": f"{d.year}年{d.month}月", "year": f"{d.year}年"}[p]


def horizon(rules: NoticeRules, today: dt.date | None = None) -> dt.date:
    """The last day a date on this notice's materials can bear (see the module's docstring)."""
    margin = rules.future_margin_days
    return min(today or dt.date.today(), rules.submission_window[1] + dt.timedelta(days=margin))


# --- the timeline -----------------------------------------------------------------------------------

class Event(TimelineEvent):
    """One dated event of the applicant's timeline (the record of report.json, with its days)."""

    @property
    def first_day(self) -> dt.date:
        return span(self.date)[0]

    @property
    def last_day(self) -> dt.date:
        return span(self.date)[1]

    @property
    def sort_day(self) -> dt.date:
        """An appraisal year is done at its end; a month and a day count from their start."""
        return self.last_day if self.precision == "year" else self.first_day


def _declared_reading(dossier: Dossier, name: str) -> ExtractedValue | None:
    got = [v for v in dossier.values if v.field == name and v.origin == "declared" and v.value is not None]
    got.sort(key=lambda v: DECLARED_ORDER.index(v.document) if v.document in DECLARED_ORDER else len(DECLARED_ORDER))
    return got[0] if got else None


def _pick(dossier: Dossier, name: str, rules: NoticeRules) -> dict | None:
    """The value the timeline shows for field `name`, with where it comes from."""
    rep = dossier.fields.get(name)
    threshold = rules.ocr_low_confidence
    if span(rep.found if rep else None) and trusted(rep, rules):
        return dict(value=rep.found, source="found", document=rep.found_in[0] if rep.found_in else None,
                    confidence=rep.confidence, evidence=rep.evidence[:3])
    found = [v for v in dossier.values if v.field == name and v.origin == "found" and span(v.value)]
    declared_value = rep.declared if rep is not None else None
    confident = sorted((v for v in found if v.confidence >= threshold or v.value == declared_value),
                       key=lambda v: -v.confidence)
    if confident:
        v = confident[0]
        return dict(value=v.value, source="found", document=v.document, confidence=v.confidence,
                    evidence=v.evidence[:3])
    declared = _declared_reading(dossier, name)
    if declared is not None and span(declared.value):
        return dict(value=declared.value, source="declared", document=declared.document,
                    confidence=declared.confidence, evidence=declared.evidence[:2])
    if rep is not None and span(rep.declared):
        return dict(value=rep.declared, source="declared", document=rep.declared_in, confidence=None,
                    evidence=rep.evidence[-2:])
    weak = [(rep.found, rep.confidence, rep.found_in[0] if rep.found_in else None, rep.evidence[:3])] \
        if rep is not None and span(rep.found) else []
    weak += [(v.value, v.confidence, v.document, v.evidence[:3]) for v in sorted(found, key=lambda v: -v.confidence)]
    if weak:
        value, confidence, document, evidence = weak[0]
        return dict(value=value, source="found", document=document, confidence=confidence, evidence=evidence, weak=True)
    return None


def _appraisal_events(dossier: Dossier, rules: NoticeRules) -> list[Event]:
    """One event per appraisal year: the evidence's grade (most confident reading of the year), else
    the declared one."""
    threshold = rules.ocr_low_confidence
    per_year: dict[str, dict] = {}
    readings = [v for v in dossier.values
                if v.field == "appraisals" and v.origin == "found" and isinstance(v.value, dict)]
    rep = dossier.fields.get("appraisals")
    if not readings and rep is not None and isinstance(rep.found, dict):  # a dossier with merged fields only
        readings = [ExtractedValue(field="appraisals", value=rep.found, evidence=rep.evidence, extractor="merge",
                                   document=rep.found_in[0] if rep.found_in else None,
                                   confidence=rep.confidence if rep.confidence is not None else 1.0)]
    for v in sorted(readings, key=lambda v: -v.confidence):
        for year, grade in v.value.items():
            if str(year) not in per_year and span(str(year)) and grade is not None:
                per_year[str(year)] = dict(grade=grade, source="found", document=v.document, confidence=v.confidence,
                                           evidence=v.evidence[:2], weak=v.confidence < threshold)
    declared = _declared_reading(dossier, "appraisals")
    declared_value = declared.value if declared is not None else (rep.declared if rep is not None else None)
    if isinstance(declared_value, dict):
        for year, grade in declared_value.items():
            if str(year) not in per_year and span(str(year)) and grade is not None:
                per_year[str(year)] = dict(grade=grade, source="declared",
                                           document=declared.document if declared else rep.declared_in,
                                           confidence=declared.confidence if declared else None,
                                           evidence=declared.evidence[:2] if declared else ())
    return [Event(kind="appraisal", date=year, precision="year", label=f"{year}年度考核：{p.pop('grade')}",
                  field="appraisals", **p) for year, p in per_year.items()]


def _photo_events(dossier: Dossier) -> list[Event]:
    out, seen = [], set()
    for v in dossier.values:
        if v.field != "photo_taken" or not span(v.value):
            continue
        key = (v.value, v.evidence[0].file if v.evidence else None)
        if key in seen:
            continue
        seen.add(key)
        text = str(v.value)
        out.append(Event(kind="photo", date=text[:10], precision="day", label=KINDS["photo"][1], field="photo_taken",
                         source="found", document=v.document, confidence=v.confidence,
                         time=text[11:19] or None if len(text) > 10 else None, evidence=v.evidence[:1]))
    return out


def timeline(dossier: Dossier, rules: NoticeRules) -> list[Event]:
    """Every dated event of the applicant, ordered (see the module's docstring)."""
    events: list[Event] = []
    for kind, (name, label) in KINDS.items():
        if kind in ("appraisal", "photo") or name is None:
            continue
        got = _pick(dossier, name, rules)
        if got is None:
            continue
        value = got.pop("value")
        text = str(value).strip()[:10]
        events.append(Event(kind=kind, date=text, precision=precision_of(text), label=label, field=name, **got))
    events += _appraisal_events(dossier, rules) + _photo_events(dossier)
    events.append(Event(kind="intake", date=rules.intake_date.isoformat(), precision="day",
                        label=f"{KINDS['intake'][1]}（{rules.notice}）", source="notice"))
    events.append(Event(kind="window_close", date=rules.submission_window[1].isoformat(), precision="day",
                        label=f"{KINDS['window_close'][1]}（{rules.notice}）", source="notice"))
    return sorted(events, key=lambda e: (e.sort_day, KIND_ORDER.index(e.kind), e.time or ""))


# --- DATE.IMPOSSIBLE ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dated:
    """One reading of a date, with the days it can mean."""
    value: str
    lo: dt.date
    hi: dt.date
    origin: str  # found / declared
    document: str | None
    evidence: tuple[Evidence, ...]

    @property
    def where(self) -> str:
        return DOC_ZH.get(self.document or "", "申报填写" if self.origin == "declared" else "材料")


DOC_ZH = {"review_form": "评审表", "summary_table": "汇总表", "id_card": "身份证", "diploma": "毕业证书",
          "degree_certificate": "学位证书", "chsi_report": "学历电子注册备案表", "appointment": "聘任文件",
          "probation": "见习期考核表", "appraisal": "年度考核表", "work_report": "专业技术工作总结",
          "unit_opinion": "单位鉴定意见", "publicity_record": "三公示纪实表", "publicity_photo": "公示现场照片",
          "commitment": "承诺书", "ce_certificate": "继续教育证明"}


def _dated(value, origin: str, document: str | None, evidence: Iterable[Evidence]) -> Dated | None:
    s = span(value)
    if s is None:
        return None
    return Dated(str(value).strip()[:10], s[0], s[1], origin, document, tuple(evidence)[:2])


def dates_of(dossier: Dossier, name: str, rules: NoticeRules) -> list[Dated]:
    """Every confident reading of date field `name` from every document, plus the merged found value;
    the declared value only when no evidence document shows the field at all; [] when the evidence
    shows it but not confidently (a human confirms it first)."""
    threshold = rules.ocr_low_confidence
    rep = dossier.fields.get(name)
    shown = [v for v in dossier.values if v.field == name and v.origin == "found"]
    declared_value = rep.declared if rep is not None else None
    out: list[Dated] = []
    for v in shown:  # an uncertain reading that lands on the declared value is corroborated (facts.corroborated)
        if v.value is not None and (v.confidence >= threshold or v.value == declared_value):
            d = _dated(v.value, "found", v.document, v.evidence)
            if d is not None and d.value not in {o.value for o in out}:
                out.append(d)
    if trusted(rep, rules):
        d = _dated(rep.found, "found", rep.found_in[0] if rep.found_in else None, rep.evidence)
        if d is not None and d.value not in {o.value for o in out}:
            out.append(d)
    if out or shown or (rep is not None and (rep.found is not None or rep.confidence is not None)):
        return out
    declared = _declared_reading(dossier, name)
    if declared is not None:
        d = _dated(declared.value, "declared", declared.document, declared.evidence)
        return [d] if d else []
    if rep is not None and rep.declared is not None:
        d = _dated(rep.declared, "declared", rep.declared_in, rep.evidence)
        return [d] if d else []
    return []


def appraisal_years_of(dossier: Dossier, rules: NoticeRules) -> dict[int, Dated]:
    """Year → the appraisal of that year as a date of year precision, from confident readings of the
    evidence (declared only when no appraisal document was read)."""
    threshold = rules.ocr_low_confidence
    shown = [v for v in dossier.values if v.field == "appraisals" and v.origin == "found"]
    rep = dossier.fields.get("appraisals")
    declared = {str(y): g for y, g in rep.declared.items()} if isinstance(rep.declared if rep else None, dict) else {}

    def sure(v: ExtractedValue) -> bool:  # confident, or every year exactly as declared (facts.corroborated)
        return v.confidence >= threshold or (bool(v.value) and all(declared.get(str(y)) == g
                                                                   for y, g in v.value.items()))

    sources: list[tuple[dict, str, str | None, tuple[Evidence, ...]]] = [
        (v.value, "found", v.document, v.evidence) for v in shown if isinstance(v.value, dict) and sure(v)]
    if not shown and isinstance(rep.found if rep else None, dict) and trusted(rep, rules):
        sources.append((rep.found, "found", rep.found_in[0] if rep.found_in else None, rep.evidence))
    if not sources and not shown and (rep is None or rep.found is None):
        reading = _declared_reading(dossier, "appraisals")
        value = reading.value if reading else (rep.declared if rep else None)
        if isinstance(value, dict):
            sources.append((value, "declared", reading.document if reading else (rep.declared_in if rep else None),
                            reading.evidence if reading else (rep.evidence if rep else ())))
    out: dict[int, Dated] = {}
    for value, origin, document, evidence in sources:
        for year, grade in value.items():
            d = _dated(str(year), origin, document, evidence)
            if d is not None and grade is not None and d.lo.year not in out:
                out[d.lo.year] = d
    return out


def _education(dossier: Dossier, rules: NoticeRules) -> str | None:
    level, _ = _value(dossier.fields.get("education"), rules)
    return level if isinstance(level, str) else None


def _ev(*groups: Iterable[Dated]) -> list[Evidence]:
    out: list[Evidence] = []
    for group in groups:
        for d in group:
            for e in d.evidence[:1]:
                if e not in out:
                    out.append(e)
    return out[:4]


def _age(birth: dt.date, on: dt.date) -> int:
    """Full years of age on a day."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _both(items: list[Dated]) -> str:
    """2013年7月1日（毕业证书）, or several readings joined."""
    return "、".join(f"{zh_date(d.value)}（{d.where}）" for d in items[:3])


def impossible(dossier: Dossier, rules: NoticeRules, today: dt.date | None = None) -> list[Finding]:
    """DATE.IMPOSSIBLE findings (see the module's docstring)."""
    birth = dates_of(dossier, "birth_date", rules)
    grad = dates_of(dossier, "graduation_date", rules)
    work = dates_of(dossier, "work_start_date", rules)
    tech = dates_of(dossier, "technician_date", rules)
    prob = dates_of(dossier, "probation_end_date", rules)
    appraisals = appraisal_years_of(dossier, rules)
    level = _education(dossier, rules)
    degree_level = level in DEGREE_LEVELS
    out: list[Finding] = []

    def fire(message: str, field: str, *groups: Iterable[Dated]) -> None:
        out.append(finding("DATE.IMPOSSIBLE", message + "，请核对原件（五(二)）", field=field, evidence=_ev(*groups)))

    # birth: every reading of the birth date against every reading of each later event
    if birth:
        earliest_birth = min(d.lo for d in birth)
        min_age = rules.min_graduation_age
        if grad and max(d.hi for d in grad) < earliest_birth:
            fire(f"出生日期{_both(birth)}晚于毕业日期{_both(grad)}", "birth_date", birth, grad)
        elif grad and max(d.hi for d in grad) < add_years(earliest_birth, min_age):
            fire(f"出生日期{_both(birth)}，毕业日期{_both(grad)}，毕业时仅{_age(earliest_birth, max(d.hi for d in grad))}"
                 f"周岁，不满{min_age}周岁", "graduation_date", birth, grad)
        for items, what, field in ((work, "参加工作时间", "work_start_date"), (tech, "聘任技术员时间", "technician_date"),
                                   (prob, "见习期满时间", "probation_end_date")):
            if items and max(d.hi for d in items) < earliest_birth:
                fire(f"出生日期{_both(birth)}晚于{what}{_both(items)}", "birth_date", birth, items)
        early = sorted(y for y, d in appraisals.items() if d.hi < earliest_birth)
        if early:
            fire(f"出生日期{_both(birth)}晚于{early[0]}年度考核", "birth_date", birth, [appraisals[early[0]]])

    # the appointment, probation and appraisals follow the diploma the application rests on
    if grad:
        first_grad = min(d.lo for d in grad)
        if tech and degree_level and max(d.hi for d in tech) < first_grad:
            fire(f"聘任技术员时间{_both(tech)}早于毕业日期{_both(grad)}，而申报以该学历为据（若系在职取得的学历，"
                 f"请核对此前学历）", "technician_date", tech, grad)
        if prob and max(d.hi for d in prob) < first_grad:
            fire(f"见习期满时间{_both(prob)}早于毕业日期{_both(grad)}（见习期自毕业后开始）", "probation_end_date", prob, grad)
        if degree_level:
            early = sorted(y for y, d in appraisals.items() if y < first_grad.year)
            if early:
                years = "、".join(f"{y}年度" for y in early)
                fire(f"{years}考核早于毕业年份（毕业日期{_both(grad)}）", "appraisals", [appraisals[y] for y in early], grad)
    if work:
        first_work = min(d.lo for d in work).year
        early = sorted(y for y, d in appraisals.items() if y < first_work)
        if early:
            years = "、".join(f"{y}年度" for y in early)
            fire(f"{years}考核早于参加工作时间{_both(work)}", "appraisals", [appraisals[y] for y in early], work)

    # the future
    last = horizon(rules, today)
    known = {"birth_date": birth, "graduation_date": grad, "work_start_date": work, "technician_date": tech,
             "probation_end_date": prob}
    future: list[tuple[str, str, list[Dated]]] = []
    for name, what in FUTURE_FIELDS.items():
        items = known[name] if name in known else dates_of(dossier, name, rules)
        if items and min(d.lo for d in items) > last:
            future.append((name, what, items))
    late_years = sorted(y for y in appraisals if y > last.year)
    if future or late_years:
        parts = [f"{what}{_both(items)}" for _, what, items in future] + [f"{y}年度考核" for y in late_years]
        fire(f"{'、'.join(parts)}晚于{zh_date(last.isoformat())}，是尚未到来的日期",
             future[0][0] if future else "appraisals",
             *[items for _, _, items in future], [appraisals[y] for y in late_years])
    return out


# the dates judged against the future (not a photo's EXIF time, not the unit opinion's date: see above)
FUTURE_FIELDS = {"birth_date": "出生日期", "graduation_date": "毕业日期", "work_start_date": "参加工作时间",
                 "technician_date": "聘任技术员时间", "probation_end_date": "见习期满时间",
                 "publicity_start": "公示开始日期", "publicity_end": "公示结束日期", "submission_date": "申报材料日期"}
