"""Command-line errors: clear message and the documented exit code, never a traceback."""
import subprocess
import sys
from pathlib import Path

DOSSIER = str(Path(sys.executable).parent / "dossier")


def run(*args):
    return subprocess.run([DOSSIER, *args], capture_output=True, text=True, timeout=120)


def test_missing_batch_exits_3_with_a_hint(tmp_path):
    proc = run("check", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 3
    assert "does not exist" in proc.stderr and "how to fix" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_out_inside_batch_is_refused(tmp_path):
    (tmp_path / "b" / "someone").mkdir(parents=True)
    proc = run("check", str(tmp_path / "b"), "--out", str(tmp_path / "b" / "out"), "--quiet")
    assert proc.returncode == 6, proc.stderr
    assert "inside the batch" in proc.stderr


def test_unknown_engine_lists_the_known_ones(tmp_path):
    (tmp_path / "b").mkdir()
    proc = run("check", str(tmp_path / "b"), "--out", str(tmp_path / "o"), "--ocr-engine", "nope")
    assert proc.returncode == 2
    assert "tesseract@1" in proc.stderr and "rapidocr@1" in proc.stderr


def test_missing_rules_file_is_a_usage_error(tmp_path):
    (tmp_path / "b").mkdir()
    proc = run("check", str(tmp_path / "b"), "--out", str(tmp_path / "o"), "--rules", str(tmp_path / "r.yaml"))
    assert proc.returncode == 2 and "rules file" in proc.stderr


def test_empty_batch_writes_an_empty_index(tmp_path):
    (tmp_path / "b").mkdir()
    proc = run("check", str(tmp_path / "b"), "--out", str(tmp_path / "o"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "batch.json").exists()


def test_check_ends_by_printing_where_index_html_is(tmp_path):
    """`make demo` ends with `dossier demo`, whose last line is the index to open (as for `check`)."""
    (tmp_path / "b").mkdir()
    proc = run("check", str(tmp_path / "b"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last == f"open in a browser: {(tmp_path / 'o' / 'index.html').resolve()}"
    assert (tmp_path / "o" / "index.html").is_file()


def test_fixtures_in_the_alternative_layouts(tmp_path):
    import json

    proc = run("fixtures", "--seed", "3", "--n", "1", "--no-faults", "--layouts", "alt", "--out", str(tmp_path / "b"))
    assert proc.returncode == 0, proc.stderr
    truth = json.loads((tmp_path / "b" / "truth.json").read_text(encoding="utf-8"))
    (applicant,) = truth["applicants"].values()
    assert "alt" in {p.get("layout") for p in applicant["pages"]}


def test_a_broken_rules_file_exits_5(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "rules.yaml").write_text("id: x\n", encoding="utf-8")
    proc = run("check", str(tmp_path / "b"), "--out", str(tmp_path / "o"), "--rules", str(tmp_path / "rules.yaml"))
    assert proc.returncode == 5, proc.stderr
    assert "not valid" in proc.stderr and "Traceback" not in proc.stderr
