"""What every FHIR resource we build shares: our base URL, code systems and small helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape
from urllib.parse import urlencode

from django.conf import settings

FHIR_JSON = "application/fhir+json"
QUESTIONNAIRE_ID = "amps-intake"
PLAN_DEFINITION_ID = "amps-criteria"
FACTS_CODE_SYSTEM = "amps-facts"
# The data-dictionary version the Questionnaire describes (its heading says "v1").
DICTIONARY_VERSION = "1"

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition"
EXT = "http://hl7.org/fhir/StructureDefinition"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ADMINISTRATIVE_GENDER = "http://hl7.org/fhir/administrative-gender"


@dataclass(frozen=True)
class Base:
    """Our public base URL (AMPS_BASE_URL, or the one the request came in on) and the
    canonical URLs built on it."""

    url: str

    @classmethod
    def of(cls, request) -> Base:
        configured = settings.AMPS_BASE_URL
        return cls(configured or request.build_absolute_uri("/").rstrip("/"))

    @property
    def fhir(self) -> str:
        return f"{self.url}/fhir"

    @property
    def questionnaire(self) -> str:
        return f"{self.fhir}/Questionnaire/{QUESTIONNAIRE_ID}"

    @property
    def questionnaire_canonical(self) -> str:
        return f"{self.questionnaire}|{DICTIONARY_VERSION}"

    @property
    def plan_definition(self) -> str:
        return f"{self.fhir}/PlanDefinition/{PLAN_DEFINITION_ID}"

    def code_system(self, code_system_id: str) -> str:
        return f"{self.fhir}/CodeSystem/{code_system_id}"

    @property
    def mrn_system(self) -> str:
        return settings.AMPS_MRN_SYSTEM or f"{self.fhir}/sid/mrn"

    def structure(self, name: str) -> str:
        return f"{self.fhir}/StructureDefinition/{name}"


def canonical_url(fhir_base: str, resource_type: str, canonical: str, version) -> str:
    """A browsable URL of one version of a canonical resource: the search by url and version
    (the canonical form `url|version` is not a valid URL)."""
    query = urlencode({"url": canonical, "version": str(version)})
    return f"{fhir_base}/{resource_type}?{query}"


def fhir_id(name: str) -> str:
    """A FHIR id for one of our names: ids allow letters, digits, '-' and '.', no '_'."""
    return name.replace("_", "-")


def instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def number(value):
    """A stored number as JSON: Decimal as float (FHIR decimals), others unchanged."""
    return float(value) if isinstance(value, Decimal) else value


def coding(system: str, code: str, display: str = "") -> dict:
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def concept(system: str, code: str, display: str = "") -> dict:
    """A CodeableConcept with one coding (and its display as text)."""
    result: dict = {"coding": [coding(system, code, display)]}
    if display:
        result["text"] = display
    return result


def search_entries(base: Base, resources: list[dict]) -> list[dict]:
    """A searchset Bundle's entries: each resource at its full URL, a match."""
    return [
        {
            "fullUrl": f"{base.fhir}/{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in resources
    ]


def reference(resource_type: str, resource_id, display: str = "") -> dict:
    result = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        result["display"] = display
    return result


# --- Narrative -----------------------------------------------------------------------------------

XHTML = "http://www.w3.org/1999/xhtml"
# Resources that are not DomainResources, or whose text adds nothing, get no narrative.
NO_NARRATIVE = ("Bundle", "OperationOutcome", "Parameters", "Binary")


def _summary_of(resource: dict) -> str:
    kind = resource.get("resourceType", "")
    if kind == "Patient":
        name = (resource.get("name") or [{}])[0]
        mrn = (resource.get("identifier") or [{}])[0].get("value", "")
        given = " ".join(name.get("given", []))
        return f"{name.get('family', '')}, {given}; MRN {mrn}; born {resource.get('birthDate')}"
    if kind == "QuestionnaireResponse":
        return (
            f"AMPS intake ({resource.get('status')}), authored {resource.get('authored')}, "
            f"{len(resource.get('item', []))} sections answered"
        )
    if kind == "GuidanceResponse":
        notes = resource.get("note") or [{"text": "AMPS screen suggestion"}]
        return f"{notes[0]['text']} (criteria {resource.get('moduleCanonical')})"
    if kind == "ClinicalImpression":
        return f"{resource.get('description')}: {resource.get('summary')}"
    title = resource.get("title") or resource.get("name") or kind
    version = resource.get("version")
    return f"{title} (version {version})" if version else title


def with_narrative(resource: dict) -> dict:
    """The resource with a generated narrative `text` (a one-line summary of its data)."""
    if resource.get("resourceType") in NO_NARRATIVE or "text" in resource:
        return resource
    tags = (resource.get("meta") or {}).get("tag") or []
    if any(tag.get("code") == "SUBSETTED" for tag in tags):
        return resource  # an _elements subset: a summary of the whole would mislead
    div = f'<div xmlns="{XHTML}"><p>{escape(_summary_of(resource))}</p></div>'
    return {**resource, "text": {"status": "generated", "div": div}}


def operation_outcome(code: str, diagnostics: str, *, expression: str = "") -> dict:
    """An OperationOutcome with one error issue (code from the FHIR issue-type value set)."""
    issue: dict = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
