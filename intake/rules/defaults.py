"""The default criteria set, version 1: data-dictionary section 9, as published by the data
migration that creates it.

Never edit this module. Criteria change through the admin, as new criteria-set versions
(draft -> test -> publish); a past screening keeps the version and content hash it was made
with. The codes, kinds, expressions and caveat messages are copied character for character
from the data dictionary; names, rationales and sources come from clinical-reference.md.
"""

from __future__ import annotations

_PMM = "PMM (Paediatric Musculoskeletal Matters) red flags"
_PGALS = "Foster & Jandial, Pediatr Rheumatol 2013;11:44 (pGALS)"
_SEN = "Sen, Clarke & Ramanan, Best Pract Res Clin Rheumatol 2014;28:888–906"
_JUNNILA = "Junnila & Cartwright, Am Fam Physician 2006;74:115–122"
_JONES = "Jones et al., Pediatrics 2006;117:e840–e844"
_LOUVIGNE = "Louvigné et al., Pediatr Rheumatol 2020 (doi:10.1186/s12969-019-0376-8)"
_BRIX = "Brix et al., PLoS One 2020;15:e0237530"
_SHERRY = "Sherry, Sonagra & Gmuca, Pediatr Rheumatol 2020 (doi:10.1186/s12969-020-00473-2)"
_CHOP = "CHOP Center for Amplified Musculoskeletal Pain Syndrome (referral criteria)"


def _criterion(
    kind: str, code: str, name: str, expression: str, rationale: str, source: str, message=""
) -> dict:
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "expression": expression,
        "message": message,
        "rationale": rationale,
        "source": source,
    }


_RED_FLAGS = (
    _criterion(
        "red_flag",
        "rf_joint_swelling",
        "Joint swelling observed",
        "joint_swelling_observed",
        "Examiner-observed joint swelling, or an effusion that cannot be excluded, suggests "
        "arthritis; children with AMPS have no joint swelling.",
        f"{_PMM}; {_PGALS}; HSS AMPS patient page",
    ),
    _criterion(
        "red_flag",
        "rf_fever",
        "Fever",
        "fever",
        "A measured fever in the past 7 days or recurrent unexplained fevers suggests infection, "
        "systemic JIA or malignancy.",
        f"{_PMM}; {_JUNNILA}",
    ),
    _criterion(
        "red_flag",
        "rf_rash",
        "Rash",
        "rash",
        "A listed rash suggests systemic JIA, SLE, vasculitis, dermatomyositis, psoriatic "
        "arthritis, Lyme disease, rheumatic fever or leukaemia.",
        f"{_PMM}; {_SEN}",
    ),
    _criterion(
        "red_flag",
        "rf_morning_stiffness",
        "Morning stiffness 30 minutes or more",
        "morning_stiffness_minutes >= 30",
        "Prolonged morning stiffness is classic for inflammatory arthritis (JIA, "
        "enthesitis-related arthritis); policy range 15–60 minutes.",
        f"{_PMM}; {_PGALS}",
    ),
    _criterion(
        "red_flag",
        "rf_weight_loss",
        "Weight loss",
        "weight_loss",
        "Unintentional weight loss or falling centiles suggests malignancy, IBD, SLE or TB.",
        f"{_PMM}; {_JUNNILA}",
    ),
    _criterion(
        "red_flag",
        "rf_night_pain",
        "Night pain or bone pain",
        "night_pain",
        "Pain that wakes the child, or deep bone pain, suggests leukaemia, bone tumour or "
        "osteomyelitis.",
        f"{_JONES}; {_PMM}",
    ),
    _criterion(
        "red_flag",
        "rf_night_sweats",
        "Night sweats",
        "night_sweats",
        "Drenching night sweats suggest lymphoma, leukaemia or TB.",
        _PMM,
    ),
    _criterion(
        "red_flag",
        "rf_bone",
        "Focal bone tenderness or bony mass",
        "focal_bone_tenderness",
        "Focal bony tenderness, swelling or a mass suggests osteomyelitis, a bone tumour or a "
        "fracture, including a non-accidental one.",
        f"{_PMM}; {_SEN}",
    ),
    _criterion(
        "red_flag",
        "rf_nodes_organs",
        "Lymphadenopathy or organomegaly",
        "lymphadenopathy_or_organomegaly",
        "Lymphadenopathy, hepatomegaly or splenomegaly suggests leukaemia or lymphoma "
        "(OR 154 against JIA).",
        f"{_LOUVIGNE}; {_PMM}",
    ),
    _criterion(
        "red_flag",
        "rf_bleeding",
        "Pallor, bruising or bleeding",
        "bruising_pallor_or_bleeding",
        "Pallor, bruising, bleeding or petechiae suggest leukaemia or bone-marrow failure.",
        _PMM,
    ),
    _criterion(
        "red_flag",
        "rf_limp",
        "Non-weight-bearing, restricted hip rotation, or limp under 5",
        "non_weight_bearing or restricted_hip_rotation or (limp and age_years < 5)",
        "Non-weight-bearing, painful restricted hip rotation or a limp in a child under 5 "
        "suggests septic arthritis, osteomyelitis, JIA, malignancy, Perthes or SCFE.",
        f"{_PMM}; Kocher et al., J Bone Joint Surg Am 1999;81:1662–1670",
    ),
    _criterion(
        "red_flag",
        "rf_weakness",
        "Proximal weakness or dark urine",
        "proximal_weakness",
        "Proximal muscle weakness or dark urine suggests juvenile dermatomyositis or myositis.",
        _PMM,
    ),
    _criterion(
        "red_flag",
        "rf_gi",
        "Gastrointestinal symptoms",
        "gi_symptoms",
        "Chronic diarrhoea, blood in the stool or growth failure with abdominal pain suggests "
        "IBD-related arthritis.",
        _PMM,
    ),
    _criterion(
        "red_flag",
        "rf_lupus_features",
        "Oral ulcers, photosensitivity or alopecia",
        "oral_ulcers_or_photosensitivity",
        "Oral or nasal ulcers, photosensitivity or alopecia suggest SLE.",
        f"{_PMM}; {_SEN}",
    ),
    _criterion(
        "red_flag",
        "rf_eye",
        "Red painful eye or photophobia",
        "red_eye",
        "An acute red painful eye or photophobia suggests anterior uveitis "
        "(enthesitis-related arthritis).",
        _PMM,
    ),
    _criterion(
        "red_flag",
        "rf_enthesitis",
        "Enthesitis with inflammatory back pain",
        "enthesitis",
        "Objective enthesitis with inflammatory back pain or a family history of "
        "spondyloarthritis suggests enthesitis-related arthritis.",
        f"ILAR, Petty et al., J Rheumatol 2004; {_PMM}",
    ),
    _criterion(
        "red_flag",
        "rf_neuro",
        "Back pain with neurological signs",
        "neurological_deficit",
        "Back pain with neurological signs or bladder or bowel dysfunction suggests discitis, "
        "a tumour or spinal cord compression.",
        f"{_PMM}; {_JUNNILA}",
    ),
    _criterion(
        "red_flag",
        "rf_immunocompromised",
        "Immunocompromised",
        "immunocompromised",
        "In an immunocompromised child the typical signs of infection may be absent.",
        _PMM,
    ),
    _criterion(
        "red_flag",
        "rf_active_inflammatory",
        "Active inflammatory disease",
        'inflammatory_disease == "active"',
        "Pain in a child with active JIA, IBD, SLE or similar needs an inflammatory work-up "
        "first; AMPS is accepted only alongside disease in remission.",
        f"{_CHOP}; {_PMM}",
    ),
    _criterion(
        "red_flag",
        "rf_labs",
        "Abnormal blood tests",
        "esr_mm_hr > 20 or crp_mg_l > 5 or wbc_10e9_l < 4 or wbc_10e9_l > 15 or "
        "neutrophils_10e9_l < 1.5 or platelets_10e9_l < 150 or platelets_10e9_l > 450 or "
        "haemoglobin_g_dl < 10 or blasts_on_film or ldh_raised or ck_raised",
        "A raised ESR or CRP, a cytopenia, a high white count or platelet count, blasts, or a "
        "raised LDH or CK suggests malignancy, infection or inflammatory disease.",
        f"{_BRIX}; {_JONES}; {_LOUVIGNE}; {_PMM}",
    ),
)

_PATHWAYS = (
    _criterion(
        "amps_pathway",
        "amps_p1_budapest",
        "Budapest clinical criteria for CRPS (localized AMPS)",
        "pain_out_of_proportion and budapest_symptom_categories >= 3 and "
        "budapest_sign_categories >= 2",
        "Disproportionate pain with symptoms in at least 3 and signs in at least 2 of the 4 "
        "Budapest categories; no minimum duration.",
        "Harden et al., Pain 2010;150:268–274; Harden et al., Pain Med 2007;8:326–331",
    ),
    _criterion(
        "amps_pathway",
        "amps_p2_acr2016",
        "ACR 2016 fibromyalgia criteria (diffuse AMPS)",
        "((wpi >= 7 and sss >= 5) or (4 <= wpi <= 6 and sss >= 9)) and "
        "generalized_pain_regions >= 4 and pain_duration_weeks >= 13",
        "WPI 7 or more with SSS 5 or more, or WPI 4–6 with SSS 9 or more, with generalized pain "
        "in at least 4 of 5 regions for at least 13 weeks (3 months).",
        "Wolfe et al., Semin Arthritis Rheum 2016;46:319–329",
    ),
    _criterion(
        "amps_pathway",
        "amps_p3_amplified_pain",
        "Localized or intermittent amplified pain",
        "pain_duration_weeks >= 13 and (allodynia_observed or hyperalgesia_observed) and "
        "(school_days_missed_4wk >= 1 or fdi_score >= 13 or mobility_aid)",
        "Pain for at least 13 weeks with examiner-elicited allodynia or hyperalgesia and a "
        "functional impact; expert opinion, no validated criteria.",
        f"{_SHERRY}; Nicholas et al., Pain 2019;160:28–37 (ICD-11 chronic primary pain); "
        "Kashikar-Zuck et al., Pain 2011 (FDI 13 or more: moderate disability)",
    ),
)

_CAVEATS = (
    _criterion(
        "caveat",
        "cav_labs_not_done",
        "Baseline bloods not done",
        "not core_labs_done",
        "Labs not done do not block an AMPS suggestion, but a baseline full blood count, ESR "
        "and CRP must be seen before accepting one (policy-sensitive).",
        "Clinical reference §3.5 (proposed default); Yunus & Masi, Arthritis Rheum "
        "1985;28:138–145 (normal labs)",
        "A baseline full blood count, ESR and CRP are required before accepting an AMPS "
        "suggestion.",
    ),
    _criterion(
        "caveat",
        "cav_inflammatory_in_remission",
        "Inflammatory disease in remission",
        'inflammatory_disease == "in_remission"',
        "AMPS can coexist with inflammatory disease in remission, but a rheumatologist should "
        "confirm the disease is inactive.",
        f"{_CHOP}; Wolfe et al., Semin Arthritis Rheum 2016;46:319–329",
        "Known inflammatory disease in remission: a rheumatologist should confirm it is inactive.",
    ),
    _criterion(
        "caveat",
        "cav_safeguarding",
        "Safeguarding concern",
        "safeguarding_concern",
        "A safeguarding concern is escalated through the safeguarding pathway, not the "
        "rheumatology pathway.",
        _PMM,
        "Safeguarding concern recorded: follow the safeguarding pathway as well.",
    ),
)

#: Version 1 of the criteria: red flags, then AMPS pathways, then caveats, ordered 10, 20, 30, ...
DEFAULT_CRITERIA: tuple[dict, ...] = tuple(
    {**criterion, "order": 10 * (index + 1)}
    for index, criterion in enumerate(_RED_FLAGS + _PATHWAYS + _CAVEATS)
)
