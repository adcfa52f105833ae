"""FRAUD.IMAGE_EDITED and FRAUD.PDF_EDITED (五(二), warn): a submitted file carries signs of editing.

The readings are extract/forensics.py's `edit_indicators` (one per file that shows a sign): an editor
named in the image's EXIF or the PDF's Producer/Creator, a save long after capture or creation, a text
window of a JPEG whose recompression error stands out against the page's other text, incremental
updates of a PDF and, where its earlier revision could be rendered, the region of the page that
changed. One finding per file, listing every sign, with the page (and the region, where there is one)
as evidence.

These are indicators, not proof: the message says what was seen and asks for the original to be
checked ("疑似 … 请人工核对原件"). Only a PDF page that differs from the file's own earlier revision
is stated as a fact (the file was changed there after it was first saved); whether the change is a
forgery is still for a human. A PDF whose later revisions only add a digital signature is no finding.
"""
from __future__ import annotations

from core.records import Dossier, ExtractedValue, Finding
from verify.catalogue import finding
from verify.checks import check
from verify.rules import NoticeRules

CHANGE_ZH = {"whole_page": "整页内容被替换", "size": "页面尺寸被改变", "none": "内部对象被改写（页面外观未见变化）",
             "unrendered": "内容被改写（无法渲染两版对比）"}


def _edits(dossier: Dossier, pdf: bool) -> list[ExtractedValue]:
    """The files' edit_indicators readings of one kind (PDF or image) that carry at least one sign
    worth a human's look (not only `info`, e.g. a signature added)."""
    out = []
    for v in dossier.values:
        if v.field != "edit_indicators" or not isinstance(v.value, list) or not v.evidence:
            continue
        if v.extractor.startswith("pdf_forensics@") != pdf:
            continue
        if any(i.get("strength") != "info" for i in v.value):
            out.append(v)
    return out


def _where(v: ExtractedValue) -> str:
    from verify.checks_cross import DOC_ZH  # checks_cross registers its checks through verify.checks

    name = v.evidence[0].file.rsplit("/", 1)[-1]
    return f"{name}（{DOC_ZH.get(v.document, v.document)}）" if v.document else name


def image_sign(i: dict) -> str | None:
    kind = i.get("kind")
    if kind == "editor_software":
        return f"EXIF记录的处理软件为“{i['software']}”（图像编辑软件）"
    if kind == "modified_after_capture":
        return f"EXIF修改时间{i['saved']}晚于拍摄时间{i['taken']}，拍摄后曾被再次保存"
    if kind == "no_camera_data":
        return "作为现场照片提交，但EXIF中没有相机品牌和型号（经聊天软件转发也会丢失这些信息）"
    if kind == "recompression_region":
        return (f"第{i['page']}页“{i['text']}”一行的重新压缩误差为同页其他文字的{i['ratio']:.1f}倍"
                f"（z={i['z']:.1f}），疑似后贴入的区块（见红框）")
    return None


def pdf_sign(i: dict) -> str | None:
    kind = i.get("kind")
    if kind == "page_changed":
        if i.get("change") == "region":
            return f"第{i['page']}页与文件首次保存时的版本不同，红框处为两版像素不同的区域"
        return f"第{i['page']}页与文件首次保存时的版本相比{CHANGE_ZH.get(i.get('change'), '内容被改写')}"
    if kind == "incremental_update":
        return f"文件含{i['revisions']}个保存版本（首次保存后又追加修改）"
    if kind == "pages_added_or_removed":
        return f"首次保存时{i['pages_before']}页，现为{i['pages_after']}页"
    if kind == "editor_producer":
        return f"文件的{'生成程序' if i.get('field') == 'Producer' else '创建程序'}为“{i['producer']}”（PDF编辑软件）"
    if kind == "modified_after_creation":
        return f"修改时间{i['modified']}晚于创建时间{i['created']}"
    if kind == "xmp_history":
        return f"XMP编辑历史记录了{'、'.join(i['agents'])}"
    return None


@check("fraud.image_edited", emits=("FRAUD.IMAGE_EDITED",))
def image_edited(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """FRAUD.IMAGE_EDITED per image file with signs of editing (an indicator for a human)."""
    found = []
    for v in _edits(dossier, pdf=False):
        signs = [s for i in v.value if (s := image_sign(i))]
        if signs:
            found.append(finding("FRAUD.IMAGE_EDITED", f"图片{_where(v)}疑似经过编辑：" + "；".join(signs)
                                 + "。以上仅为迹象，不能据此认定造假，请人工核对原件。", evidence=v.evidence))
    return found


@check("fraud.pdf_edited", emits=("FRAUD.PDF_EDITED",))
def pdf_edited(dossier: Dossier, rules: NoticeRules) -> list[Finding]:
    """FRAUD.PDF_EDITED per PDF modified after it was made; where its earlier revision shows what changed,
    the message says so as a fact, with the changed region as evidence."""
    found = []
    for v in _edits(dossier, pdf=True):
        signs = [s for i in v.value if (s := pdf_sign(i))]
        if not signs:
            continue
        changed = any(i.get("kind") == "page_changed" and i.get("change") != "none" for i in v.value)
        head = f"PDF文件{_where(v)}在生成后被修改过：" if changed else f"PDF文件{_where(v)}疑似在生成后被修改："
        tail = "。请调取原件核对被改动处的内容。" if changed else "。以上仅为迹象，不能据此认定造假，请人工核对原件。"
        found.append(finding("FRAUD.PDF_EDITED", head + "；".join(signs) + tail, evidence=v.evidence))
    return found
