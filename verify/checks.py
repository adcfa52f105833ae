"""The registry of checks. A check takes a `Dossier` and returns findings; it never parses."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from core.records import Dossier, Evidence, Finding
from core.registry import Registry
from extract.ocr.page import FEW_CHARS, INK_MIN
from verify.catalogue import finding, load_catalogue
from verify.facts import corroborated
from verify.rules import NoticeRules

Check = Callable[[Dossier, NoticeRules], Iterable[Finding]]
checks: Registry[Check] = Registry("check")


def check(name: str, *, emits: tuple[str, ...], version: str = "1"):
    """Register a check under `name`; `emits` lists the rule IDs it can report."""

    def decorate(fn: Check) -> Check:
        catalogue = load_catalogue().rules
        unknown = [rule for rule in emits if rule not in catalogue]
        if unknown:
            raise ValueError(f"check {name} emits unknown rule IDs {unknown}")
        fn.emits = emits  # type: ignore[attr-defined]
        return checks.register(name, version=version)(fn)

    return decorate


@check("ingest.unreadable", emits=("INGEST.UNREADABLE",))
def unreadable_files(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """INGEST.UNREADABLE for every file (or page) that could not be read. 四(三)."""
    found = []
    for source in dossier.files:
        for issue in source.issues:
            where = f" (page {issue.page})" if issue.page else ""
            found.append(
                finding(
                    "INGEST.UNREADABLE",
                    f"{source.path}{where} could not be read [{issue.category}]: {issue.message}",
                    evidence=[Evidence(file=source.path, page=issue.page, text=issue.message)],
                )
            )
    for value in dossier.values:
        if value.field == "extraction_failed":  # the file was read but a document in it could not be parsed
            found.append(finding("INGEST.UNREADABLE", f"the {value.value} document could not be read for its fields: "
                                 f"{value.note}", field=value.value))
    return found


@check("ocr.low_confidence", emits=("OCR.LOW_CONFIDENCE",))
def low_confidence(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """OCR.LOW_CONFIDENCE for each deciding field whose found value was read below the rules file's
    threshold, or was on the page but could not be read: a human confirms it against the evidence."""
    found = []
    for name in rules.deciding_fields:
        field = dossier.fields.get(name)
        if field is None or field.confidence is None:
            continue
        unread = field.found is None or (isinstance(field.found, dict) and None in field.found.values())
        if not unread and (field.confidence >= rules.ocr_low_confidence or corroborated(field)):
            continue  # confident, or uncertain but exactly what the applicant declared
        from verify.checks_cross import FIELD_ZH, _show  # checks_cross registers its checks through this module

        label = FIELD_ZH.get(name, name)
        if unread:
            what = (f"{label}有未能识别的内容（读作：{_show(name, field.found)}，？为未能识别）" if field.found
                    else f"{label}未能从材料中识别")
        else:
            what = f"{label}识别为“{_show(name, field.found)}”，置信度仅{field.confidence:.2f}（低于{rules.ocr_low_confidence}）"
        note = f"（识别说明：{field.note}）" if field.note else ""
        found.append(finding("OCR.LOW_CONFIDENCE", f"{what}，请对照原件确认{note}",
                             field=name, evidence=[e for e in field.evidence if e.extractor is None
                                                   or not e.extractor.startswith(("review_form", "summary_table"))][:3]))
    return found


@check("ocr.unread_page", emits=("OCR.LOW_CONFIDENCE",))
def unread_pages(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """OCR.LOW_CONFIDENCE for each OCR'd page that carries ink (`meta["ink"]`, see extract/ocr/page.py)
    but from which (almost) nothing was read, or only below the rules file's threshold on average:
    whatever it shows was never checked, so a human looks at the original. Blank pages have no ink."""
    found = []
    for page in dossier.pages:
        if not page.source.startswith("ocr:") or float(page.meta.get("ink") or 0.0) < INK_MIN:
            continue
        chars = len(page.text.replace("\n", "").replace(" ", ""))
        where = f"{page.file}第{page.page}页"
        if chars < FEW_CHARS:
            message = f"{where}有内容但未能可靠识别（可能过淡或模糊），其中的材料未被核查，请人工查看原件"
        elif page.confidence < rules.ocr_low_confidence:
            message = (f"{where}整页识别置信度仅{page.confidence:.2f}（低于{rules.ocr_low_confidence}，可能过淡或模糊），"
                       "其中的材料可能未被准确核查，请人工查看原件")
        else:
            continue
        if page.meta.get("contrast_stretch"):
            message += "（该页已增强对比度后识别）"
        found.append(finding("OCR.LOW_CONFIDENCE", message,
                             evidence=[Evidence(file=page.file, page=page.page, text=page.text[:80] or None,
                                                confidence=page.confidence if chars else None)]))
    return found


def emitted_rules() -> set[str]:
    return {rule for _, fn in checks.items() for rule in fn.emits}
