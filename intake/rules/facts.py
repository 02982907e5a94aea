"""The fact registry: every fact the criteria language can read, taken from the data dictionary.

A *fact* is one named value about an intake. Input facts are the non-identifying fields of
data-dictionary sections 2-7 plus `age_years` and `sex`; derived facts (`wpi`, `sss`, ...) are
worked out from them by `derive`. Identifying data (MRN, names, dates) and `clinical_notes` are
never facts.

Value representation in a facts dict (also what is stored as JSON): bool -> True/False,
int -> int, decimal -> float, choice -> str, codes -> list[str], null -> None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from .codes import (
    BUDAPEST_CATEGORIES,
    CODE_LABELS,
    FPS_R_SCORES,
    KAWASAKI_NONE,
    PAIN_SCALE_FPS_R,
    PAIN_SCALE_NOT_ASSESSABLE,
    PAIN_SCORE_FIELDS,
    PAIN_SITE_CODES,
    PAIN_SITES,
    REGION_LABELS,
    TRIGGER_CODES,
    TRIGGER_LABELS,
    TRIGGER_NONE,
    VISIT_TYPE_INITIAL,
    BudapestCategory,
    PainSite,
)

__all__ = [
    "BUDAPEST_CATEGORIES",
    "CODE_LABELS",
    "CORE_LAB_FIELDS",
    "DERIVED_FACTS",
    "EMERGENCY_OPTIONAL_SECTIONS",
    "FACTS",
    "FACT_TYPES",
    "FPS_R_SCORES",
    "FUNCTION_FIELDS",
    "INPUT_FACTS",
    "LAB_FIELDS",
    "NUMBER_TYPES",
    "PAIN_SCALE_FPS_R",
    "PAIN_SCALE_NOT_ASSESSABLE",
    "PAIN_SCORE_FIELDS",
    "PAIN_SITES",
    "PAIN_SITE_CODES",
    "KAWASAKI_NONE",
    "RED_FLAG_DETAILS",
    "RED_FLAG_DETAILS_SECTION",
    "RED_FLAG_DETAIL_FIELDS",
    "RED_FLAG_FIELDS",
    "REGION_LABELS",
    "SECTIONS",
    "SSS_ITEMS",
    "TRIGGER_CODES",
    "TRIGGER_LABELS",
    "TRIGGER_NONE",
    "VISIT_TYPE_INITIAL",
    "BudapestCategory",
    "Fact",
    "PainSite",
    "derive",
]

BOOL, INT, DECIMAL, CHOICE, CODES = "bool", "int", "decimal", "choice", "codes"
FACT_TYPES = (BOOL, INT, DECIMAL, CHOICE, CODES)
NUMBER_TYPES = frozenset({INT, DECIMAL})


@dataclass(frozen=True, slots=True)
class Fact:
    """One named value an expression can read.

    `minimum`/`maximum` bound an int or decimal; for a `codes` fact `minimum` is the fewest codes
    an intake may give. `nullable` means null is allowed and means "not done / not measured".
    `default` is the value of an optional fact that an intake leaves out (None: not optional).
    """

    name: str
    type: str
    label: str
    section: str
    nullable: bool = False
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    derived: bool = False
    description: str = ""
    default: object = None
    #: A red-flag detail (data-dictionary §5a): the red flags that ask it (it is asked when any
    #: of them is yes, and is null otherwise).
    asked_when: tuple[str, ...] = ()
    #: The most decimal places a decimal fact takes (None: as many as its storage holds).
    decimal_places: int | None = None


# --- Input facts, in data-dictionary order --------------------------------------------------------


def _bool(section: str, name: str, label: str, description: str = "", *, null: bool = False):
    return Fact(name, BOOL, label, section, nullable=null, description=description or label)


def _int(
    section: str,
    name: str,
    label: str,
    low: int,
    high: int,
    description: str,
    *,
    unit: str = "",
    null: bool = False,
) -> Fact:
    return Fact(name, INT, label, section, null, low, high, unit=unit, description=description)


def _decimal(section: str, name: str, label: str, high: int, unit: str, description: str):
    return Fact(name, DECIMAL, label, section, True, 0, high, unit=unit, description=description)


def _choice(section: str, name: str, label: str, description: str, default=None) -> Fact:
    return Fact(
        name,
        CHOICE,
        label,
        section,
        choices=tuple(CODE_LABELS[name]),
        description=description,
        default=default,
    )


def _codes(section: str, name: str, label: str, description: str) -> Fact:
    return Fact(
        name,
        CODES,
        label,
        section,
        minimum=1,
        choices=tuple(CODE_LABELS[name]),
        description=description,
    )


_PT, _P, _B, _S, _R, _RD, _L, _F = (
    "Patient",
    "Pain",
    "Budapest grid",
    "Symptom severity",
    "Red flags",
    "Red-flag details",
    "Laboratory",
    "Function",
)


def _detail(fact: Fact, *asked_when: str) -> Fact:
    """A red-flag detail (§5a): nullable (null = not asked), asked when one of its red flags
    is yes."""
    return replace(fact, nullable=True, asked_when=asked_when)


_PER_WEEK = "Past week: 0 none, 1 mild, 2 moderate, 3 severe"

# fmt: off
_INPUTS: tuple[Fact, ...] = (
    _int(_PT, "age_years", "Age (completed years)", 0, 21, "Completed years at the intake date",
         unit="years"),
    _choice(_PT, "sex", "Sex", "Female, male, other or unknown"),
    _choice(_PT, "visit_type", "Visit type",
            "Initial visit, follow-up or recurrence; an intake that does not say is initial",
            default=VISIT_TYPE_INITIAL),
    # 2. Pain
    _codes(_P, "pain_sites", "Pain sites", "At least one of the 25 site codes"),
    _int(_P, "pain_duration_weeks", "Pain duration (weeks)", 0, 1040,
         "Completed weeks (0 = under a week)", unit="weeks"),
    _choice(_P, "pain_pattern", "Pain pattern", "Constant or intermittent"),
    _choice(_P, "pain_scale", "Pain scale",
            "NRS 0-10, Faces Pain Scale-Revised (0, 2, 4, 6, 8, 10) or not assessable"),
    _int(_P, "pain_now", "Pain now", 0, 10,
         "0-10 on the chosen scale; null when the scale is not assessable", null=True),
    _int(_P, "pain_worst", "Worst pain", 0, 10,
         "0-10 on the chosen scale, not below pain now; null when not assessable", null=True),
    _bool(_P, "pain_out_of_proportion", "Pain out of proportion",
          "Continuing pain and disability disproportionate to any inciting event (Budapest A)"),
    _codes(_P, "triggers", "Triggers", "At least one; 'none' excludes the others"),
    # 3. Sensory and autonomic findings (the Budapest grid)
    _bool(_B, "allodynia_reported", "Hyperaesthesia or allodynia (reported)"),
    _bool(_B, "allodynia_observed", "Allodynia to light touch, pressure or movement (observed)"),
    _bool(_B, "hyperalgesia_observed", "Hyperalgesia to pinprick (observed)"),
    _bool(_B, "temperature_asymmetry_reported", "Temperature asymmetry (reported)"),
    _bool(_B, "skin_colour_change_reported", "Skin colour change (reported)"),
    _bool(_B, "temperature_asymmetry_observed", "Temperature asymmetry (observed)"),
    _bool(_B, "skin_colour_change_observed", "Skin colour change (observed)"),
    _bool(_B, "oedema_reported", "Oedema (reported)"),
    _bool(_B, "sweating_change_reported", "Sweating change (reported)"),
    _bool(_B, "oedema_observed", "Diffuse oedema crossing joint lines (observed)",
          "Diffuse regional soft-tissue oedema crossing joint lines; joint swelling is a red flag"),
    _bool(_B, "sweating_change_observed", "Sweating change (observed)"),
    _bool(_B, "reduced_motion_reported", "Reduced range of motion (reported)"),
    _bool(_B, "motor_dysfunction_reported", "Motor dysfunction (reported)"),
    _bool(_B, "trophic_changes_reported", "Trophic changes (reported)"),
    _bool(_B, "reduced_motion_observed", "Reduced range of motion (observed)"),
    _bool(_B, "motor_dysfunction_observed", "Motor dysfunction (observed)"),
    _bool(_B, "trophic_changes_observed", "Trophic changes (observed)"),
    _decimal(_B, "temperature_difference_c", "Temperature difference (°C)", 10, "°C",
             "Measured side-to-side skin temperature difference; null = not measured"),
    # 4. Symptom severity (ACR 2011/2016)
    _int(_S, "fatigue", "Fatigue (0-3)", 0, 3, _PER_WEEK),
    _int(_S, "waking_unrefreshed", "Waking unrefreshed (0-3)", 0, 3, _PER_WEEK),
    _int(_S, "cognitive_symptoms", "Cognitive symptoms (0-3)", 0, 3, _PER_WEEK),
    _bool(_S, "headache_6mo", "Headache in the past 6 months"),
    _bool(_S, "lower_abdominal_pain_6mo", "Lower abdominal pain or cramps in the past 6 months"),
    _bool(_S, "depression_6mo", "Depression in the past 6 months"),
    _bool(_S, "sleep_disturbance", "Sleep disturbance", "Informational; not part of the SSS"),
    _bool(_S, "anxiety", "Anxiety", "Informational; not part of the SSS"),
    # 5. Red flags
    _bool(_R, "joint_swelling_observed", "Joint swelling observed",
          "Examiner-observed joint-confined swelling or effusion, or an effusion not excluded"),
    _bool(_R, "fever", "Fever",
          "Measured 38.0 °C or more in the past 7 days, or recurrent unexplained fevers"),
    _bool(_R, "rash", "Rash", "Any of the listed rheumatological rashes, or petechiae"),
    _int(_R, "morning_stiffness_minutes", "Morning stiffness (minutes)", 0, 1440,
         "Duration of morning stiffness in minutes", unit="minutes"),
    _bool(_R, "weight_loss", "Weight loss", "Unintentional, or falling across centiles"),
    _bool(_R, "night_pain", "Night pain", 
          "Pain that wakes the child from sleep, or deep bone pain"),
    _bool(_R, "night_sweats", "Night sweats", "Drenching night sweats"),
    _bool(_R, "focal_bone_tenderness", "Focal bone tenderness",
          "Focal bony tenderness, bony swelling or mass"),
    _bool(_R, "lymphadenopathy_or_organomegaly", "Lymphadenopathy or organomegaly",
          "Lymphadenopathy, hepatomegaly or splenomegaly"),
    _bool(_R, "bruising_pallor_or_bleeding", "Pallor, bruising or bleeding",
          "Pallor, bruising, bleeding or petechiae"),
    _bool(_R, "limp", "Limp"),
    _bool(_R, "non_weight_bearing", "Non-weight-bearing", "Refuses or cannot bear weight"),
    _bool(_R, "restricted_hip_rotation", "Restricted hip rotation",
          "Painful, restricted hip rotation on examination"),
    _bool(_R, "proximal_weakness", "Proximal weakness or dark urine",
          "Proximal muscle weakness, or dark urine"),
    _bool(_R, "gi_symptoms", "Gastrointestinal symptoms",
          "Chronic diarrhoea, blood in stool, or growth failure with abdominal pain"),
    _bool(_R, "oral_ulcers_or_photosensitivity", "Oral ulcers or photosensitivity",
          "Oral or nasal ulcers, photosensitivity, alopecia"),
    _bool(_R, "red_eye", "Red eye", "Acute red painful eye or photophobia"),
    _bool(_R, "enthesitis", "Enthesitis",
          "Objective enthesis tenderness with inflammatory back pain or family history of SpA"),
    _bool(_R, "neurological_deficit", "Neurological deficit",
          "Back pain with neurological signs or bladder/bowel dysfunction"),
    _bool(_R, "immunocompromised", "Immunocompromised"),
    _choice(_R, "inflammatory_disease", "Known inflammatory disease",
            "Known JIA, IBD, SLE or similar: none, in remission or active"),
    _bool(_R, "safeguarding_concern", "Safeguarding concern",
          "History inconsistent with injury, repeated unexplained injuries, patterned bruising"),
    # 5a. Red-flag details (asked only when their red flag is yes; null = not asked)
    _detail(_int(_RD, "non_weight_bearing_days", "Days not bearing weight", 0, 3650,
                 "Days since the child stopped bearing weight (0 = today)", unit="days"),
            "non_weight_bearing"),
    _detail(_int(_RD, "joint_swelling_weeks", "Weeks of joint swelling", 0, 1040,
                 "Completed weeks since the swelling began (0 = under a week)", unit="weeks"),
            "joint_swelling_observed"),
    _detail(_int(_RD, "fever_days", "Day of fever", 1, 365,
                 "Days since the fever of this illness began (day 1 = the first day; recurrent "
                 "fevers count from the first)", unit="days"),
            "fever"),
    _detail(Fact("highest_temperature_c", DECIMAL, "Highest temperature (°C)", _RD,
                 minimum=38.0, maximum=43.0, unit="°C", decimal_places=1,
                 description="The highest measured temperature, 38.0-43.0 °C with one "
                 "decimal; null = not measured"),
            "fever"),
    _detail(_codes(_RD, "kawasaki_features", "Kawasaki features",
                   "At least one principal feature of Kawasaki disease, or 'none' (which "
                   "excludes the others)"),
            "fever"),
    _detail(_bool(_RD, "petechiae_or_purpura", "Petechiae or purpura",
                  "Non-blanching petechiae or purpura seen on examination"),
            "rash", "bruising_pallor_or_bleeding"),
    _detail(_bool(_RD, "hepatosplenomegaly", "Hepatosplenomegaly",
                  "Liver or spleen enlarged on examination (not nodes alone)"),
            "lymphadenopathy_or_organomegaly"),
    _detail(_bool(_RD, "sphincter_or_saddle_signs", "Sphincter or saddle signs",
                  "New bladder or bowel dysfunction, urinary retention, or saddle anaesthesia"),
            "neurological_deficit"),
    _detail(_bool(_RD, "bulbar_or_respiratory_weakness", "Bulbar or respiratory weakness",
                  "Difficulty swallowing, a changed voice, or difficulty breathing"),
            "proximal_weakness"),
    _detail(_bool(_RD, "dark_urine", "Dark urine", "Dark (cola-coloured) urine"),
            "proximal_weakness"),
    # 6. Laboratory results (null = not done)
    _decimal(_L, "haemoglobin_g_dl", "Haemoglobin (g/dL)", 25, "g/dL",
             "Haemoglobin; null = not done"),
    _decimal(_L, "wbc_10e9_l", "White cell count (×10⁹/L)", 500, "×10⁹/L",
             "White cell count; null = not done"),
    _decimal(_L, "neutrophils_10e9_l", "Neutrophils (×10⁹/L)", 100, "×10⁹/L",
             "Neutrophil count; null = not done"),
    _int(_L, "platelets_10e9_l", "Platelets (×10⁹/L)", 0, 5000,
         "Platelet count; null = not done", unit="×10⁹/L", null=True),
    _int(_L, "esr_mm_hr", "ESR (mm/h)", 0, 200,
         "Erythrocyte sedimentation rate; null = not done", unit="mm/h", null=True),
    _decimal(_L, "crp_mg_l", "CRP (mg/L)", 500, "mg/L", "C-reactive protein; null = not done"),
    _bool(_L, "ldh_raised", "LDH raised", "Above the local reference range; null = not done",
          null=True),
    _bool(_L, "blasts_on_film", "Blasts on film", "Blasts seen on the blood film; null = not done",
          null=True),
    _bool(_L, "ck_raised", "CK raised",
          "Creatine kinase above the local reference range; null = not done", null=True),
    # 7. Function
    _int(_F, "school_days_missed_4wk", "School days missed (past 4 weeks)", 0, 20,
         "School days missed in the past 4 weeks", unit="days"),
    _int(_F, "fdi_score", "Functional Disability Inventory (0-60)", 0, 60,
         "FDI total 0-60; null = not done", null=True),
    _bool(_F, "mobility_aid", "Mobility aid", "Crutches, wheelchair or similar"),
)
# fmt: on

INPUT_FACTS: dict[str, Fact] = {fact.name: fact for fact in _INPUTS}

#: Input fact names by section ("Patient", "Pain", "Budapest grid", ...), in data-dictionary order.
SECTIONS: dict[str, tuple[str, ...]] = {
    section: tuple(fact.name for fact in _INPUTS if fact.section == section)
    for section in dict.fromkeys(fact.section for fact in _INPUTS)
}

#: The six items that make up the Symptom Severity Scale (not sleep_disturbance or anxiety).
SSS_ITEMS: tuple[str, ...] = (
    "fatigue",
    "waking_unrefreshed",
    "cognitive_symptoms",
    "headache_6mo",
    "lower_abdominal_pain_6mo",
    "depression_6mo",
)
RED_FLAG_FIELDS: tuple[str, ...] = SECTIONS[_R]
RED_FLAG_DETAILS_SECTION = _RD
#: The red-flag details of data-dictionary §5a, in order.
RED_FLAG_DETAIL_FIELDS: tuple[str, ...] = SECTIONS[_RD]
#: Each red flag's details (red flag -> detail names, in order); a detail asked by two red
#: flags (petechiae_or_purpura) is under the first of them.
RED_FLAG_DETAILS: dict[str, tuple[str, ...]] = {
    flag: tuple(name for name in RED_FLAG_DETAIL_FIELDS if INPUT_FACTS[name].asked_when[0] == flag)
    for flag in RED_FLAG_FIELDS
    if any(INPUT_FACTS[name].asked_when[0] == flag for name in RED_FLAG_DETAIL_FIELDS)
}
LAB_FIELDS: tuple[str, ...] = SECTIONS[_L]
FUNCTION_FIELDS: tuple[str, ...] = SECTIONS[_F]
#: The emergency pathway (a form submitted with any red flag answered yes): the sections that
#: may then be left blank, by the name the page gives them, each with its input facts. The
#: identity, intake date, visit type, pain sites, pain duration and the red flags stay
#: required. The JSON intake format never relaxes (it stays strict).
EMERGENCY_OPTIONAL_SECTIONS: dict[str, tuple[str, ...]] = {
    "Pain pattern, scores and triggers": tuple(
        name for name in SECTIONS[_P] if name not in ("pain_sites", "pain_duration_weeks")
    ),
    "Sensory and autonomic findings (Budapest)": SECTIONS[_B],
    "Symptom severity": SECTIONS[_S],
    "Laboratory results": SECTIONS[_L],
    "Function": SECTIONS[_F],
}
#: A full blood count, ESR and CRP: the labs `core_labs_done` needs.
CORE_LAB_FIELDS: tuple[str, ...] = (
    "haemoglobin_g_dl",
    "wbc_10e9_l",
    "platelets_10e9_l",
    "esr_mm_hr",
    "crp_mg_l",
)


# --- Derived facts ------------------------------------------------------------------------------
# Each derivation reads the facts dict and returns the value, or None when a fact it needs is
# null or missing, so that an unrecorded value never looks like a zero.

DERIVED_FACTS: dict[str, Fact] = {}
_DERIVATIONS: list[tuple[str, Callable[[Mapping[str, object]], object]]] = []


def _derived(name: str, label: str, high: int, description: str, type: str = INT):
    """Register the decorated function as the derivation of a new derived fact."""
    low = 0 if type == INT else None
    choices = tuple(CODE_LABELS[name]) if type == CHOICE else ()
    fact = Fact(
        name,
        type,
        label,
        "Derived",
        False,
        low,
        high,
        choices=choices,
        derived=True,
        description=description,
    )

    def register(function: Callable[[Mapping[str, object]], object]):
        DERIVED_FACTS[name] = fact
        _DERIVATIONS.append((name, function))
        return function

    return register


_SITE_CODES = frozenset(PAIN_SITE_CODES)
_WPI_CODES = frozenset(site.code for site in PAIN_SITES if site.wpi)
_REGION_OF = {site.code: site.region for site in PAIN_SITES if site.region}
_REPORTED = tuple(category.reported for category in BUDAPEST_CATEGORIES)
_OBSERVED = tuple(category.observed for category in BUDAPEST_CATEGORIES)


@_derived("wpi", "Widespread Pain Index (0-19)", 19, "The ACR Widespread Pain Index areas ticked")
def derive_wpi(facts: Mapping[str, object]) -> int | None:
    sites = facts.get("pain_sites")
    return None if sites is None else len(_WPI_CODES.intersection(sites))  # type: ignore[arg-type]


@_derived(
    "generalized_pain_regions",
    "Generalized pain regions (0-5)",
    5,
    "ACR 2016 regions (four limb quadrants and axial) with a pain site ticked",
)
def derive_generalized_pain_regions(facts: Mapping[str, object]) -> int | None:
    sites = facts.get("pain_sites")
    if sites is None:
        return None
    return len({_REGION_OF[code] for code in sites if code in _REGION_OF})  # type: ignore[attr-defined]


@_derived("pain_site_count", "Pain sites ticked (0-25)", 25, "All pain sites ticked, WPI or not")
def derive_pain_site_count(facts: Mapping[str, object]) -> int | None:
    sites = facts.get("pain_sites")
    return None if sites is None else len(_SITE_CODES.intersection(sites))  # type: ignore[arg-type]


def _categories_with_a_yes(facts: Mapping[str, object], groups: tuple[tuple[str, ...], ...]):
    get = facts.get
    count = 0
    for names in groups:
        hit = False
        for name in names:
            value = get(name)
            if value is None:
                return None
            if value is True:
                hit = True
        count += hit
    return count


@_derived(
    "budapest_symptom_categories",
    "Budapest symptom categories (0-4)",
    4,
    "Budapest categories with at least one reported symptom",
)
def derive_budapest_symptom_categories(facts: Mapping[str, object]) -> int | None:
    return _categories_with_a_yes(facts, _REPORTED)


@_derived(
    "budapest_sign_categories",
    "Budapest sign categories (0-4)",
    4,
    "Budapest categories with at least one observed sign",
)
def derive_budapest_sign_categories(facts: Mapping[str, object]) -> int | None:
    return _categories_with_a_yes(facts, _OBSERVED)


@_derived(
    "sss",
    "Symptom Severity Scale (0-12)",
    12,
    "Fatigue, waking unrefreshed, cognitive symptoms (0-3 each) + 1 per 6-month item",
)
def derive_sss(facts: Mapping[str, object]) -> int | None:
    items = [facts.get(name) for name in SSS_ITEMS]
    if None in items:
        return None
    return sum(items)  # type: ignore[arg-type]


@_derived(
    "core_labs_done",
    "Baseline bloods done (FBC, ESR, CRP)",
    0,
    "Haemoglobin, WBC, platelets, ESR and CRP all recorded",
    BOOL,
)
def derive_core_labs_done(facts: Mapping[str, object]) -> bool:
    return None not in [facts.get(name) for name in CORE_LAB_FIELDS]


@_derived(
    "kocher_predictors",
    "Kocher predictors (0-4)",
    4,
    "Kocher's septic-hip predictors present: non-weight-bearing, temperature over 38.5 °C "
    "(or fever with no temperature measured), ESR over 40 mm/h, WBC over 12 ×10⁹/L; a lab "
    "not done counts as absent",
)
def derive_kocher_predictors(facts: Mapping[str, object]) -> int | None:
    non_weight_bearing, fever = facts.get("non_weight_bearing"), facts.get("fever")
    if non_weight_bearing is None or fever is None:
        return None
    temperature = facts.get("highest_temperature_c")
    # Fever without a measured temperature counts as over 38.5 °C: the safe direction.
    hot = temperature > 38.5 if temperature is not None else fever is True  # type: ignore[operator]
    esr, wbc = facts.get("esr_mm_hr"), facts.get("wbc_10e9_l")
    return (
        (non_weight_bearing is True)
        + hot
        + (esr is not None and esr > 40)  # type: ignore[operator]
        + (wbc is not None and wbc > 12)  # type: ignore[operator]
    )


_LEFT = frozenset(site.code for site in PAIN_SITES if site.code.endswith("_left"))
_RIGHT = frozenset(site.code for site in PAIN_SITES if site.code.endswith("_right"))


@_derived(
    "pain_laterality",
    "Pain laterality",
    0,
    "Left or right when every sided pain site is on that side, both when both sides have "
    "one, midline when only sites without a side are ticked",
    CHOICE,
)
def derive_pain_laterality(facts: Mapping[str, object]) -> str | None:
    sites = facts.get("pain_sites")
    if not sites:
        return None
    left = not _LEFT.isdisjoint(sites)  # type: ignore[arg-type]
    right = not _RIGHT.isdisjoint(sites)  # type: ignore[arg-type]
    if left and right:
        return "both"
    if left:
        return "left"
    if right:
        return "right"
    return "midline"


#: The cytopenias counted by cell line (clinical-reference.md §4.3, §4.7): red cells, white
#: cells (a low WBC or low neutrophils: one line), platelets.
CYTOPENIA_LINES: tuple[tuple[tuple[str, float], ...], ...] = (
    (("haemoglobin_g_dl", 10),),
    (("wbc_10e9_l", 4), ("neutrophils_10e9_l", 1.5)),
    (("platelets_10e9_l", 150),),
)


@_derived(
    "cytopenia_lines",
    "Cell lines with a cytopenia (0-3)",
    3,
    "Haemoglobin under 10 g/dL; WBC under 4 or neutrophils under 1.5 ×10⁹/L (one line); "
    "platelets under 150 ×10⁹/L. A count not done counts as normal",
)
def derive_cytopenia_lines(facts: Mapping[str, object]) -> int:
    get = facts.get
    return sum(
        any(get(name) is not None and get(name) < limit for name, limit in line)  # type: ignore[operator]
        for line in CYTOPENIA_LINES
    )


@_derived(
    "kawasaki_feature_count",
    "Kawasaki principal features (0-5)",
    5,
    "Principal features of Kawasaki disease recorded; null when not asked",
)
def derive_kawasaki_feature_count(facts: Mapping[str, object]) -> int | None:
    features = facts.get("kawasaki_features")
    if features is None:
        return None
    return len([code for code in features if code != KAWASAKI_NONE])  # type: ignore[attr-defined]


FACTS: dict[str, Fact] = {**INPUT_FACTS, **DERIVED_FACTS}
_DERIVATION_STEPS = tuple(_DERIVATIONS)


def derive(inputs: Mapping[str, object]) -> dict[str, object]:
    """A new dict: the input facts plus every derived fact.

    `inputs` holds input facts (as `validate_intake` returns them, or built from a stored intake).
    A derived fact is None when an input it needs is null or missing.
    """
    facts = dict(inputs)
    for name, function in _DERIVATION_STEPS:
        facts[name] = function(facts)
    return facts
