"""SIGN.MISSING (verify/checks_sign.py): the 双承诺 without the applicant's or the unit leader's
signature or the unit seal fires; a signature one reading saw, a weak OCR "nothing after the label",
a grey copy that cannot show a red seal, do not (CHECK.UNDECIDED where the condition stays open)."""
from __future__ import annotations

from core.records import Document, Dossier, Evidence, ExtractedValue
from extract.merge import merge_fields
from verify import verify_dossier
from verify.checks_sign import commitment_signed_and_sealed, unit_documents_sealed
from verify.rules import load_rules

RULES = load_rules()
FILES = {"commitment": "scan0009.pdf", "unit_opinion": "opinion.jpg", "appraisal": "appraisal.pdf"}


def reading(field, value, doc="commitment", conf=0.9, extractor="signature_pixels@1", note=None, page=6,
            bbox=(880.0, 626.0, 1160.0, 689.0)):
    return ExtractedValue(field=field, value=value, document=doc, confidence=conf, extractor=extractor, note=note,
                          evidence=(Evidence(file=FILES[doc], page=page, bbox=bbox, text=str(value)),))


def clean(**over):
    vals = {"applicant_signed": reading("applicant_signed", True),
            "unit_signed": reading("unit_signed", True),
            "unit_sealed": reading("unit_sealed", True, extractor="seals@1", bbox=(928.0, 1073.0, 1237.0, 1382.0))}
    vals.update(over)
    return [v for v in vals.values() if v is not None]


def dossier(values, docs=("commitment",)):
    documents = tuple(Document(type=t, file=FILES[t], pages=(6,), sha256="0") for t in docs)
    return Dossier(applicant="a", values=tuple(values), fields=merge_fields(values), documents=documents)


def fired(values, docs=("commitment",)):
    got = commitment_signed_and_sealed(dossier(values, docs), RULES) + unit_documents_sealed(dossier(values, docs), RULES)
    return {f.rule: f for f in got}


def test_signed_and_sealed_is_quiet():
    assert fired(clean()) == {}
    assert not {"SIGN.MISSING"} & {f.rule for f in verify_dossier(dossier(clean()), RULES)}


def test_no_applicant_signature_fires_with_the_slot_as_evidence():
    got = fired(clean(applicant_signed=reading("applicant_signed", False, note="no handwriting in the slot")))
    f = got["SIGN.MISSING"]
    assert f.severity == "error" and f.clause == "五(二)" and f.field == "commitment"
    missing = f.message.split("；")[0]
    assert missing == "诚信承诺书（双承诺）缺少申报人签字（scan0009.pdf第6页）"
    assert f.evidence and f.evidence[0].bbox == (880.0, 626.0, 1160.0, 689.0)
    assert "CHECK.UNDECIDED" not in got


def test_a_name_ocr_read_outweighs_an_empty_looking_slot():
    got = fired(clean(applicant_signed=reading("applicant_signed", False))
                + [reading("applicant_signed", True, conf=0.95, extractor="commitment@1")])
    assert got == {}


def test_a_weak_nothing_after_the_label_accuses_nobody():
    weak = reading("applicant_signed", False, conf=0.7, extractor="commitment@1")
    got = fired(clean(applicant_signed=weak))
    assert "SIGN.MISSING" not in got and "申报人签字" in got["CHECK.UNDECIDED"].message


def test_no_signature_label_found_is_undecided():
    got = fired(clean(unit_signed=None))
    assert "SIGN.MISSING" not in got and "未找到单位负责人签字处" in got["CHECK.UNDECIDED"].message


def test_no_unit_seal_on_a_colour_page_fires():
    got = fired(clean(unit_sealed=reading("unit_sealed", False, extractor="seals@1", bbox=None)))
    assert got["SIGN.MISSING"].message.split("；")[0].endswith("缺少单位公章（scan0009.pdf第6页）")


def test_everything_missing_is_one_finding_naming_all():
    got = fired(clean(applicant_signed=reading("applicant_signed", False), unit_signed=reading("unit_signed", False),
                      unit_sealed=reading("unit_sealed", False, extractor="seals@1")))
    assert list(got) == ["SIGN.MISSING"]
    assert "缺少申报人签字、单位负责人签字、单位公章" in got["SIGN.MISSING"].message


def test_a_grey_copy_never_accuses():
    grey = reading("unit_sealed", None, conf=0.0, extractor="seals@1", note="only a grey copy: ...")
    got = fired(clean(unit_sealed=grey))
    assert "SIGN.MISSING" not in got and "黑白" in got["CHECK.UNDECIDED"].message
    docx = reading("unit_sealed", None, conf=0.0, extractor="seals@1", note="no page image ... (a DOCX or ...)")
    assert "电子文档" in fired(clean(unit_sealed=docx))["CHECK.UNDECIDED"].message


def test_a_grey_copy_whose_scan_shows_another_seal_fires():
    control = reading("unit_sealed", False, conf=0.85, extractor="seals@1", note="a grey copy without a seal; ...")
    assert "缺少单位公章" in fired(clean(unit_sealed=control))["SIGN.MISSING"].message


def test_no_commitment_is_someone_elses_finding():
    assert fired([], docs=("unit_opinion",)) == {}


def test_other_unit_documents_fire_only_when_decidedly_unsealed():
    docs = ("commitment", "unit_opinion", "appraisal")
    base = clean() + [reading("unit_sealed", True, "appraisal", extractor="seals@1")]
    assert fired(base + [reading("unit_sealed", True, "unit_opinion", extractor="seals@1")], docs) == {}
    got = fired(base + [reading("unit_sealed", False, "unit_opinion", extractor="seals@1", page=1)], docs)
    f = got["SIGN.MISSING"]
    assert f.field == "unit_opinion" and "单位鉴定意见未见单位公章" in f.message and f.evidence[0].file == "opinion.jpg"
    unsure = reading("unit_sealed", None, "unit_opinion", conf=0.0, extractor="seals@1", note="only a grey copy")
    assert fired(base + [unsure], docs) == {}
