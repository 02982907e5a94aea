"""The intake as a FHIR R4 Questionnaire (with SDC extensions), built from the fact registry.

One group per data-dictionary section, one item per fact (linkId = the fact name), the derived
facts as read-only items with an SDC calculatedExpression in FHIRPath generated from the same
code lists the engine derives them from. Also the local CodeSystems our codes come from."""

from __future__ import annotations

from intake.models import Intake
from intake.rules import facts
from interop.fhir.common import (
    ADMINISTRATIVE_GENDER,
    DICTIONARY_VERSION,
    EXT,
    FACTS_CODE_SYSTEM,
    LOINC,
    QUESTIONNAIRE_ID,
    SDC,
    SNOMED,
    UCUM,
    Base,
    coding,
    fhir_id,
)
from interop.fhir.terms import TERM_SYSTEMS

ITEM_TYPES = {
    facts.BOOL: "boolean",
    facts.INT: "integer",
    facts.DECIMAL: "decimal",
    facts.CHOICE: "choice",
    facts.CODES: "choice",
}
VALUE_KEYS = {
    "boolean": "valueBoolean",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "choice": "valueCoding",
    "date": "valueDate",
    "text": "valueString",
    "string": "valueString",
}
# Standard codes for an item, where a published guide or FHIR example gives one
# (shared/interop.md); every item also carries its local code (the fact name).
# pain_now has none: its scale (NRS 72514-3 or FPS-R 57696-7) is another answer, and a code
# on the item would claim one scale for every response. ESR carries the method-less code: the
# method (Westergren or another) is not recorded.
STANDARD_CODES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "crp_mg_l": (
        (LOINC, "1988-5", "C reactive protein [Mass/volume] in Serum or Plasma"),
    ),
    "esr_mm_hr": (
        (LOINC, "30341-2", "Erythrocyte sedimentation rate"),
    ),
    "fever": ((SNOMED, "386661006", "Fever (finding)"),),
    "joint_swelling_observed": ((SNOMED, "271771009", "Joint swelling (finding)"),),
}  # fmt: skip
# The registry's units as UCUM codes.
UCUM_UNITS = {
    "years": "a",
    "weeks": "wk",
    "minutes": "min",
    "days": "d",
    "°C": "Cel",
    "g/dL": "g/dL",
    "×10⁹/L": "10*9/L",
    "mm/h": "mm/h",
    "mg/L": "mg/L",
}
# Choice facts whose codes are those of a FHIR value set (else a local CodeSystem per fact).
STANDARD_ANSWER_SYSTEMS = {"sex": ADMINISTRATIVE_GENDER}
# Red-flag details that may stay empty while their red flag is yes (null: not measured).
OPTIONAL_DETAILS = ("highest_temperature_c",)
# Intake fields that are not facts but are part of the form (never identifying).
EXTRA_ITEMS = {"Patient": ("intake_date",)}
NOTES_GROUP = "Notes"
DERIVED_GROUP = "Derived"


# --- The data dictionary's rules that tie answers together (section 8) ---------------------------


def _answer_of(link_id: str) -> str:
    return f"%resource.repeat(item).where(linkId='{link_id}').answer.value"


def _constraint(key: str, human: str, expression: str) -> dict:
    """The core questionnaire-constraint extension: a FHIRPath invariant, checked on the
    response item in whose definition it sits."""
    return {
        "url": f"{EXT}/questionnaire-constraint",
        "extension": [
            {"url": "key", "valueId": key},
            {"url": "severity", "valueCode": "error"},
            {"url": "expression", "valueString": expression},
            {"url": "human", "valueString": human},
        ],
    }


_FPS_R = " | ".join(str(score) for score in facts.FPS_R_SCORES)
# Per item: the rules as questionnaire-constraint extensions.
CONSTRAINTS: dict[str, list[dict]] = {
    name: [
        _constraint(
            f"{fhir_id(name)}-fps-r",
            f"{facts.INPUT_FACTS[name].label} on the Faces Pain Scale-Revised is "
            f"{', '.join(str(score) for score in facts.FPS_R_SCORES)}.",
            f"{_answer_of('pain_scale')}.code = '{facts.PAIN_SCALE_FPS_R}' implies "
            f"answer.value.all($this in ({_FPS_R}))",
        )
    ]
    for name in facts.PAIN_SCORE_FIELDS
}
CONSTRAINTS["pain_worst"].append(
    _constraint(
        "pain-worst-not-below-now",
        "Worst pain cannot be below pain now.",
        f"({_answer_of('pain_now')}.exists() and answer.value.exists()) implies "
        f"answer.value.single() >= {_answer_of('pain_now')}.single()",
    )
)
CONSTRAINTS["triggers"] = [
    _constraint(
        "triggers-none-alone",
        "'None' cannot be combined with another trigger.",
        f"answer.value.where(code = '{facts.TRIGGER_NONE}').exists() implies answer.count() = 1",
    )
]
CONSTRAINTS["kawasaki_features"] = [
    _constraint(
        "kawasaki-none-alone",
        "'None of these' cannot be combined with a Kawasaki feature.",
        f"answer.value.where(code = '{facts.KAWASAKI_NONE}').exists() implies answer.count() = 1",
    )
]
# Options that exclude every other answer of their item (core questionnaire-optionExclusive).
EXCLUSIVE_OPTIONS = {"triggers": facts.TRIGGER_NONE, "kawasaki_features": facts.KAWASAKI_NONE}


def enable_when(base: Base, name: str) -> dict:
    """The item's enableWhen, or {}: the pain scores are asked unless the scale is not
    assessable; a red-flag detail (§5a) when one of its red flags is yes."""
    asked_when = facts.INPUT_FACTS[name].asked_when if name in facts.INPUT_FACTS else ()
    if asked_when:
        conditions = [
            {"question": flag, "operator": "=", "answerBoolean": True} for flag in asked_when
        ]
        return {
            "enableWhen": conditions,
            **({"enableBehavior": "any"} if len(conditions) > 1 else {}),
        }
    if name in facts.PAIN_SCORE_FIELDS:
        return {
            "enableWhen": [
                {
                    "question": "pain_scale",
                    "operator": "!=",
                    "answerCoding": coding(
                        answer_system(base, "pain_scale"), facts.PAIN_SCALE_NOT_ASSESSABLE
                    ),
                }
            ],
        }
    return {}


def answer_system(base: Base, fact_name: str) -> str:
    return STANDARD_ANSWER_SYSTEMS.get(fact_name) or base.code_system(
        answer_code_system_id(fact_name)
    )


def answer_code_system_id(fact_name: str) -> str:
    return f"amps-{fhir_id(fact_name)}"


def group_link_id(section: str) -> str:
    return fhir_id(section.lower().replace(" ", "-"))


# --- SDC calculatedExpression for the derived facts, in FHIRPath ----------------------------


def _values(link_id: str) -> str:
    return f"%resource.repeat(item).where(linkId='{link_id}').answer.value"


def _codes_among(link_id: str, codes) -> str:
    listed = " | ".join(f"'{code}'" for code in codes)
    return f"{_values(link_id)}.code.where($this in ({listed}))"


def _any_true(names) -> str:
    return " or ".join(f"{_values(name)}.where($this = true).exists()" for name in names)


def _count_groups(groups) -> str:
    return "(" + " + ".join(f"iif({condition}, 1, 0)" for condition in groups) + ")"


def _sum_items(names) -> str:
    parts = []
    for name in names:
        if facts.FACTS[name].type == facts.BOOL:
            parts.append(f"iif({_values(name)}.where($this = true).exists(), 1, 0)")
        else:
            parts.append(f"{_values(name)}.single()")
    return "(" + " + ".join(parts) + ")"


def _calculated_expressions() -> dict[str, str]:
    regions: dict[str, list[str]] = {}
    for site in facts.PAIN_SITES:
        if site.region:
            regions.setdefault(site.region, []).append(site.code)
    return {
        "wpi": f"{_codes_among('pain_sites', [s.code for s in facts.PAIN_SITES if s.wpi])}.count()",
        "generalized_pain_regions": _count_groups(
            f"{_codes_among('pain_sites', codes)}.exists()" for codes in regions.values()
        ),
        "pain_site_count": f"{_codes_among('pain_sites', facts.PAIN_SITE_CODES)}.count()",
        "budapest_symptom_categories": _count_groups(
            _any_true(c.reported) for c in facts.BUDAPEST_CATEGORIES
        ),
        "budapest_sign_categories": _count_groups(
            _any_true(c.observed) for c in facts.BUDAPEST_CATEGORIES
        ),
        "sss": _sum_items(facts.SSS_ITEMS),
        "core_labs_done": " and ".join(
            f"{_values(name)}.exists()" for name in facts.CORE_LAB_FIELDS
        ),
        **_red_flag_expressions(),
    }


def _red_flag_expressions() -> dict[str, str]:
    """The derived facts of data-dictionary §5a (and the two version 3 reads), as the engine
    works them out: a comparison with a missing answer counts as absent."""
    temperature = _values("highest_temperature_c")
    fever = f"{_values('fever')}.where($this = true).exists()"
    hot = (
        f"iif({temperature}.exists(), iif({temperature}.single() > 38.5, 1, 0), iif({fever}, 1, 0))"
    )
    kocher = " + ".join(
        [
            f"iif({_values('non_weight_bearing')}.where($this = true).exists(), 1, 0)",
            hot,
            f"iif({_values('esr_mm_hr')}.single() > 40, 1, 0)",
            f"iif({_values('wbc_10e9_l')}.single() > 12, 1, 0)",
        ]
    )
    sided = {
        side: _codes_among("pain_sites", [c for c in facts.PAIN_SITE_CODES if c.endswith(side)])
        + ".exists()"
        for side in ("_left", "_right")
    }
    left, right = sided["_left"], sided["_right"]
    laterality = (
        f"iif({left} and {right}, 'both', iif({left}, 'left', iif({right}, 'right', "
        f"iif({_values('pain_sites')}.exists(), 'midline', {{}}))))"
    )
    lines = _count_groups(
        "(" + " or ".join(f"{_values(name)}.single() < {limit}" for name, limit in line) + ")"
        for line in facts.CYTOPENIA_LINES
    )
    features = [code for code in facts.CODE_LABELS["kawasaki_features"] if code != "none"]
    kawasaki = _values("kawasaki_features")
    return {
        "kocher_predictors": f"({kocher})",
        "pain_laterality": laterality,
        "cytopenia_lines": lines,
        "kawasaki_feature_count": (
            f"iif({kawasaki}.exists(), {_codes_among('kawasaki_features', features)}.count(), {{}})"
        ),
    }


CALCULATED_EXPRESSIONS = _calculated_expressions()


# --- Items ---------------------------------------------------------------------------------------


def _bound(url: str, fact: facts.Fact, value) -> dict:
    key = "valueDecimal" if fact.type == facts.DECIMAL else "valueInteger"
    return {"url": url, key: float(value) if fact.type == facts.DECIMAL else int(value)}


def fact_item(base: Base, fact: facts.Fact) -> dict:
    """One fact as a Questionnaire item."""
    item_type = ITEM_TYPES[fact.type]
    item: dict = {
        "linkId": fact.name,
        "code": [
            coding(base.code_system(FACTS_CODE_SYSTEM), fact.name, fact.label),
            *(coding(*code) for code in STANDARD_CODES.get(fact.name, ())),
        ],
        "text": fact.label,
        "type": item_type,
    }
    extensions = []
    if fact.derived:
        extensions.append(
            {
                "url": f"{SDC}/sdc-questionnaire-calculatedExpression",
                "valueExpression": {
                    "description": fact.description,
                    "language": "text/fhirpath",
                    "expression": CALCULATED_EXPRESSIONS[fact.name],
                },
            }
        )
    if fact.type in facts.NUMBER_TYPES:
        if fact.minimum is not None:
            extensions.append(_bound(f"{EXT}/minValue", fact, fact.minimum))
        if fact.maximum is not None:
            extensions.append(_bound(f"{EXT}/maxValue", fact, fact.maximum))
    if fact.type == facts.CODES and fact.minimum:
        extensions.append({"url": f"{EXT}/questionnaire-minOccurs", "valueInteger": fact.minimum})
    if fact.unit:
        extensions.append(
            {
                "url": f"{EXT}/questionnaire-unit",
                "valueCoding": coding(UCUM, UCUM_UNITS[fact.unit], fact.unit),
            }
        )
    extensions += CONSTRAINTS.get(fact.name, [])
    if extensions:
        item["extension"] = extensions
    conditional = enable_when(base, fact.name)
    item.update(conditional)
    if fact.derived:
        item["readOnly"] = True
    elif fact.asked_when:
        # A red-flag detail (§5a): asked when one of its red flags is yes, then answered (the
        # highest temperature may stay empty: not measured).
        item["required"] = fact.name not in OPTIONAL_DETAILS
    else:
        # A score that may be null only when its item is disabled is required when enabled.
        item["required"] = not fact.nullable or bool(conditional)
    if fact.type == facts.CODES:
        item["repeats"] = True
    if fact.type in (facts.CHOICE, facts.CODES):
        system = answer_system(base, fact.name)
        item["answerOption"] = [
            _option(coding(system, code, label), EXCLUSIVE_OPTIONS.get(fact.name) == code)
            for code, label in facts.CODE_LABELS[fact.name].items()
        ]
    return item


def _option(value: dict, exclusive: bool) -> dict:
    option: dict = {"valueCoding": value}
    if exclusive:
        option["extension"] = [
            {"url": f"{EXT}/questionnaire-optionExclusive", "valueBoolean": True}
        ]
    return option


def _field_item(base: Base, name: str, item_type: str, *, required: bool) -> dict:
    field = Intake._meta.get_field(name)
    label = str(field.verbose_name).capitalize()
    return {
        "linkId": name,
        "code": [coding(base.code_system(FACTS_CODE_SYSTEM), name, label)],
        "text": label,
        "type": item_type,
        "required": required,
    }


def questionnaire(base: Base) -> dict:
    """Questionnaire/amps-intake: the whole intake form, from the fact registry."""
    groups = []
    for section, names in facts.SECTIONS.items():
        items = [
            _field_item(base, name, "date", required=True) for name in EXTRA_ITEMS.get(section, ())
        ]
        items += [fact_item(base, facts.INPUT_FACTS[name]) for name in names]
        groups.append(
            {"linkId": group_link_id(section), "text": section, "type": "group", "item": items}
        )
    groups.append(
        {
            "linkId": group_link_id(NOTES_GROUP),
            "text": NOTES_GROUP,
            "type": "group",
            "item": [
                {
                    **_field_item(base, "clinical_notes", "text", required=False),
                    "maxLength": Intake._meta.get_field("clinical_notes").max_length,
                }
            ],
        }
    )
    groups.append(
        {
            "linkId": group_link_id(DERIVED_GROUP),
            "text": "Derived (calculated from the answers above)",
            "type": "group",
            "item": [fact_item(base, fact) for fact in facts.DERIVED_FACTS.values()],
        }
    )
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "meta": {"profile": [f"{SDC}/sdc-questionnaire"]},
        "url": base.questionnaire,
        "version": DICTIONARY_VERSION,
        "name": "AmpsIntake",
        "title": "Musculoskeletal pain intake (AMPS screen)",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "The structured intake of the AMPS screen (intake data dictionary "
            f"v{DICTIONARY_VERSION}); linkId is the data-dictionary field name."
        ),
        "item": groups,
    }


def items_by_link_id(resource: dict) -> dict[str, dict]:
    """Every item of a Questionnaire (or QuestionnaireResponse), nested ones too, by linkId.
    A response comes from outside: anything that is not an item with a string linkId is
    skipped (the answers it lacks are then reported as missing, by field)."""
    found: dict[str, dict] = {}
    stack = _items(resource)
    while stack:
        item = stack.pop()
        if isinstance(item, dict) and isinstance(item.get("linkId"), str):
            found[item["linkId"]] = item
            stack.extend(_items(item))
    return found


def _items(node) -> list:
    items = node.get("item") if isinstance(node, dict) else None
    return list(items) if isinstance(items, list) else []


# --- Local CodeSystems ---------------------------------------------------------------------------


def local_code_systems(base: Base) -> dict[str, dict]:
    """Every local CodeSystem by id: amps-facts (one code per fact and form field) and one per
    choice fact whose codes no standard value set holds, plus the coded values of our other
    resources (outcomes, urgency, criterion kinds, review decisions, dispositions, override
    reasons)."""
    fact_concepts = [
        {"code": fact.name, "display": fact.label, "definition": fact.description or fact.label}
        for fact in facts.FACTS.values()
    ]
    for section_names in EXTRA_ITEMS.values():
        for name in section_names:
            fact_concepts.append(_field_concept(name))
    fact_concepts.append(_field_concept("clinical_notes"))
    systems = {FACTS_CODE_SYSTEM: ("AMPS screen facts", fact_concepts)}
    for name, labels in facts.CODE_LABELS.items():
        if name in STANDARD_ANSWER_SYSTEMS:
            continue
        concepts = [{"code": code, "display": label} for code, label in labels.items()]
        systems[answer_code_system_id(name)] = (f"AMPS screen: {facts.FACTS[name].label}", concepts)
    for system_id, (title, choices) in TERM_SYSTEMS.items():
        concepts = [{"code": code, "display": label} for code, label in choices]
        systems[system_id] = (title, concepts)
    return {
        system_id: {
            "resourceType": "CodeSystem",
            "id": system_id,
            "url": base.code_system(system_id),
            "version": DICTIONARY_VERSION,
            "name": "".join(part.capitalize() for part in system_id.split("-")),
            "title": title,
            "status": "active",
            "content": "complete",
            "caseSensitive": True,
            "count": len(concepts),
            "concept": concepts,
        }
        for system_id, (title, concepts) in systems.items()
    }


def _field_concept(name: str) -> dict:
    label = str(Intake._meta.get_field(name).verbose_name).capitalize()
    return {"code": name, "display": label, "definition": f"{label} (form field, not a fact)"}
