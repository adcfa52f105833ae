"""SIGN.MISSING (五(二) 双承诺): the commitment lacks the applicant's signature, the unit leader's
signature or the unit's seal; a unit document that must carry the unit's seal shows none.

The readings come from extract/seals.py (the pixels: a round seal on the page's colour image, ink in
the slot right of a 签字 label) and extract/found_special.py (a name OCR read after the label):

- signed when any reading says so (a name read, or handwriting in the slot); unsigned only when every
  reading says not, and one of them at or above rules.ocr_low_confidence (the pixel test is; an OCR
  reading of "nothing legible after the label" alone is not: script-font signatures often read as
  nothing). No reading at all (the label was found nowhere): CHECK.UNDECIDED.
- sealed when a seal was seen on any page of the document. Unsealed when a colour page shows no red
  seal, or a grey copy shows none while another page of the same scan shows its seal as a grey ring.
  A grey copy with no such page (a red seal cannot show on it), or a page without an image (DOCX):
  CHECK.UNDECIDED, never an accusation.
- The commitment missing altogether is EVID.MISSING (verify/checks_cross.py).

Seals on the other unit documents (`sealed_documents`): on three 30-applicant fixture batches
(seed9, alt-seed11, mixed-seed17) no sealed document was read unsealed (0 of 471 unit_opinion,
publicity_record, appraisal and appointment readings; one washed-out grey appraisal page is unknown,
not unsealed), so a decidedly missing seal there fires SIGN.MISSING too; an undecidable one is left
alone (the commitment's seal is the 双承诺's). Measured there: SIGN.MISSING found for 3/3
commitment_unsigned and 3/3 commitment_no_seal (all three on grey scans, decided by another seal on
the same scan), no SIGN.MISSING and no CHECK.UNDECIDED of these checks on any other applicant.
"""
from __future__ import annotations

from core.records import Dossier, Evidence, ExtractedValue, Finding
from verify.catalogue import finding
from verify.checks import check
from verify.facts import has_document
from verify.rules import NoticeRules

# Unit documents that must carry the unit's seal besides the commitment (a rules-file parameter once
# the lead adds one: `sealed_documents`).
SEALED_DOCUMENTS = ("commitment", "unit_opinion", "publicity_record", "appraisal", "appointment")
NAMES = {"commitment": "诚信承诺书", "unit_opinion": "单位鉴定意见", "publicity_record": "三公示纪实表",
         "appraisal": "年度考核表", "appointment": "聘任文件"}
SIGNERS = {"applicant_signed": "申报人签字", "unit_signed": "单位负责人签字"}


def _of(dossier: Dossier, field: str, document: str) -> list[ExtractedValue]:
    return [v for v in dossier.values if v.field == field and v.document == document and v.origin == "found"]


def _where(items: list[ExtractedValue]) -> str:
    pages = dict.fromkeys((e.file.rsplit("/", 1)[-1], e.page) for v in items for e in v.evidence[:1] if e.page)
    return "、".join(f"{f}第{p}页" for f, p in pages)


def _evidence(items: list[ExtractedValue], limit: int = 4) -> list[Evidence]:
    return [e for v in items for e in v.evidence][:limit]


def signed(dossier: Dossier, field: str, rules: NoticeRules) -> tuple[bool | None, list[ExtractedValue]]:
    """(True/False/None, the readings it rests on) for a signature of the commitment."""
    got = [v for v in _of(dossier, field, "commitment") if isinstance(v.value, bool)]
    yes = [v for v in got if v.value]
    if yes:
        return True, yes
    if any(v.confidence >= rules.ocr_low_confidence for v in got):
        return False, got
    return None, got


def sealed(dossier: Dossier, document: str, rules: NoticeRules) -> tuple[bool | None, list[ExtractedValue]]:
    """(True/False/None, readings) for the unit seal of every document of type `document`: False when
    one of them shows none (decidedly), True when all that could be told show one."""
    got = _of(dossier, "unit_sealed", document)
    no = [v for v in got if v.value is False and v.confidence >= rules.ocr_low_confidence]
    if no:
        return False, no
    unsure = [v for v in got if v.value is not True]
    if unsure or not got:
        return None, unsure
    return True, got


@check("sign.commitment", emits=("SIGN.MISSING", "CHECK.UNDECIDED"))
def commitment_signed_and_sealed(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SIGN.MISSING: the 双承诺 lacks a signature or the unit seal; CHECK.UNDECIDED where the copy
    cannot show it."""
    if not has_document(dossier, "commitment"):
        return []  # EVID.MISSING
    missing, ev, unsure, unsure_ev = [], [], [], []
    for field, who in SIGNERS.items():
        state, items = signed(dossier, field, rules)
        if state is False:
            missing.append(who)
            ev += _evidence([v for v in items if v.confidence >= rules.ocr_low_confidence], 2)
        elif state is None:
            why = f"{who}处未读出签名（识别置信度不足）" if items else f"未找到{who}处"
            unsure.append(why)
            unsure_ev += _evidence(items, 2)
    state, items = sealed(dossier, "commitment", rules)
    if state is False:
        missing.append("单位公章")
        ev += _evidence(items, 3)
    elif state is None:
        notes = " ".join(v.note or "" for v in items)
        if "DOCX" in notes:
            unsure.append("承诺书为电子文档，无法确认是否加盖单位公章")
        elif items:
            unsure.append("承诺书为黑白扫描件或复印件，红色公章在其上无法显示，且未见公章印迹，无法确认是否加盖单位公章，请核对原件")
        else:
            unsure.append("未能查看承诺书页面图像，无法确认是否加盖单位公章")
        unsure_ev += _evidence(items, 2)
    out = []
    if missing:
        where = _where([v for f in SIGNERS for v in _of(dossier, f, "commitment")] + _of(dossier, "unit_sealed", "commitment"))
        out.append(finding("SIGN.MISSING", f"诚信承诺书（双承诺）缺少{'、'.join(missing)}"
                                           f"{'（' + where + '）' if where else ''}；承诺书须由申报人和单位负责人签字"
                                           f"并加盖单位公章（五(二)）", field="commitment", evidence=ev))
    if unsure:
        out.append(finding("CHECK.UNDECIDED", f"诚信承诺书（双承诺）：{'；'.join(unsure)}（五(二)）",
                           field="commitment", evidence=unsure_ev))
    return out


@check("sign.unit_seals", emits=("SIGN.MISSING",))
def unit_documents_sealed(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """SIGN.MISSING: a unit document other than the commitment that must carry the unit's seal
    decidedly shows none (a colour page without a red seal, or a grey copy without one while the same
    scan shows another seal). Undecidable ones are not reported here."""
    required = rules.sealed_documents or SEALED_DOCUMENTS
    out = []
    for document in required:
        if document == "commitment" or not has_document(dossier, document):
            continue
        state, items = sealed(dossier, document, rules)
        if state is False:
            out.append(finding("SIGN.MISSING", f"{NAMES.get(document, document)}未见单位公章（{_where(items)}）；"
                                               f"单位出具的材料须加盖单位公章（五(二)）",
                               field=document, evidence=_evidence(items, 3)))
    return out
