"""The JSON Schema of report.json, shipped as reports/report.schema.json.

The schema is generated from the `core.records.Report` model, so the file and the code cannot drift
apart unnoticed (a test compares them); regenerate with `python -m reports.schema` after changing the
records. `validate(report_dict)` checks one report.json against the shipped file.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from core.records import SCHEMA_VERSION, Report

SCHEMA_FILE = Path(__file__).with_name("report.schema.json")


DATE = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$"}
DAY = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"}
TEXT = {"type": "string", "minLength": 1}
GRADES = ["优秀", "合格", "称职", "基本合格", "基本称职", "不合格", "不称职", "不确定"]
# interface.md's "Field names and normalized values": what `declared` and `found` may hold, per field
VALUES = {
    "name": {"type": "string", "pattern": r"^\S+$"},
    "sex": {"enum": ["男", "女"]},
    "id_number": {"type": "string", "pattern": r"^\d{17}[\dX]$"},
    **{f: DATE for f in ("birth_date", "graduation_date", "work_start_date", "technician_date",
                         "probation_end_date", "submission_date")},
    "education": {"enum": ["doctorate", "master", "second_bachelor", "bachelor", "junior_college", "secondary",
                           "below_secondary"]},
    "degree": {"enum": ["doctor", "master", "bachelor"]},
    "school": TEXT, "major": TEXT, "employer": TEXT, "specialty": TEXT,
    "employer_type": {"enum": ["public_institution", "enterprise", "non_public", "flexible", "freelance",
                               "civil_service"]},
    "appraisals": {"type": "object", "propertyNames": {"pattern": r"^\d{4}$"},
                   "additionalProperties": {"enum": GRADES}},
    "ce_hours": {"type": "object", "propertyNames": {"pattern": r"^\d{4}$"},
                 "additionalProperties": {"type": "number", "minimum": 0}},
    "publicity_start": DAY, "publicity_end": DAY,
    **{f: {"type": "boolean"} for f in ("probation_passed", "report_present", "opinion_present")},
}


def _field_schema(value: dict) -> dict:
    nullable = {"anyOf": [value, {"type": "null"}]}
    return {"allOf": [{"$ref": "#/$defs/FieldReport"}],
            "properties": {"declared": nullable, "found": nullable}}


def generate() -> dict:
    schema = Report.model_json_schema(mode="serialization")
    fields = schema["properties"]["fields"]
    fields["properties"] = {name: _field_schema(value) for name, value in VALUES.items()}
    # not "required": the report of a package that could not be checked has no fields
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://dossier.local/schema/report-{SCHEMA_VERSION}.json",
        "title": "dossier report.json",
        "description": "One applicant's report: verdict, fields (declared, found, evidence), findings, documents, "
                       "files, timeline. The contract is ../shared/spec/interface.md; this file is generated from "
                       "core.records.Report (python -m reports.schema).",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def text() -> str:
    return json.dumps(generate(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(report: dict) -> list[str]:
    """Every way `report` (a parsed report.json) breaks the shipped schema; [] when it is valid."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in sorted(_validator().iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))]


if __name__ == "__main__":
    SCHEMA_FILE.write_text(text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
