"""FRAUD.PLAGIARISM across the batch (verify/batch_plagiarism.py), on reports from the fixture factory's
own text generator: a copy with the names swapped (as fixtures/batch.py plants it) is found for both
applicants; two reports on the same template, a paraphrase and a report sharing only the template are not.
The last test goes through real dossiers: a text-layer PDF and a rendered scan read by OCR."""
from __future__ import annotations

import io
import random

import pytest

from core.records import Dossier, FieldReport
from dossier.pipeline import Options, read_member
from extract.classify import group_documents
from fixtures.batch import _copy_report
from fixtures.people import make_applicant
from fixtures.report_text import report_pages, report_pdf, report_sections
from verify.batch import Fingerprint, TextLine, cross_check, fingerprint
from verify.batch_plagiarism import THRESHOLD, find_overlaps, plagiarism
from verify.rules import load_rules

WIDTH = 34  # characters per printed line in the synthetic reports


def _applicants(seed: int, n: int, sector: str = "燃气"):
    """`n` applicants of one sector (their reports draw on the same task bank: the hardest negatives)."""
    rng, out, taken = random.Random(seed), [], set()
    while len(out) < n:
        a = make_applicant(rng, len(out), taken)
        if a.work_specialty.startswith(sector):
            taken.add(a.key)
            out.append(a)
    return out


def _lines(a, sections, width: int = WIDTH) -> tuple[TextLine, ...]:
    """The report as printed lines (title, the applicant's line, headings, wrapped paragraphs, signature)."""
    file = f"{a.key}/专业技术工作总结.pdf"
    texts = ["专业技术工作总结", f"{a.employer}  {a.name}"]
    for head, paras in sections:
        texts.append(head)
        for p in paras:
            texts.extend(p[i:i + width] for i in range(0, len(p), width))
    texts += [f"报告人：{a.name}", "2024年11月26日"]
    return tuple(TextLine(file=file, page=1 + i // 28, bbox=(72.0, 60.0 + (i % 28) * 21, 520.0, 72.0 + (i % 28) * 21),
                          text=t) for i, t in enumerate(texts))


def _print(a, sections, width: int = WIDTH) -> Fingerprint:
    return Fingerprint(applicant=a.key, name=a.name, employer=a.employer, report=_lines(a, sections, width))


@pytest.fixture(scope="module")
def batch():
    """Ten applicants' own reports; the second copies the first's with the names swapped (and wraps its
    lines elsewhere, as another layout would)."""
    apps = _applicants(21, 10)
    sections = {a.key: report_sections(a, random.Random(i)) for i, a in enumerate(apps)}
    prints = [_print(a, sections[a.key]) for a in apps]
    source, copier = apps[0], apps[1]
    prints[1] = _print(copier, _copy_report(sections[source.key], source, copier), width=WIDTH + 3)
    return apps, sections, prints


def test_copy_with_names_swapped_is_found_for_both(batch):
    apps, _, prints = batch
    source, copier = apps[0].key, apps[1].key
    found = plagiarism(prints, load_rules())
    assert set(found) == {source, copier}, found.keys()
    for me, other in ((source, copier), (copier, source)):
        (f,) = found[me]
        assert f.rule == "FRAUD.PLAGIARISM" and f.severity == "warn"
        assert other in f.message and "无法判断" in f.message and "Jaccard" in f.message
        files = [ev.file for ev in f.evidence]
        # side by side: own line, the other's line, own line, ...
        assert files[0::2] and all(x.startswith(me) for x in files[0::2])
        assert len(files[1::2]) == len(files[0::2]) and all(x.startswith(other) for x in files[1::2])
        assert 1 <= len(files) // 2 <= 4
        for mine, theirs in zip(f.evidence[0::2], f.evidence[1::2]):
            assert mine.bbox is not None and theirs.bbox is not None
            # the paired lines share a passage of their own (not only a name or a date)
            assert any(mine.text[i:i + 6] in theirs.text for i in range(len(mine.text) - 5))


def test_copy_scores_far_above_the_threshold_and_the_others_far_below(batch):
    _, _, prints = batch
    _, seen = find_overlaps(prints)
    ranked = sorted(seen["jaccards"].values(), reverse=True)
    assert ranked[0] >= THRESHOLD + 0.15
    assert all(j < THRESHOLD - 0.1 for j in ranked[1:])


def test_two_reports_on_the_same_template_are_not_plagiarism(batch):
    """Two applicants' own reports from the generator: same headings, same phrase banks, same sector."""
    apps, sections, _ = batch
    prints = [_print(a, sections[a.key]) for a in apps]  # nobody copies
    assert plagiarism(prints, load_rules()) == {}
    a, b = apps[2], apps[3]
    found, seen = find_overlaps([_print(a, sections[a.key]), _print(b, sections[b.key])] + prints[4:])
    assert found == []


PARAPHRASE = [  # (generator's phrasing, the same said otherwise)
    ("本人负责现场技术资料收集与方案编制，认真分析存在的问题，提出改进措施并跟踪落实",
     "由我收集现场的技术资料、编写方案，对发现的问题逐一分析，拿出整改办法后盯到落实为止"),
    ("参加工作以来，我始终坚持", "工作这些年来，自己一直做到"), ("在近几年的工作中，本人注重", "最近几年，我比较重视"),
    ("自入职以来，我一直", "进单位后，自己始终"), ("在工作实践中，本人始终", "实际工作里，我一贯"),
    ("理论联系实际，虚心向老同志请教", "把书本知识用到现场，遇事多问老师傅"),
    ("把安全生产放在首位，严格执行规程措施", "安全第一，规程措施一条不落地执行"),
    ("勤于思考、敢于担当", "肯动脑筋、遇事不推"), ("立足岗位、踏实肯干", "干一行爱一行、实打实地干"),
    ("不断加强专业理论学习，提高业务能力", "坚持学习专业知识，业务水平逐步提高"),
    ("有效降低了设备故障率", "设备出故障的次数明显少了"), ("得到了单位领导和同事的一致认可", "领导同事都比较满意"),
    ("保证了安全生产无事故", "一直没出安全事故"), ("近年来，本人主要承担了", "这几年我手上的主要任务有"),
    ("等任务，均按期保质完成", "等，都按时按质量干完了"),
    ("今后我将继续加强学习，努力提高专业技术水平，为单位的发展贡献自己的力量", "以后还要多学多练，把技术练得更扎实，为单位多出力"),
    ("工作中", "这项工作里"), ("被聘任为技术员，至今一直从事", "开始担任技术员，此后一直做"),
    ("参加工作，进入", "开始工作，分配到"), ("等部门从事技术工作", "这些部门搞技术"),
]


def _paraphrase(sections):
    out = []
    for head, paras in sections:
        new = []
        for p in paras:
            for old, said in PARAPHRASE:
                p = p.replace(old, said)
            new.append(p)
        out.append((head, new))
    return out


def test_a_paraphrase_and_a_template_only_copy_are_near_misses(batch):
    """The source's content retold (the same tasks, results and honours, in other words), and a report of
    another applicant that keeps only the template's sentences: neither reaches the threshold."""
    apps, sections, _ = batch
    prints = [_print(a, sections[a.key]) for a in apps]
    retold = _paraphrase(_copy_report(sections[apps[0].key], apps[0], apps[1]))
    prints[1] = _print(apps[1], retold)
    found, seen = find_overlaps(prints)
    assert found == []
    pair = tuple(sorted((apps[0].key, apps[1].key)))
    assert seen["jaccards"].get(pair, 0.0) < THRESHOLD - 0.1
    # only the template: headings and the fixed sentences, every variable part of the source left out
    skeleton = [(head, [p[:0] + "本人负责现场技术资料收集与方案编制，认真分析存在的问题，提出改进措施并跟踪落实。"
                        for p in paras]) for head, paras in sections[apps[0].key]]
    prints[1] = _print(apps[1], skeleton)
    found, _ = find_overlaps(prints)
    assert found == []


def _png(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _dossier(key: str, name: str, employer: str, members: dict[str, bytes]) -> Dossier:
    files, pages = [], []
    for path, data in members.items():
        source, got = read_member(path, data, Options())
        files.append(source)
        pages.extend(got)
    documents = group_documents(pages, {f.path: f.sha256 for f in files})
    return Dossier(applicant=key, files=tuple(files), pages=tuple(pages), documents=tuple(documents),
                   fields={"name": FieldReport(found=name), "employer": FieldReport(found=employer)})


def test_through_real_dossiers_a_text_layer_pdf_and_its_scanned_copy():
    """The source hands in a text-layer PDF, the copier a scan of the copy (OCR'd here); six others on the
    same template write their own (a batch large enough to learn the template from). The fingerprints come
    from the dossiers' PageText lines; the evidence keeps each side's units (PDF points, scan pixels)."""
    source, copier, *others = _applicants(33, 8)
    rng = random.Random(4)
    src_sections = report_sections(source, rng)
    pdf, _ = report_pdf(source, src_sections, "2024年11月26日", "20241126090000+08'00'")
    st = {"font": "NotoSansCJK-Regular.ttc", "dpi": 150, "margin": 25}
    scan = report_pages(copier, _copy_report(src_sections, source, copier), "2024年12月3日", st)
    dossiers = [
        _dossier(source.key, source.name, source.employer, {"总结.pdf": pdf}),
        _dossier(copier.key, copier.name, copier.employer, {f"scan{i}.png": _png(p.image) for i, p in enumerate(scan)}),
    ] + [_dossier(o.key, o.name, o.employer, {"工作总结.pdf": report_pdf(o, report_sections(o, random.Random(100 + i)),
                                                                      "2024年11月20日", "20241120090000+08'00'")[0]})
         for i, o in enumerate(others)]
    prints = [fingerprint(d) for d in dossiers]
    assert all(len(fp.report) > 15 for fp in prints), [len(fp.report) for fp in prints]
    found = cross_check(prints, load_rules())
    got = {k: [f for f in v if f.rule == "FRAUD.PLAGIARISM"] for k, v in found.items()}
    got = {k: v for k, v in got.items() if v}
    assert set(got) == {source.key, copier.key}
    (f,) = got[copier.key]
    mine, theirs = f.evidence[0], f.evidence[1]
    assert mine.file.startswith("scan") and theirs.file == "总结.pdf"
    assert mine.bbox[2] > 700  # scan pixels at 150 dpi: an A4 line reaches past 700 px
    assert theirs.bbox[2] <= 596  # PDF points: A4 is 595 pt wide
    assert source.name in f.message or source.key in f.message


def test_a_batch_too_small_to_learn_the_template_reports_only_a_near_verbatim_copy():
    """Three reports: nothing can be told to be template, so no pair on the template is reported, while a
    copy with the names swapped still is (at the stricter threshold)."""
    apps = _applicants(41, 3)
    sections = {a.key: report_sections(a, random.Random(i)) for i, a in enumerate(apps)}
    prints = [_print(a, sections[a.key]) for a in apps]
    found, seen = find_overlaps(prints)
    assert found == [] and seen["template"] == set() and seen["threshold"] > THRESHOLD
    prints[2] = _print(apps[2], _copy_report(sections[apps[0].key], apps[0], apps[2]))
    got = plagiarism(prints, load_rules())
    assert set(got) == {apps[0].key, apps[2].key}
    assert "未能识别通用套话" in got[apps[2].key][0].message
