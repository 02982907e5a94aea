"""FHIR R4 search (search.html) for what we serve: the parameters each resource type takes,
their parsing (a bad or unknown parameter is refused, naming it), paging (`_count`, next
links) and the searchset Bundle. Also the CapabilityStatement that declares all of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.utils import timezone

from interop.fhir.common import FHIR_JSON, Base, search_entries

DEFAULT_COUNT = 50
MAX_COUNT = 200
MAX_OFFSET = 100_000
# Parameters every search and read accepts (the result parameters we implement or refuse).
COMMON = ("_format", "_count", "_offset", "_summary", "_elements", "_sort")


class BadSearch(ValueError):
    """A search parameter we refuse: answered 400 with an OperationOutcome naming it."""

    def __init__(self, parameter: str, message: str, code: str = "invalid"):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.code = code


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str
    documentation: str


# The search parameters of each resource type (the CapabilityStatement lists these).
SEARCH_PARAMS: dict[str, tuple[SearchParam, ...]] = {
    "Patient": (
        SearchParam("_id", "token", "The patient's id (our UUID)."),
        SearchParam("identifier", "token", "The MRN: `system|value` (our MRN system) or `value`."),
    ),
    "QuestionnaireResponse": (
        SearchParam("_id", "token", "The response's id (the intake's UUID)."),
        SearchParam("patient", "reference", "The patient: `Patient/<id>` or `<id>`."),
        SearchParam("subject", "reference", "The same as `patient`."),
        SearchParam("questionnaire", "reference", "Our Questionnaire's canonical URL."),
        SearchParam("authored", "date", "When it was completed: `ge`/`le`/`gt`/`lt`/`eq`."),
        SearchParam("status", "token", "`completed` or `in-progress`."),
    ),
    "PlanDefinition": (
        SearchParam("url", "uri", "The canonical URL."),
        SearchParam("version", "token", "A criteria set version."),
    ),
    "Questionnaire": (
        SearchParam("url", "uri", "The canonical URL."),
        SearchParam("version", "token", "The data-dictionary version."),
    ),
}
# Read-only types and the interactions each supports.
INTERACTIONS: dict[str, tuple[str, ...]] = {
    "Patient": ("read", "search-type"),
    "QuestionnaireResponse": ("read", "search-type"),
    "GuidanceResponse": ("read",),
    "ClinicalImpression": ("read",),
    "PlanDefinition": ("read", "vread", "search-type"),
    "Questionnaire": ("read", "search-type"),
    "CodeSystem": ("read",),
}
OPERATIONS = {
    "Patient": [("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything")],
    "QuestionnaireResponse": [
        ("validate", "http://hl7.org/fhir/OperationDefinition/Resource-validate")
    ],
}


def params_of(request, resource_type: str) -> dict[str, str]:
    """The search parameters of a request (one value each), or BadSearch for an unknown or
    repeated one."""
    allowed = {p.name for p in SEARCH_PARAMS[resource_type]} | set(COMMON)
    found = {}
    for name in request.GET:
        if name not in allowed:
            raise BadSearch(
                name, f"is not a search parameter of {resource_type} here", "not-supported"
            )
        values = request.GET.getlist(name)
        if name != "authored" and len(values) > 1:
            raise BadSearch(name, "may be given once")
        if any(len(value) > 500 for value in values):
            raise BadSearch(name, "is too long (at most 500 characters)")
        found[name] = values[0] if name != "authored" else values  # type: ignore[assignment]
    if "_sort" in found and found["_sort"] not in ("authored", "-authored"):
        raise BadSearch("_sort", "only authored or -authored is supported", "not-supported")
    return found


def paging(params: dict) -> tuple[int, int]:
    """(_count, _offset) from the parameters, within bounds."""
    try:
        count = int(params.get("_count", DEFAULT_COUNT))
        offset = int(params.get("_offset", 0))
    except ValueError:
        raise BadSearch("_count", "and _offset must be whole numbers") from None
    if not 0 <= count <= MAX_COUNT:
        raise BadSearch("_count", f"must be from 0 to {MAX_COUNT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise BadSearch("_offset", f"must be from 0 to {MAX_OFFSET}")
    return count, offset


def token(value: str) -> tuple[str | None, str]:
    """A token parameter: (system, code); system None when the value names none."""
    system, separator, code = value.rpartition("|")
    return (system if separator else None), code


def reference_id(value: str, resource_type: str) -> str:
    """The id a reference parameter names: `Type/id`, an absolute URL ending so, or `id`."""
    if "/" in value:
        head, _, tail = value.rstrip("/").rpartition("/")
        if not head.endswith(resource_type):
            raise BadSearch("patient", f"must reference a {resource_type}")
        return tail
    return value


_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le")


def date_bounds(values: list[str]) -> list[tuple[str, datetime]]:
    """Each `authored` value as (prefix, moment); a bare date is the start of that day (with
    `le`/`gt`: its end)."""
    bounds = []
    for value in values:
        prefix = value[:2] if value[:2] in _PREFIXES else "eq"
        text = value[2:] if value[:2] in _PREFIXES else value
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                moment = timezone.make_aware(datetime.combine(day, datetime.min.time()))
                if prefix in ("le", "gt"):
                    moment = moment + timedelta(days=1) - timedelta(microseconds=1)
            else:
                moment = datetime.fromisoformat(text)
                if moment.tzinfo is None:
                    moment = timezone.make_aware(moment)
        except ValueError:
            raise BadSearch("authored", f"{value!r} is not a date or date-time") from None
        if prefix == "ne":
            raise BadSearch("authored", "the ne prefix is not supported", "not-supported")
        bounds.append((prefix, moment))
    return bounds


def bundle(
    base: Base, request, resources: list[dict], *, total: int, count: int, offset: int
) -> dict:
    """A searchset Bundle with `total`, the `self` link, and `next`/`previous` links."""
    path = f"{base.url}{request.path}"
    query = [(k, v) for k, values in request.GET.lists() for v in values if k != "_offset"]

    def link(relation: str, at: int) -> dict:
        params = query + ([("_offset", str(at))] if at else [])
        return {"relation": relation, "url": path + (f"?{urlencode(params)}" if params else "")}

    links = [link("self", offset)]
    if count and offset + count < total:
        links.append(link("next", offset + count))
    if offset:
        links.append(link("previous", max(0, offset - count)))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": search_entries(base, resources),
    }


def capability_statement(base: Base, *, published: datetime) -> dict:
    """GET /fhir/metadata: what this server does (R4 http.html#capabilities)."""
    resources = []
    for resource_type, interactions in INTERACTIONS.items():
        entry: dict = {
            "type": resource_type,
            "interaction": [{"code": code} for code in interactions],
        }
        if "vread" in interactions:
            entry["versioning"] = "versioned"
        if resource_type in SEARCH_PARAMS:
            entry["searchParam"] = [
                {
                    "name": p.name,
                    "definition": _definition(resource_type, p.name),
                    "type": p.type,
                    "documentation": p.documentation,
                }
                for p in SEARCH_PARAMS[resource_type]
            ]
        if resource_type in OPERATIONS:
            entry["operation"] = [
                {"name": name, "definition": definition}
                for name, definition in OPERATIONS[resource_type]
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "id": "amps-screen",
        "url": f"{base.fhir}/metadata",
        "name": "AmpsScreenFhirServer",
        "title": "AMPS screen FHIR server",
        "status": "active",
        "date": published.isoformat(timespec="seconds"),
        "publisher": "amps_screen",
        "kind": "instance",
        "implementation": {"description": "AMPS screen: read-only FHIR R4", "url": base.fhir},
        "software": {"name": "amps_screen"},
        "fhirVersion": "4.0.1",
        "format": ["json", FHIR_JSON],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only. Results are paged with _count (at most "
                    f"{MAX_COUNT}); _summary=count and _elements are supported; XML is not."
                ),
                "security": {
                    "cors": False,
                    "service": [{"text": "Bearer API token"}],
                    "description": (
                        "Send `Authorization: Bearer <API token>` (an API client created in "
                        "the admin, scope read), or sign in. Every read of patient data is in "
                        "the access log."
                    ),
                },
                "resource": resources,
            }
        ],
    }


def _definition(resource_type: str, name: str) -> str:
    if name == "_id":
        return "http://hl7.org/fhir/SearchParameter/Resource-id"
    if resource_type == "Patient" and name == "identifier":
        return "http://hl7.org/fhir/SearchParameter/Patient-identifier"
    if resource_type in ("PlanDefinition", "Questionnaire"):
        return f"http://hl7.org/fhir/SearchParameter/{resource_type}-{name}"
    return f"http://hl7.org/fhir/SearchParameter/QuestionnaireResponse-{name}"
