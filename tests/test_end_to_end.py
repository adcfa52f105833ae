"""`dossier check` end to end: generated scans through real OCR to report.json files."""
import json
from pathlib import Path

import pytest


pytestmark = pytest.mark.xdist_group("checked")


@pytest.fixture
def checked(checked_batch):
    """The batch of conftest.checked_batch (three clean applicants, one faulty, bad files)."""
    return checked_batch


def load(out: Path, key: str) -> dict:
    return json.loads((out / key / "report.json").read_text(encoding="utf-8"))


def test_exit_zero_and_a_report_per_package(checked):
    proc, out, truth = checked["proc"], checked["out"], checked["truth"]
    assert proc.returncode == 0, proc.stderr
    keys = set(truth["applicants"]) | {checked["faulty"], "坏文件-测试", "坏压缩包"}
    assert {p.name for p in out.iterdir() if p.is_dir()} == keys
    batch = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert {a["applicant"] for a in batch["applicants"]} == keys
    assert (out / "index.html").read_text(encoding="utf-8").count("<tr") == len(keys) + 1


def test_documents_carry_types_matching_truth(checked):
    out, truth = checked["out"], checked["truth"]
    right = total = 0
    for key, t in truth["applicants"].items():
        report = load(out, key)
        assert report["applicant"] == key
        got = {(d["file"], d["page"]): d["type"] for d in report["documents"]}
        for page in t["pages"]:
            total += 1
            right += got.get((page["file"], page["page"])) == page["type"]
        shas = {d["sha256"] for d in report["documents"]}
        assert all(len(s) == 64 for s in shas)
    assert total > 20
    assert right / total >= 0.9, f"page types right {right}/{total}"


def test_bad_files_are_listed_not_dropped(checked):
    report = load(checked["out"], "坏文件-测试")
    unreadable = [f for f in report["findings"] if f["rule"] == "INGEST.UNREADABLE"]
    named = {f["evidence"][0]["file"] for f in unreadable}
    assert named == {"scan0001.pdf", "评审表.doc", "empty.jpg"}
    assert report["verdict"] == "needs_review"
    zipped = load(checked["out"], "坏压缩包")
    assert any(f["rule"] == "INGEST.UNREADABLE" for f in zipped["findings"])


def test_originals_untouched(checked):
    after = {p: p.read_bytes() for p in checked["batch"].rglob("*") if p.is_file()}
    assert after == checked["before"]


def test_clean_applicants_verdicts_rest_on_their_findings(checked):
    """Every rule has a check now (no CHECK.INCOMPLETE); a clean applicant is eligible, or needs review for a
    warning the report states (an unsure reading, an undecidable condition) — never ineligible."""
    for key in checked["truth"]["applicants"]:
        report = load(checked["out"], key)
        rules = [f["rule"] for f in report["findings"]]
        assert "CHECK.INCOMPLETE" not in rules
        assert report["verdict"] in ("eligible", "needs_review"), (key, rules)
        if report["verdict"] == "needs_review":
            assert any(f["severity"] == "warn" for f in report["findings"]), (key, rules)
        else:
            assert not [f for f in report["findings"] if f["severity"] != "info"], (key, rules)


def test_clean_applicants_have_no_block_or_error_from_the_checks_that_exist(checked):
    for key in checked["truth"]["applicants"]:
        report = load(checked["out"], key)
        bad = [(f["rule"], f["message"]) for f in report["findings"] if f["severity"] in ("block", "error")]
        assert not bad, (key, bad)
