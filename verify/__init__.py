"""Verification: checks over a `Dossier` → findings → verdict."""
from __future__ import annotations

import importlib
import pkgutil

from core.records import Dossier, Finding, Verdict
from verify.catalogue import finding, load_catalogue
from verify.batch import emitted_batch_rules
from verify.checks import checks, emitted_rules
from verify.rules import NoticeRules, load_rules

# every verify/checks_*.py module registers its checks on import, every verify/batch_*.py its batch checks
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith(("checks_", "batch_"))):
    importlib.import_module(f"{__name__}.{_module}")

# Rules that are about one applicant but decided over the whole batch (duplicates, plagiarism, pasted seals).
BATCH_RULES = {"FRAUD.DUPLICATE_IMAGE", "FRAUD.PLAGIARISM", "FRAUD.SEAL_PASTED"}


def verify_dossier(dossier: Dossier, rules: NoticeRules | None = None) -> list[Finding]:
    """Run every registered check with the notice's rules (default: the bundled notice); add
    CHECK.INCOMPLETE while catalogue rules lack a check."""
    rules = rules or load_rules()
    findings: list[Finding] = []
    for _, fn in checks.items():
        findings.extend(fn(dossier, rules))
    not_checked = sorted(set(load_catalogue().rules) - emitted_rules() - emitted_batch_rules()
                         - {"CHECK.INCOMPLETE", "CHECK.UNDECIDED"})
    if not_checked:
        findings.append(
            finding(
                "CHECK.INCOMPLETE",
                "以下规则本程序尚未自动核查，请人工核查：" + "、".join(not_checked),
            )
        )
    return findings


def decide_verdict(findings: list[Finding]) -> Verdict:
    """ineligible on any block; needs_review on any error or warn; else eligible."""
    severities = {f.severity for f in findings}
    if "block" in severities:
        return "ineligible"
    if severities & {"error", "warn"}:
        return "needs_review"
    return "eligible"
