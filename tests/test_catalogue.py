"""The finding catalogue and the document-type table: data files loaded and checked."""
import re

from conftest import shared_spec
from core.records import DOC_TYPES, Dossier, Finding, IngestIssue, SourceFile
from extract.classify import load_doctypes
from verify import decide_verdict, verify_dossier
from verify.catalogue import finding, load_catalogue

FINDINGS_MD = shared_spec("findings.md")


def spec_rules() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in FINDINGS_MD.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `([A-Z_.]+)` \| (\w+) \| .*? \| (.*?) \|$", line.strip())
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    return rows


def test_catalogue_holds_every_rule_of_the_spec_with_its_severity_and_clause():
    spec = spec_rules()
    assert len(spec) >= 30
    rules = load_catalogue().rules
    for rule, (severity, clause) in spec.items():
        assert rules[rule].severity == severity, rule
        assert rules[rule].clause == clause, rule


def test_doctype_table_covers_exactly_the_contract_types():
    table = load_doctypes()
    assert set(table.types) == set(DOC_TYPES)
    for name, spec in table.types.items():
        assert name == "other" or spec.titles, f"{name} has no title to recognise it by"


def test_unreadable_file_becomes_a_finding_and_unchecked_rules_are_not_passed():
    bad = SourceFile(
        path="scan.pdf", sha256="0" * 64, size=10, format="pdf", status="failed",
        issues=(IngestIssue(stage="ingest", category="corrupt", message="not a PDF"),),
    )
    findings = verify_dossier(Dossier(applicant="a", files=(bad,)))
    rules = {f.rule for f in findings}
    assert "INGEST.UNREADABLE" in rules
    unreadable = next(f for f in findings if f.rule == "INGEST.UNREADABLE")
    assert unreadable.evidence[0].file == "scan.pdf" and unreadable.clause == "四(三)"
    # rules without a check yet (per dossier or across the batch) are named, so nothing is eligible by omission
    from verify.batch import emitted_batch_rules
    from verify.checks import emitted_rules

    unchecked = set(load_catalogue().rules) - emitted_rules() - emitted_batch_rules() - {"CHECK.INCOMPLETE", "CHECK.UNDECIDED"}
    incomplete = [f for f in findings if f.rule == "CHECK.INCOMPLETE"]
    if unchecked:
        assert all(rule in incomplete[0].message for rule in unchecked) and "PUB.DURATION" not in incomplete[0].message
    else:
        assert incomplete == []
    assert decide_verdict(findings) == "needs_review"


def test_verdict_logic():
    def f(rule):
        return finding(rule, "x")

    assert decide_verdict([]) == "eligible"
    assert decide_verdict([Finding(rule="X", severity="info", message="")]) == "eligible"
    assert decide_verdict([f("OCR.LOW_CONFIDENCE")]) == "needs_review"
    assert decide_verdict([f("CE.MISSING")]) == "needs_review"
    assert decide_verdict([f("CE.MISSING"), f("PUB.DURATION")]) == "ineligible"
