"""Criteria set version 3: the red flags rebuilt on the tiers and patterns of
clinical-reference.md §4.7, reading the red-flag details of data-dictionary §5a.

Published by a data migration through the same steps as the admin (a draft copied from the
published set, its red flags replaced by these, checked against every reference case, then
published, retiring version 2). Never edit this module: later changes are new versions made
in the admin.

How the tiers are read (clinical-reference.md §4.7):
- A screening's tier is the highest of its matched red flags, so each pattern is its own red
  flag with its own tier, and every version-2 red flag is still covered by a red flag here (a
  red flag always wins: only tiers change).
- A red-flag detail is null on an intake made before the details existed, and a comparison
  with null never holds. A pattern that *needs* a detail (Kawasaki, cauda equina,
  hepatosplenomegaly, petechiae, bulbar weakness, dark urine) therefore never matches on such
  an intake, which keeps the tier its other answers give. A detail that would only *lower* a
  tier (a swelling of 6 weeks or more, non-weight-bearing for 14 days or more, a fever under 5
  days) is written `not (detail >= n)`, so that an unknown duration keeps the higher tier:
  "where two tiers are arguable, choose the higher".
- The reviewing rheumatologist signs them off like every other default, and may lower a tier
  with a recorded reason.

Every rationale ends with the criterion's tier, its timeframe and its source.
"""

from __future__ import annotations

from .defaults_v2 import red_flag_criterion
from .engine import EMERGENCY, ROUTINE, URGENT

VERSION = 3
NOTES = (
    "Version 2's red flags rebuilt on the tiers and patterns of clinical-reference.md §4.7 "
    "(emergency: now / same day; urgent: within 48 hours; routine: next routine clinic), "
    "reading the red-flag details of data-dictionary §5a: bone or joint infection with or "
    "without fever (Kocher, Caird), acute non-weight-bearing, suspected SCFE, cauda equina, "
    "fever with immunocompromise or petechiae, leukaemia by cell lines counted (NICE NG12), "
    "Kawasaki disease, dermatomyositis with bulbar weakness or dark urine, unilateral night "
    "pain, new against chronic arthritis, and fever by markers and duration."
)
PUBLISH_NOTE = (
    "Red-flag tiers and patterns of clinical-reference.md §4.7 with the red-flag details of "
    "data-dictionary §5a, published by a data migration."
)

#: The timeframe of each tier (clinical-reference.md §4.7), as each rationale ends with it.
TIMEFRAMES = {
    EMERGENCY: "now / same day",
    URGENT: "within 48 hours",
    ROUTINE: "next routine clinic",
}

_REF = "clinical-reference.md"
_KOCHER = "Kocher et al., J Bone Joint Surg Am 1999;81:1662–1670 and 2004;86:1629–1635"
_CAIRD = "Caird et al., J Bone Joint Surg Am 2006;88:1251–1257"
_NG12 = "NICE NG12 (suspected cancer, children and young people)"
_PMM = "PMM (Paediatric Musculoskeletal Matters) red flags"
_LODER = "Loder et al., J Bone Joint Surg Am 1993;75:1134–1140"
_RCH = "Royal Children's Hospital Melbourne CPG 'Slipped upper femoral epiphysis'"
_JONES = "Jones et al., Pediatrics 2006;117:e840–e844"
_BRIX = "Brix et al., PLoS One 2020;15:e0237530"
_AHA = "McCrindle et al., AHA scientific statement, Circulation 2017;135:e927–e999"
_SHARE = "SHARE consensus, Enders et al., Ann Rheum Dis 2017;76:329–340"
_ILAR = "ILAR, Petty et al., J Rheumatol 2004"

_KOCHER_CAIRD_LABS = "(esr_mm_hr > 40 or wbc_10e9_l > 12 or crp_mg_l > 20)"
_HIP_THIGH_OR_KNEE = (
    '"hip_left" in pain_sites or "hip_right" in pain_sites or "upper_leg_left" in pain_sites '
    'or "upper_leg_right" in pain_sites or "knee_left" in pain_sites '
    'or "knee_right" in pain_sites'
)
_BACK = '"lower_back" in pain_sites or "upper_back" in pain_sites'
# A fever is routine only with a marker measured and normal (§4.7: "normal markers"): no CRP
# and no ESR (not done, as on the emergency pathway) keeps it urgent.
_FEVER_NOT_ROUTINE = (
    "crp_mg_l > 20 or esr_mm_hr > 40 or not (crp_mg_l <= 20 or esr_mm_hr <= 40) "
    "or not fever_days < 5 or kawasaki_feature_count >= 2"
)
_KNOWN_DISEASE = 'inflammatory_disease in ["in_remission", "active"]'


def tier_rationale(reason: str, urgency: str, source: str) -> str:
    """A rationale ending with its tier, timeframe and source."""
    return f"{reason} Tier {urgency} ({TIMEFRAMES[urgency]}). Source: {source}."


def _red_flag(code: str, name: str, urgency: str, expression: str, reason: str, source: str):
    """A version-3 red flag: its rationale ends with its tier, timeframe and source (its display
    order is given by its place in RED_FLAGS)."""
    rationale = tier_rationale(reason, urgency, source)
    return red_flag_criterion(code, name, urgency, expression, rationale, source, order=0)


# fmt: off
_RED_FLAGS: tuple[dict, ...] = (
    # --- Emergency: now / same day ------------------------------------------------------------
    _red_flag(
        "rf_fever_non_weight_bearing", "Fever with non-weight-bearing (septic hip pattern)",
        EMERGENCY, "fever and non_weight_bearing",
        "Fever and non-weight-bearing are two of Kocher's four predictors of a septic hip "
        "(two predictors: about 40%); any febrile non-weight-bearing child is seen the same "
        "day.",
        f"{_KOCHER} ({_REF} §4.4, §4.7)",
    ),
    _red_flag(
        "rf_fever_joint_or_bone", "Fever with joint swelling, bone tenderness or limp",
        EMERGENCY,
        "fever and (joint_swelling_observed or focal_bone_tenderness or limp "
        "or restricted_hip_rotation)",
        "Fever with a swollen joint, focal bone tenderness, a limp or painful restricted hip "
        "rotation is possible septic arthritis or osteomyelitis.",
        f"{_PMM}; {_KOCHER} ({_REF} §4.1 rows 2, 8, 11; §4.7)",
    ),
    _red_flag(
        "rf_non_weight_bearing_kocher_labs", "Non-weight-bearing with a Kocher or Caird lab",
        EMERGENCY, f"non_weight_bearing and {_KOCHER_CAIRD_LABS}",
        "Non-weight-bearing with ESR over 40 mm/h, WBC over 12 ×10⁹/L or CRP over 20 mg/L is "
        "already two septic-hip predictors (about 40%); afebrile septic arthritis exists.",
        f"{_KOCHER}; {_CAIRD} ({_REF} §4.4, §4.7)",
    ),
    _red_flag(
        "rf_effusion_kocher_labs", "Joint swelling with a Kocher or Caird lab",
        EMERGENCY, f"joint_swelling_observed and {_KOCHER_CAIRD_LABS}",
        "An observed joint swelling or effusion with ESR over 40 mm/h, WBC over 12 ×10⁹/L or "
        "CRP over 20 mg/L is possible septic arthritis, with or without fever (CRP and fever "
        "the strongest predictors).",
        f"{_CAIRD}; {_KOCHER} ({_REF} §4.4, §4.7)",
    ),
    _red_flag(
        "rf_acute_non_weight_bearing", "Newly cannot bear weight (under 14 days)",
        EMERGENCY, "non_weight_bearing and not non_weight_bearing_days >= 14",
        "A child who newly cannot bear weight is seen the same day whatever the labs: septic "
        "arthritis, fracture, unstable SCFE and malignancy are all possible. Not bearing "
        "weight for an unknown time (not asked) counts as new: the higher tier.",
        f"{_PMM}; {_LODER} ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_suspected_scfe", "Suspected slipped capital femoral epiphysis",
        EMERGENCY,
        f"8 <= age_years <= 17 and restricted_hip_rotation and (limp or non_weight_bearing or "
        f"{_HIP_THIGH_OR_KNEE})",
        "Age about 9-16 (read as 8-17: 'about', and over-triage is the safe direction) with a "
        "limp or hip, thigh or knee pain and painful restricted hip rotation: a suspected "
        "slip goes to the emergency department the same day (unstable slips: avascular "
        "necrosis about 47%).",
        f"{_LODER}; {_RCH} ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_cauda_equina", "Back pain with sphincter or saddle signs (cauda equina)",
        EMERGENCY, "neurological_deficit and sphincter_or_saddle_signs",
        "Back pain with new bladder or bowel dysfunction, urinary retention or saddle "
        "anaesthesia is cord or cauda equina compression until proved otherwise.",
        f"{_PMM} ({_REF} §4.1 row 12, §4.7)",
    ),
    _red_flag(
        "rf_fever_immunocompromised", "Fever in an immunocompromised child",
        EMERGENCY, "fever and immunocompromised",
        "Fever in an immunocompromised child is possible neutropenic sepsis or atypical "
        "infection: refer immediately.",
        f"NICE CG151 (neutropenic sepsis); {_PMM} ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_fever_petechiae", "Fever with petechiae or purpura",
        EMERGENCY, "fever and petechiae_or_purpura",
        "A non-blanching rash with fever is treated as meningococcal disease.",
        f"NICE NG240 (2024), meningitis and meningococcal disease ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_petechiae", "Unexplained petechiae or purpura",
        EMERGENCY, "petechiae_or_purpura",
        "Unexplained petechiae need immediate specialist assessment for leukaemia (the engine "
        "cannot tell an explained rash: the higher tier).",
        f"{_NG12} ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_hepatosplenomegaly", "Hepatosplenomegaly",
        EMERGENCY, "hepatosplenomegaly",
        "Hepatosplenomegaly needs immediate specialist assessment for leukaemia (with nodes, "
        "OR 154 against JIA).",
        f"{_NG12}; Louvigné et al., Pediatr Rheumatol 2020 ({_REF} §4.1 row 9, §4.7)",
    ),
    _red_flag(
        "rf_marrow_emergency", "Blasts, two low cell lines, or neutrophils or platelets very low",
        EMERGENCY,
        "blasts_on_film or cytopenia_lines >= 2 or neutrophils_10e9_l < 0.5 "
        "or platelets_10e9_l < 50",
        "Blasts on the film, low counts in two or more cell lines (haemoglobin; WBC or "
        "neutrophils as one line; platelets), neutrophils under 0.5 or platelets under "
        "50 ×10⁹/L: same-day haematology (ALL risk 67% with two low counts).",
        f"{_NG12}; {_BRIX} ({_REF} §4.3, §4.7)",
    ),
    _red_flag(
        "rf_kawasaki", "Possible Kawasaki disease",
        EMERGENCY, "fever and not fever_days < 5 and kawasaki_feature_count >= 2",
        "Fever for 5 days or more with two or more principal features of Kawasaki disease "
        "(incomplete Kawasaki needs only 2-3): IVIG should start within 10 days of the fever's "
        "onset to prevent coronary aneurysms. A fever of unknown duration (not asked) counts as "
        "5 days or more: the higher tier.",
        f"{_AHA} ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_weakness_bulbar", "Weakness with swallowing, voice or breathing difficulty",
        EMERGENCY, "proximal_weakness and bulbar_or_respiratory_weakness",
        "Dermatomyositis with difficulty swallowing, a changed voice or breathing difficulty "
        "risks aspiration and respiratory failure.",
        f"{_SHARE} ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_weakness_dark_urine", "Weakness with dark (cola) urine",
        EMERGENCY, "proximal_weakness and dark_urine",
        "Dark urine with weakness is possible myoglobinuria with kidney injury: same day.",
        f"{_SHARE} ({_REF} §4.7)",
    ),
    # --- Urgent: within 48 hours ---------------------------------------------------------------
    _red_flag(
        "rf_joint_swelling", "New joint swelling (under 6 weeks, or duration unknown)",
        URGENT, "joint_swelling_observed and not joint_swelling_weeks >= 6",
        "A new arthritis is urgent even without fever or raised markers: reactive arthritis, "
        "early JIA, Lyme disease, or leukaemia presenting as arthritis. A swelling of unknown "
        "duration (not asked) counts as new: the higher tier.",
        f"{_PMM}; {_ILAR} ({_REF} §4.5, §4.7)",
    ),
    _red_flag(
        "rf_fever", "Fever",
        URGENT,
        f"fever and ({_FEVER_NOT_ROUTINE})",
        "Fever with CRP over 20 mg/L or ESR over 40 mm/h (systemic JIA, occult infection, "
        "malignancy), or lasting 5 days or more (Kawasaki disease, fever of unknown origin). "
        "A fever of unknown duration (not asked) counts as long, a fever with no CRP or ESR "
        "measured is not one with normal markers, and a shorter fever with two Kawasaki "
        "features is not a fever alone: the higher tier.",
        f"{_PMM}; {_AHA} ({_REF} §4.1 row 2, §4.7)",
    ),
    _red_flag(
        "rf_non_weight_bearing", "Non-weight-bearing for 14 days or more",
        URGENT, "non_weight_bearing and non_weight_bearing_days >= 14",
        "Not bearing weight for 14 days or more, without fever or a Kocher or Caird "
        "predictor (those are emergencies), is urgent.",
        f"{_PMM}; {_KOCHER} ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_hip_rotation", "Painful restricted hip rotation",
        URGENT, "restricted_hip_rotation",
        "Painful restricted hip rotation outside the SCFE pattern suggests Perthes disease, "
        "arthritis or infection of the hip.",
        f"{_PMM} ({_REF} §4.1 row 11)",
    ),
    _red_flag(
        "rf_limp_under_5", "Limp under 5 years, not explained by known disease",
        URGENT,
        f"limp and age_years < 5 and not (pain_duration_weeks >= 6 and {_KNOWN_DISEASE})",
        "A limp in a child under 5 can be septic arthritis, osteomyelitis, JIA, malignancy or "
        "non-accidental injury.",
        f"{_PMM} ({_REF} §4.1 row 11)",
    ),
    _red_flag(
        "rf_neuro", "Back pain with neurological signs",
        URGENT, "neurological_deficit",
        "Back pain with neurological signs is at least urgent (discitis, osteomyelitis, "
        "tumour); with sphincter or saddle signs it is the emergency rf_cauda_equina.",
        f"{_PMM} ({_REF} §4.1 row 12, §4.7)",
    ),
    _red_flag(
        "rf_immunocompromised", "Immunocompromised",
        URGENT, "immunocompromised",
        "In an immunocompromised child infection may be atypical and its signs absent; with "
        "fever it is the emergency rf_fever_immunocompromised.",
        f"{_PMM}; NICE CG151 ({_REF} §4.1 row 20, §4.7)",
    ),
    _red_flag(
        "rf_night_pain", "Unilateral or focal night pain, or back pain that wakes",
        URGENT,
        f'night_pain and (pain_laterality != "both" or focal_bone_tenderness or {_BACK})',
        "Night or bone pain on one side or in one place, or back pain that wakes the child, "
        "needs a very urgent X-ray for bone sarcoma, leukaemia or osteomyelitis.",
        f"{_NG12}; {_JONES} ({_REF} §4.2, §4.7)",
    ),
    _red_flag(
        "rf_bone", "Focal bone tenderness or bony mass",
        URGENT, "focal_bone_tenderness",
        "Unexplained bone pain or swelling needs a very urgent X-ray (bone sarcoma, "
        "osteomyelitis, fracture including non-accidental).",
        f"{_NG12}; {_PMM} ({_REF} §4.1 row 8, §4.7)",
    ),
    _red_flag(
        "rf_nodes_organs", "Lymphadenopathy or organomegaly",
        URGENT, "lymphadenopathy_or_organomegaly",
        "Generalised lymphadenopathy needs a very urgent full blood count; with "
        "hepatosplenomegaly it is the emergency rf_hepatosplenomegaly.",
        f"{_NG12}; Louvigné et al., Pediatr Rheumatol 2020 ({_REF} §4.1 row 9, §4.7)",
    ),
    _red_flag(
        "rf_bleeding", "Pallor, bruising or bleeding",
        URGENT, "bruising_pallor_or_bleeding",
        "Pallor or unexplained bruising needs a very urgent full blood count; with petechiae "
        "it is the emergency rf_petechiae.",
        f"{_NG12}; {_PMM} ({_REF} §4.1 row 10, §4.7)",
    ),
    _red_flag(
        "rf_rash", "Rash",
        URGENT, "rash",
        "The recorded rashes include palpable purpura (IgA vasculitis), erythema marginatum "
        "(acute rheumatic fever) and the rash of systemic JIA; petechiae are the emergency "
        "rf_petechiae.",
        f"{_PMM} ({_REF} §4.1 row 3, rash table)",
    ),
    _red_flag(
        "rf_cytopenia_or_blasts", "A single cytopenia",
        URGENT,
        "blasts_on_film or haemoglobin_g_dl < 10 or wbc_10e9_l < 4 or neutrophils_10e9_l < 1.5 "
        "or platelets_10e9_l < 150",
        "A single mild cytopenia (Hb under 10 g/dL, WBC under 4, neutrophils under 1.5, "
        "platelets under 150 ×10⁹/L) needs a very urgent full blood count and film; two lines, "
        "blasts or very low counts are the emergency rf_marrow_emergency.",
        f"{_NG12}; {_BRIX} ({_REF} §4.3, §4.7)",
    ),
    _red_flag(
        "rf_leukaemia_pattern", "Leukaemia pattern: night pain, low WBC, low-normal platelets",
        URGENT, "night_pain and wbc_10e9_l < 4 and 150 <= platelets_10e9_l <= 250",
        "WBC under 4 ×10⁹/L with low-normal platelets (150-250) and night pain: 100% "
        "sensitivity and 85% specificity for ALL against JIA.",
        f"{_JONES} ({_REF} §4.3, §4.7)",
    ),
    _red_flag(
        "rf_weakness", "Proximal weakness or dark urine",
        URGENT, "proximal_weakness",
        "Proximal weakness alone suggests juvenile dermatomyositis or myositis; with bulbar "
        "signs or dark urine it is an emergency.",
        f"{_SHARE}; {_PMM} ({_REF} §4.1 row 14, §4.7)",
    ),
    _red_flag(
        "rf_eye", "Red painful eye or photophobia",
        URGENT, "red_eye",
        "An acute red painful eye or photophobia is possible anterior uveitis, which needs "
        "prompt slit-lamp examination.",
        f"{_PMM} ({_REF} §4.1 row 17, §4.7)",
    ),
    _red_flag(
        "rf_sweats_and_weight_loss", "Night sweats with weight loss",
        URGENT, "night_sweats and weight_loss",
        "Drenching night sweats with weight loss suggest lymphoma.",
        f"{_NG12}; {_PMM} ({_REF} §4.7)",
    ),
    # --- Routine: next routine clinic -----------------------------------------------------------
    _red_flag(
        "rf_chronic_joint_swelling", "Chronic joint swelling (6 weeks or more)",
        ROUTINE, "joint_swelling_observed and joint_swelling_weeks >= 6",
        "An arthritis of 6 weeks or more in a well child is JIA until shown otherwise, "
        "assessed in clinic; fever or raised markers make it urgent or an emergency.",
        f"{_ILAR} ({_REF} §4.5, §4.7)",
    ),
    _red_flag(
        "rf_short_fever", "Fever under 5 days with normal markers",
        ROUTINE, f"fever and not ({_FEVER_NOT_ROUTINE})",
        "A short fever with an obvious intercurrent cause and normal markers is routine: "
        "re-screen when the child is afebrile.",
        f"{_PMM} ({_REF} §4.2, §4.7)",
    ),
    _red_flag(
        "rf_limp_under_5_explained", "Chronic limp under 5 explained by known disease",
        ROUTINE, f"limp and age_years < 5 and pain_duration_weeks >= 6 and {_KNOWN_DISEASE}",
        "A chronic limp (6 weeks or more) already explained by known inflammatory disease goes "
        "back to its treating team.",
        f"{_ILAR}; {_PMM} ({_REF} §4.7)",
    ),
    _red_flag(
        "rf_limp", "Non-weight-bearing, restricted hip rotation, or limp under 5",
        ROUTINE, "non_weight_bearing or restricted_hip_rotation or (limp and age_years < 5)",
        "Version 1's red flag, kept whole so that every child it refers is still referred; "
        "its tiers come from the patterns it was split into (acute non-weight-bearing, "
        "suspected SCFE, restricted hip rotation, limp under 5), each of them listed above.",
        f"{_PMM}; {_KOCHER} ({_REF} §4.1 row 11, §4.7)",
    ),
    _red_flag(
        "rf_bilateral_night_pain", "Night pain",
        ROUTINE, "night_pain",
        "Night pain on both sides overlaps with growing pains; it stays a red flag because the "
        "pain wakes the child or is deep bone pain (the intake's night-pain question). On one "
        "side, in one place or in the back it is the urgent rf_night_pain.",
        f"{_PMM} ({_REF} §4.2)",
    ),
    _red_flag(
        "rf_night_sweats", "Night sweats",
        ROUTINE, "night_sweats",
        "Night sweats alone are assessed in clinic; with weight loss they are urgent.",
        f"{_PMM} ({_REF} §4.1 row 7, §4.7)",
    ),
    _red_flag(
        "rf_weight_loss", "Weight loss",
        ROUTINE, "weight_loss",
        "Weight loss alone is assessed in clinic; with night sweats it is urgent.",
        f"{_PMM} ({_REF} §4.1 row 5, §4.7)",
    ),
    _red_flag(
        "rf_morning_stiffness", "Morning stiffness 30 minutes or more",
        ROUTINE, "morning_stiffness_minutes >= 30",
        "Prolonged morning stiffness suggests inflammatory arthritis, assessed in clinic.",
        f"{_PMM} ({_REF} §4.1 row 4)",
    ),
    _red_flag(
        "rf_gi", "Gastrointestinal symptoms",
        ROUTINE, "gi_symptoms",
        "GI symptoms suggest IBD-related arthritis, assessed in clinic.",
        f"{_PMM} ({_REF} §4.1 row 15)",
    ),
    _red_flag(
        "rf_lupus_features", "Oral ulcers, photosensitivity or alopecia",
        ROUTINE, "oral_ulcers_or_photosensitivity",
        "Ulcers, photosensitivity or alopecia suggest SLE, assessed in clinic.",
        f"{_PMM} ({_REF} §4.1 row 16)",
    ),
    _red_flag(
        "rf_enthesitis", "Enthesitis with inflammatory back pain",
        ROUTINE, "enthesitis",
        "Enthesitis with inflammatory back pain suggests enthesitis-related arthritis, "
        "assessed in clinic.",
        f"{_ILAR} ({_REF} §4.1 row 18)",
    ),
    _red_flag(
        "rf_active_inflammatory", "Active inflammatory disease",
        ROUTINE, 'inflammatory_disease == "active"',
        "Known active inflammatory disease goes back to its treating team.",
        f"{_PMM} ({_REF} §4.1, §4.7)",
    ),
    _red_flag(
        "rf_labs", "Abnormal blood tests",
        ROUTINE,
        "esr_mm_hr > 20 or crp_mg_l > 5 or wbc_10e9_l < 4 or wbc_10e9_l > 15 or "
        "neutrophils_10e9_l < 1.5 or platelets_10e9_l < 150 or platelets_10e9_l > 450 or "
        "haemoglobin_g_dl < 10 or blasts_on_film or ldh_raised or ck_raised",
        "Raised inflammatory markers alone are assessed in clinic; with fever, "
        "non-weight-bearing or joint swelling, or with a cytopenia, the higher red flags apply.",
        f"{_PMM} ({_REF} §4.3, §4.7)",
    ),
)
# fmt: on

#: Version 3's red flags as plain data (Criterion fields), in display order: emergencies,
#: then urgent, then routine.
RED_FLAGS: tuple[dict, ...] = tuple(
    {**criterion, "order": index + 1} for index, criterion in enumerate(_RED_FLAGS)
)


def version_3_criteria(published: list[dict]) -> list[dict]:
    """Version 3 as plain data, from the published set's criteria (dicts with the Criterion
    fields): its AMPS pathways and caveats as they are, and version 3's red flags."""
    kept = [dict(criterion) for criterion in published if criterion["kind"] != "red_flag"]
    return [*(dict(criterion) for criterion in RED_FLAGS), *kept]
