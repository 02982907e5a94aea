"""The code lists of the data dictionary: pain sites, triggers, Budapest categories, choice labels.

Re-exported by `intake.rules.facts`; import them from there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PainSite:
    """One pain site: `wpi` says whether it is an ACR Widespread Pain Index area, `region` is its
    ACR 2016 generalized-pain region (None for jaw, chest, abdomen and the non-WPI sites)."""

    code: str
    label: str
    wpi: bool
    region: str | None


@dataclass(frozen=True)
class BudapestCategory:
    """One Budapest category with its reported (symptom) and observed (sign) fields."""

    code: str
    label: str
    reported: tuple[str, ...]
    observed: tuple[str, ...]


REGION_LABELS = {
    "left_upper": "Left upper",
    "right_upper": "Right upper",
    "left_lower": "Left lower",
    "right_lower": "Right lower",
    "axial": "Axial",
}

# fmt: off
PAIN_SITES: tuple[PainSite, ...] = (
    PainSite("jaw_left", "Jaw, left", True, None),
    PainSite("jaw_right", "Jaw, right", True, None),
    PainSite("shoulder_girdle_left", "Shoulder girdle, left", True, "left_upper"),
    PainSite("upper_arm_left", "Upper arm, left", True, "left_upper"),
    PainSite("lower_arm_left", "Lower arm, left", True, "left_upper"),
    PainSite("shoulder_girdle_right", "Shoulder girdle, right", True, "right_upper"),
    PainSite("upper_arm_right", "Upper arm, right", True, "right_upper"),
    PainSite("lower_arm_right", "Lower arm, right", True, "right_upper"),
    PainSite("hip_left", "Hip (buttock, trochanter), left", True, "left_lower"),
    PainSite("upper_leg_left", "Upper leg, left", True, "left_lower"),
    PainSite("lower_leg_left", "Lower leg, left", True, "left_lower"),
    PainSite("hip_right", "Hip (buttock, trochanter), right", True, "right_lower"),
    PainSite("upper_leg_right", "Upper leg, right", True, "right_lower"),
    PainSite("lower_leg_right", "Lower leg, right", True, "right_lower"),
    PainSite("neck", "Neck", True, "axial"),
    PainSite("upper_back", "Upper back", True, "axial"),
    PainSite("lower_back", "Lower back", True, "axial"),
    PainSite("chest", "Chest", True, None),
    PainSite("abdomen", "Abdomen", True, None),
    PainSite("hand_wrist_left", "Hand and wrist, left", False, None),
    PainSite("hand_wrist_right", "Hand and wrist, right", False, None),
    PainSite("knee_left", "Knee, left", False, None),
    PainSite("knee_right", "Knee, right", False, None),
    PainSite("ankle_foot_left", "Ankle and foot, left", False, None),
    PainSite("ankle_foot_right", "Ankle and foot, right", False, None),
)
# fmt: on
PAIN_SITE_CODES: tuple[str, ...] = tuple(site.code for site in PAIN_SITES)

TRIGGER_NONE = "none"
TRIGGER_LABELS = {
    "injury": "Injury",
    "fracture": "Fracture",
    "surgery": "Surgery",
    "immobilisation": "Immobilisation",
    "illness": "Illness",
    "psychological_stress": "Psychological stress",
    "other": "Other",
    TRIGGER_NONE: "None",
}
TRIGGER_CODES: tuple[str, ...] = tuple(TRIGGER_LABELS)

PAIN_SCALE_NOT_ASSESSABLE = "not_assessable"
PAIN_SCALE_FPS_R = "fps_r"
#: The only scores the Faces Pain Scale-Revised gives.
FPS_R_SCORES: tuple[int, ...] = (0, 2, 4, 6, 8, 10)
#: The pain scores that follow the pain_scale rules.
PAIN_SCORE_FIELDS: tuple[str, ...] = ("pain_now", "pain_worst")

BUDAPEST_CATEGORIES: tuple[BudapestCategory, ...] = (
    BudapestCategory(
        "sensory",
        "Sensory",
        ("allodynia_reported",),
        ("allodynia_observed", "hyperalgesia_observed"),
    ),
    BudapestCategory(
        "vasomotor",
        "Vasomotor",
        ("temperature_asymmetry_reported", "skin_colour_change_reported"),
        ("temperature_asymmetry_observed", "skin_colour_change_observed"),
    ),
    BudapestCategory(
        "sudomotor_oedema",
        "Sudomotor / oedema",
        ("oedema_reported", "sweating_change_reported"),
        ("oedema_observed", "sweating_change_observed"),
    ),
    BudapestCategory(
        "motor_trophic",
        "Motor / trophic",
        ("reduced_motion_reported", "motor_dysfunction_reported", "trophic_changes_reported"),
        ("reduced_motion_observed", "motor_dysfunction_observed", "trophic_changes_observed"),
    ),
)

#: Pain sites without a side (pain_laterality "midline").
SIDELESS_PAIN_SITES: tuple[str, ...] = tuple(
    site.code for site in PAIN_SITES if not site.code.endswith(("_left", "_right"))
)

KAWASAKI_NONE = "none"
#: The principal features of Kawasaki disease (AHA 2017), or none of them.
KAWASAKI_LABELS = {
    "conjunctival_injection": "Bilateral non-exudative conjunctival injection",
    "oral_changes": "Red cracked lips or strawberry tongue",
    "polymorphous_rash": "Polymorphous rash",
    "extremity_changes": "Red or swollen hands or feet, or peeling",
    "cervical_node": "Cervical lymph node of 1.5 cm or more",
    KAWASAKI_NONE: "None of these",
}

#: A visit's type: the first visit for this pain, a follow-up, or a recurrence after recovery. An
#: intake that does not say (a JSON intake without the key) is an initial visit.
VISIT_TYPE_INITIAL = "initial"

#: Labels of the codes of every choice and codes fact (fact name -> code -> label); the order of
#: each inner dict is the order of the fact's codes.
CODE_LABELS: dict[str, dict[str, str]] = {
    "sex": {"female": "Female", "male": "Male", "other": "Other", "unknown": "Unknown"},
    "visit_type": {
        VISIT_TYPE_INITIAL: "Initial visit",
        "follow_up": "Follow-up visit",
        "recurrence": "Recurrence",
    },
    "pain_sites": {site.code: site.label for site in PAIN_SITES},
    "pain_pattern": {"constant": "Constant", "intermittent": "Intermittent"},
    "pain_scale": {
        "nrs": "Numeric rating scale (0-10)",
        PAIN_SCALE_FPS_R: "Faces Pain Scale-Revised (0, 2, 4, 6, 8, 10)",
        PAIN_SCALE_NOT_ASSESSABLE: "Not assessable (very young or non-verbal child)",
    },
    "triggers": TRIGGER_LABELS,
    "inflammatory_disease": {"none": "None", "in_remission": "In remission", "active": "Active"},
    "kawasaki_features": KAWASAKI_LABELS,
    "pain_laterality": {
        "left": "Left",
        "right": "Right",
        "both": "Both sides",
        "midline": "Midline only",
    },
}
