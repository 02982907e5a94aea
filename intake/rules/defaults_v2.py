"""Criteria set version 2: version 1 with an urgency on every red flag, and composite red
flags for the patterns the clinical reference marks as needing the fastest assessment.

Published by a data migration through the same steps as the admin (a draft copied from the
published set, changed, checked against every reference case, then published, retiring
version 1). Never edit this module: later changes are new versions made in the admin.

Every urgency is a [Proposed default] built from clinical-reference.md (§1.2, §4.1–4.4);
the rationale of each red flag ends with its urgency and the source for it, so an editor can
audit it. The reviewing rheumatologist signs them off like every other default.
"""

from __future__ import annotations

from .engine import EMERGENCY, ROUTINE, URGENT

VERSION = 2
NOTES = (
    "Version 1 with an urgency on every red flag (emergency = same-day assessment, urgent, "
    "routine) and five composite red flags: the septic-hip pattern (Kocher), fever with joint "
    "or bone signs, and the leukaemia pattern (Jones 2006; cytopenia or blasts, Brix 2020). "
    "Sources: clinical-reference.md §1.2, §4.1–4.4."
)
PUBLISH_NOTE = (
    "Urgencies for red flags and composite red flags for septic arthritis and leukaemia "
    "(clinical-reference.md §4.1–4.4), published by a data migration."
)

_KOCHER = (
    "Kocher et al., J Bone Joint Surg Am 1999;81:1662–1670, validated 2004;86:1629–1635 "
    "(clinical-reference.md §4.4)"
)
_JONES = "Jones et al., Pediatrics 2006;117:e840–e844 (clinical-reference.md §4.3)"
_BRIX = "Brix et al., PLoS One 2020;15:e0237530 (clinical-reference.md §4.3)"
_LOUVIGNE = "Louvigné et al., Pediatr Rheumatol 2020 (clinical-reference.md §4.1 row 9, §4.3)"
_PMM = "PMM (Paediatric Musculoskeletal Matters) red flags (clinical-reference.md §4.1)"

#: The urgency of each version-1 red flag, and why (appended to its rationale).
RED_FLAG_URGENCIES: dict[str, tuple[str, str]] = {
    "rf_joint_swelling": (
        ROUTINE,
        "Joint swelling alone points to JIA or another arthritis, assessed in clinic; with "
        "fever it is the emergency rf_fever_joint_or_bone (§4.1 row 1, §4.5; PMM).",
    ),
    "rf_fever": (
        URGENT,
        "Fever with musculoskeletal pain can be septic arthritis, osteomyelitis, systemic JIA, "
        "malignancy or Kawasaki disease (§4.1 row 2; PMM).",
    ),
    "rf_rash": (
        URGENT,
        "The recorded rashes include petechiae (leukaemia), palpable purpura (IgA vasculitis) "
        "and erythema marginatum (acute rheumatic fever) (§4.1 row 3, rash table; PMM).",
    ),
    "rf_morning_stiffness": (
        ROUTINE,
        "Morning stiffness suggests inflammatory arthritis, assessed in clinic (§4.1 row 4).",
    ),
    "rf_weight_loss": (
        ROUTINE,
        "Weight loss alone is assessed in clinic; with abnormal counts the leukaemia red flags "
        "are urgent (§4.1 row 5).",
    ),
    "rf_night_pain": (
        ROUTINE,
        "Night pain alone overlaps with growing pains (§4.2); with abnormal counts it is the "
        "urgent rf_leukaemia_pattern (§4.1 row 6; Jones 2006).",
    ),
    "rf_night_sweats": (
        ROUTINE,
        "Night sweats alone are assessed in clinic; with abnormal counts or nodes the urgent "
        "red flags apply (§4.1 row 7).",
    ),
    "rf_bone": (
        URGENT,
        "Focal bone tenderness or a bony mass can be osteomyelitis, a bone tumour or a "
        "non-accidental fracture (§4.1 row 8; PMM).",
    ),
    "rf_nodes_organs": (
        URGENT,
        "Lymphadenopathy or organomegaly points to leukaemia or lymphoma (OR 154 against JIA; "
        "§4.1 row 9; Louvigné 2020).",
    ),
    "rf_bleeding": (
        URGENT,
        "Pallor, bruising, bleeding or petechiae point to leukaemia or marrow failure "
        "(§4.1 row 10; PMM).",
    ),
    "rf_limp": (
        URGENT,
        "Non-weight-bearing, painful restricted hip rotation or a limp under 5 can be septic "
        "arthritis, osteomyelitis, Perthes disease or a slipped epiphysis; with fever it is an "
        "emergency (§4.1 row 11, §4.4; Kocher).",
    ),
    "rf_weakness": (
        URGENT,
        "Proximal weakness or dark urine suggests juvenile dermatomyositis or myositis "
        "(§4.1 row 14; PMM).",
    ),
    "rf_gi": (
        ROUTINE,
        "GI symptoms suggest IBD-related arthritis, assessed in clinic (§4.1 row 15).",
    ),
    "rf_lupus_features": (
        ROUTINE,
        "Ulcers, photosensitivity or alopecia suggest SLE, assessed in clinic (§4.1 row 16).",
    ),
    "rf_eye": (
        URGENT,
        "An acute red painful eye or photophobia suggests anterior uveitis, which needs prompt "
        "slit-lamp examination (§4.1 row 17).",
    ),
    "rf_enthesitis": (
        ROUTINE,
        "Enthesitis with inflammatory back pain suggests enthesitis-related arthritis, assessed "
        "in clinic (§4.1 row 18).",
    ),
    "rf_neuro": (
        URGENT,
        "Back pain with neurological signs or bladder or bowel dysfunction can be discitis, "
        "osteomyelitis or a tumour (§4.1 row 12; PMM).",
    ),
    "rf_immunocompromised": (
        URGENT,
        "In an immunocompromised child infection may be atypical and its usual signs absent "
        "(§4.1 row 20; PMM).",
    ),
    "rf_active_inflammatory": (
        ROUTINE,
        "Known active inflammatory disease goes back to its treating team (§4.1).",
    ),
    "rf_labs": (
        ROUTINE,
        "Raised inflammatory markers alone are assessed in clinic; cytopenia or blasts are the "
        "urgent rf_cytopenia_or_blasts (§4.3).",
    ),
}


def red_flag_criterion(
    code: str, name: str, urgency: str, expression: str, rationale: str, source: str, order: int
) -> dict:
    """A red flag as plain data (the Criterion fields); version 3 builds its own with it."""
    return {
        "code": code,
        "name": name,
        "kind": "red_flag",
        "urgency": urgency,
        "expression": expression,
        "message": "",
        "rationale": rationale,
        "source": source,
        "active": True,
        "order": order,
    }


#: The composite red flags version 2 adds. Emergencies come first in display order.
COMPOSITE_RED_FLAGS: tuple[dict, ...] = (
    red_flag_criterion(
        "rf_fever_non_weight_bearing",
        "Fever with non-weight-bearing (septic hip pattern)",
        EMERGENCY,
        "fever and non_weight_bearing",
        "Fever and non-weight-bearing are two of Kocher's four predictors of a septic hip "
        "(two predictors: 40% probability). Urgency emergency: any febrile non-weight-bearing "
        "child is a same-day referral, not a rules-engine decision (§4.4; Kocher).",
        _KOCHER,
        1,
    ),
    red_flag_criterion(
        "rf_non_weight_bearing_kocher_labs",
        "Non-weight-bearing with a Kocher laboratory predictor",
        EMERGENCY,
        "non_weight_bearing and (esr_mm_hr > 40 or wbc_10e9_l > 12 or crp_mg_l > 20)",
        "Non-weight-bearing with ESR over 40 mm/h, WBC over 12 ×10⁹/L or CRP over 20 mg/L is "
        "two Kocher predictors (40% probability of a septic hip, 93% with three). Urgency "
        "emergency: same-day assessment (§4.4; Kocher).",
        _KOCHER,
        2,
    ),
    red_flag_criterion(
        "rf_fever_joint_or_bone",
        "Fever with joint swelling, bone tenderness or limp",
        EMERGENCY,
        "fever and (joint_swelling_observed or focal_bone_tenderness or limp "
        "or restricted_hip_rotation)",
        "Fever with a swollen joint, focal bone tenderness, a limp or painful restricted hip "
        "rotation is the pattern of septic arthritis or osteomyelitis (limp with fever or bone "
        "tenderness; warm red joint suggests sepsis). Urgency emergency: same-day assessment "
        "(§4.1 rows 2, 8, 11; §1.2; §4.4).",
        f"{_PMM}; {_KOCHER}",
        3,
    ),
    red_flag_criterion(
        "rf_leukaemia_pattern",
        "Leukaemia pattern: night pain, low WBC, low-normal platelets",
        URGENT,
        "night_pain and wbc_10e9_l < 4 and 150 <= platelets_10e9_l <= 250",
        "WBC under 4 ×10⁹/L with low-normal platelets (150–250 ×10⁹/L) and night pain: all "
        "three together had 100% sensitivity and 85% specificity for ALL against JIA; 75% of "
        "children with ALL had no blasts at the visit. Urgency urgent (§4.3; Jones 2006).",
        _JONES,
        201,
    ),
    red_flag_criterion(
        "rf_cytopenia_or_blasts",
        "Cytopenia or blasts on the film",
        URGENT,
        "blasts_on_film or haemoglobin_g_dl < 10 or wbc_10e9_l < 4 or neutrophils_10e9_l < 1.5 "
        "or platelets_10e9_l < 150",
        "Any cytopenia (Hb under 10 g/dL, WBC under 4, neutrophils under 1.5, platelets under "
        "150 ×10⁹/L) or blasts: the risk of ALL rises from 0.2% with normal counts to 9%, 67% "
        "and 100% with one, two or three low counts. Urgency urgent (§4.3; Brix 2020).",
        f"{_BRIX}; {_LOUVIGNE}",
        202,
    ),
)


def urgency_rationale(rationale: str, urgency: str, reason: str) -> str:
    """A version-1 rationale with its urgency and the source for it appended."""
    return f"{rationale} Urgency {urgency}: {reason}"


def version_2_criteria(version_1: list[dict]) -> list[dict]:
    """Version 2 as plain data, from version 1's criteria (dicts with the Criterion fields):
    each red flag with its urgency and rationale, then the composite red flags."""
    criteria = []
    for criterion in version_1:
        criterion = dict(criterion)
        if criterion["kind"] == "red_flag":
            urgency, reason = RED_FLAG_URGENCIES[criterion["code"]]
            criterion["urgency"] = urgency
            criterion["rationale"] = urgency_rationale(criterion["rationale"], urgency, reason)
        criteria.append(criterion)
    return [*criteria, *(dict(c) for c in COMPOSITE_RED_FLAGS)]
