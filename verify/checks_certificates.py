"""Certificate numbers against what the certificate itself says (DOC.INCONSISTENT, 五(二)).

A diploma's 18-digit number (教育部学历证书编号: school 5, programme type 1, year 4, level 2, serial 6) carries
the graduation year and the education level (a degree certificate's 16-digit number is read, not judged). No check digit exists, so a number cannot be "invalid";
but a number whose year or level disagrees with the date and level printed on the same certificate (or,
without them, with the dossier's confident values) is two pieces of evidence that disagree: DOC.INCONSISTENT
(an error for a human to resolve), never a fraud finding by itself. Level codes outside the 高等教育 list
(a 中专 school's own numbering) decide nothing. Only readings at or above the rules' confidence threshold
take part: a misread digit accuses no one.

A unit's 统一社会信用代码 (GB 32100-2015) does carry a check character: a printed code that fails it is
ID.INVALID (error; the catalogue's rule for identifiers that fail their standard), with the character the
code calls for.
"""
from __future__ import annotations

from core.records import Dossier, ExtractedValue, Finding
from extract.values import cert_number_parts, uscc_check, uscc_ok
from verify.catalogue import finding
from verify.checks import check
from verify.checks_cross import DEGREE_ZH, EDUCATION_ZH
from verify.facts import readings, zh
from verify.rules import NoticeRules

# number field → (document types, date field, level field, the part of the number that is the level). Degree
# certificate numbers (16 digits since 2006; Z/T prefixes, older and school-specific formats before) are read
# but not judged: their formats vary too much for a rule that sends an applicant to review.
CHECKS = {
    "diploma_number": (("diploma", "chsi_report"), "graduation_date", "education", "level"),
}
NAME = {"diploma_number": "毕业证书编号", "degree_number": "学位证书编号"}


def _same_document(dossier: Dossier, number: ExtractedValue, field: str, rules: NoticeRules) -> ExtractedValue | None:
    """The confident reading of `field` from the file and page the number was read on, if there is one."""
    where = {(e.file, e.page) for e in number.evidence}
    got = [v for v in readings(dossier, field, min_confidence=rules.ocr_low_confidence)
           if v.document == number.document and any((e.file, e.page) in where for e in v.evidence)]
    return max(got, key=lambda v: v.confidence) if got else None


def _dossier_value(dossier: Dossier, field: str, rules: NoticeRules) -> ExtractedValue | None:
    """Without a reading on the certificate itself: the dossier's confident found value, as a reading."""
    rep = dossier.fields.get(field)
    if rep is None or rep.found is None or rep.confidence is None or rep.confidence < rules.ocr_low_confidence:
        return None
    return ExtractedValue(field=field, value=rep.found, evidence=rep.evidence[:1], extractor="merge",
                          document=rep.found_in[0] if rep.found_in else None, confidence=rep.confidence)


@check("certificates.numbers", emits=("DOC.INCONSISTENT",))
def certificate_numbers(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for number_field, (types, date_field, level_field, level_part) in CHECKS.items():
        for number in readings(dossier, number_field, min_confidence=rules.ocr_low_confidence):
            parts = cert_number_parts(number.value)
            if parts is None or number.document not in types:
                continue
            problems, evidence = [], list(number.evidence[:1])
            date = _same_document(dossier, number, date_field, rules) or (
                _dossier_value(dossier, date_field, rules) if number_field == "diploma_number" else None)
            if date is not None and str(date.value)[:4].isdigit() and int(str(date.value)[:4]) != parts["year"]:
                problems.append(f"编号第7至10位年份为{parts['year']}，而{'该证书' if date.extractor != 'merge' else '材料'}"
                                f"所示时间为{zh(str(date.value))}")
                evidence += date.evidence[:1]
            level = _same_document(dossier, number, level_field, rules) or _dossier_value(dossier, level_field, rules)
            coded = parts.get(level_part)
            names = EDUCATION_ZH if level_field == "education" else DEGREE_ZH
            if level is not None and coded is not None and level.value in names and level.value != coded:
                code = parts["level_code"]
                problems.append(f"编号层次码{code}表示{names.get(coded, coded)}，而"
                                f"{'该证书' if level.extractor != 'merge' else '材料'}所示为{names.get(level.value, level.value)}")
                evidence += level.evidence[:1]
            key = (number_field, number.value)
            if problems and key not in seen:
                seen.add(key)
                out.append(finding(
                    "DOC.INCONSISTENT",
                    f"{NAME[number_field]}{number.value}与证书内容不一致：{'；'.join(problems)}。编号按教育部学历证书编号规则"
                    f"编制，请核对证书原件或学信网备案（五(二)）",
                    field=number_field, evidence=evidence))
    return out


@check("certificates.credit_code", emits=("ID.INVALID",))
def credit_code(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    out, seen = [], set()
    for code in readings(dossier, "employer_uscc", min_confidence=rules.ocr_low_confidence):
        if code.value in seen or uscc_ok(code.value):
            continue
        seen.add(code.value)
        want = uscc_check(code.value)
        why = (f"末位校验码应为{want}，材料所示为{code.value[17]}" if want else "含有GB 32100不允许的字符（I、O、Z、S、V）")
        out.append(finding("ID.INVALID", f"单位统一社会信用代码{code.value}不符合GB 32100-2015：{why}；请核对单位营业执照"
                                         f"或登记证书（五(二)）", field="employer_uscc", evidence=code.evidence[:1]))
    return out
