"""The default criteria (version 1) written by hand in plain Python: the yardstick for the
engine. `triage` returns the codes only; `triage_traced` also records every comparison with
the value it read, as the engine's trace does (no short-circuit), so the two do equal work."""


def _ge(value, limit):
    return value is not None and value >= limit


def _gt(value, limit):
    return value is not None and value > limit


def _lt(value, limit):
    return value is not None and value < limit


def triage(f: dict) -> tuple[str, list[str], list[str], list[str]]:
    red = []
    if f["joint_swelling_observed"]:
        red.append("rf_joint_swelling")
    if f["fever"]:
        red.append("rf_fever")
    if f["rash"]:
        red.append("rf_rash")
    if _ge(f["morning_stiffness_minutes"], 30):
        red.append("rf_morning_stiffness")
    if f["weight_loss"]:
        red.append("rf_weight_loss")
    if f["night_pain"]:
        red.append("rf_night_pain")
    if f["night_sweats"]:
        red.append("rf_night_sweats")
    if f["focal_bone_tenderness"]:
        red.append("rf_bone")
    if f["lymphadenopathy_or_organomegaly"]:
        red.append("rf_nodes_organs")
    if f["bruising_pallor_or_bleeding"]:
        red.append("rf_bleeding")
    if (
        f["non_weight_bearing"]
        or f["restricted_hip_rotation"]
        or (f["limp"] and _lt(f["age_years"], 5))
    ):
        red.append("rf_limp")
    if f["proximal_weakness"]:
        red.append("rf_weakness")
    if f["gi_symptoms"]:
        red.append("rf_gi")
    if f["oral_ulcers_or_photosensitivity"]:
        red.append("rf_lupus_features")
    if f["red_eye"]:
        red.append("rf_eye")
    if f["enthesitis"]:
        red.append("rf_enthesitis")
    if f["neurological_deficit"]:
        red.append("rf_neuro")
    if f["immunocompromised"]:
        red.append("rf_immunocompromised")
    if f["inflammatory_disease"] == "active":
        red.append("rf_active_inflammatory")
    wbc, platelets = f["wbc_10e9_l"], f["platelets_10e9_l"]
    if (
        _gt(f["esr_mm_hr"], 20)
        or _gt(f["crp_mg_l"], 5)
        or _lt(wbc, 4)
        or _gt(wbc, 15)
        or _lt(f["neutrophils_10e9_l"], 1.5)
        or _lt(platelets, 150)
        or _gt(platelets, 450)
        or _lt(f["haemoglobin_g_dl"], 10)
        or f["blasts_on_film"]
        or f["ldh_raised"]
        or f["ck_raised"]
    ):
        red.append("rf_labs")

    pathways = []
    if (
        f["pain_out_of_proportion"]
        and _ge(f["budapest_symptom_categories"], 3)
        and _ge(f["budapest_sign_categories"], 2)
    ):
        pathways.append("amps_p1_budapest")
    wpi, sss = f["wpi"], f["sss"]
    if (
        ((_ge(wpi, 7) and _ge(sss, 5)) or (wpi is not None and 4 <= wpi <= 6 and _ge(sss, 9)))
        and _ge(f["generalized_pain_regions"], 4)
        and _ge(f["pain_duration_weeks"], 13)
    ):
        pathways.append("amps_p2_acr2016")
    if (
        _ge(f["pain_duration_weeks"], 13)
        and (f["allodynia_observed"] or f["hyperalgesia_observed"])
        and (_ge(f["school_days_missed_4wk"], 1) or _ge(f["fdi_score"], 13) or f["mobility_aid"])
    ):
        pathways.append("amps_p3_amplified_pain")

    caveats = []
    if not f["core_labs_done"]:
        caveats.append("cav_labs_not_done")
    if f["inflammatory_disease"] == "in_remission":
        caveats.append("cav_inflammatory_in_remission")
    if f["safeguarding_concern"]:
        caveats.append("cav_safeguarding")

    outcome = "refer" if red else "consider_amps" if pathways else "indeterminate"
    return outcome, red, pathways, caveats


# -- the same, recording each comparison --------------------------------------------------------


def triage_traced(f: dict):
    trace = []

    def bare(name):
        value = f[name]
        result = bool(value)
        trace.append({"text": name, "fact": name, "value": value, "result": result})
        return result

    def cmp(name, text, test):
        value = f[name]
        result = value is not None and test(value)
        trace.append({"text": text, "fact": name, "value": value, "result": result})
        return result

    def criterion(code, kind, results):
        matched = results()
        trace.append({"code": code, "kind": kind, "matched": matched})
        return matched

    red, pathways, caveats = [], [], []
    singles = (
        ("rf_joint_swelling", "joint_swelling_observed"),
        ("rf_fever", "fever"),
        ("rf_rash", "rash"),
        ("rf_weight_loss", "weight_loss"),
        ("rf_night_pain", "night_pain"),
        ("rf_night_sweats", "night_sweats"),
        ("rf_bone", "focal_bone_tenderness"),
        ("rf_nodes_organs", "lymphadenopathy_or_organomegaly"),
        ("rf_bleeding", "bruising_pallor_or_bleeding"),
        ("rf_weakness", "proximal_weakness"),
        ("rf_gi", "gi_symptoms"),
        ("rf_lupus_features", "oral_ulcers_or_photosensitivity"),
        ("rf_eye", "red_eye"),
        ("rf_enthesitis", "enthesitis"),
        ("rf_neuro", "neurological_deficit"),
        ("rf_immunocompromised", "immunocompromised"),
    )
    for code, name in singles:
        if criterion(code, "red_flag", lambda name=name: bare(name)):
            red.append(code)
    if criterion(
        "rf_morning_stiffness",
        "red_flag",
        lambda: cmp(
            "morning_stiffness_minutes", "morning_stiffness_minutes >= 30", lambda v: v >= 30
        ),
    ):
        red.append("rf_morning_stiffness")

    def limp():
        a, b = bare("non_weight_bearing"), bare("restricted_hip_rotation")
        c, d = bare("limp"), cmp("age_years", "age_years < 5", lambda v: v < 5)
        return a or b or (c and d)

    if criterion("rf_limp", "red_flag", limp):
        red.append("rf_limp")
    if criterion(
        "rf_active_inflammatory",
        "red_flag",
        lambda: cmp(
            "inflammatory_disease", 'inflammatory_disease == "active"', lambda v: v == "active"
        ),
    ):
        red.append("rf_active_inflammatory")

    def labs():
        results = [
            cmp("esr_mm_hr", "esr_mm_hr > 20", lambda v: v > 20),
            cmp("crp_mg_l", "crp_mg_l > 5", lambda v: v > 5),
            cmp("wbc_10e9_l", "wbc_10e9_l < 4", lambda v: v < 4),
            cmp("wbc_10e9_l", "wbc_10e9_l > 15", lambda v: v > 15),
            cmp("neutrophils_10e9_l", "neutrophils_10e9_l < 1.5", lambda v: v < 1.5),
            cmp("platelets_10e9_l", "platelets_10e9_l < 150", lambda v: v < 150),
            cmp("platelets_10e9_l", "platelets_10e9_l > 450", lambda v: v > 450),
            cmp("haemoglobin_g_dl", "haemoglobin_g_dl < 10", lambda v: v < 10),
            bare("blasts_on_film"),
            bare("ldh_raised"),
            bare("ck_raised"),
        ]
        return any(results)

    if criterion("rf_labs", "red_flag", labs):
        red.append("rf_labs")

    def p1():
        a = bare("pain_out_of_proportion")
        b = cmp("budapest_symptom_categories", "budapest_symptom_categories >= 3", lambda v: v >= 3)
        c = cmp("budapest_sign_categories", "budapest_sign_categories >= 2", lambda v: v >= 2)
        return a and b and c

    def p2():
        a = cmp("wpi", "wpi >= 7", lambda v: v >= 7)
        b = cmp("sss", "sss >= 5", lambda v: v >= 5)
        c = cmp("wpi", "4 <= wpi <= 6", lambda v: 4 <= v <= 6)
        d = cmp("sss", "sss >= 9", lambda v: v >= 9)
        e = cmp("generalized_pain_regions", "generalized_pain_regions >= 4", lambda v: v >= 4)
        g = cmp("pain_duration_weeks", "pain_duration_weeks >= 13", lambda v: v >= 13)
        return ((a and b) or (c and d)) and e and g

    def p3():
        a = cmp("pain_duration_weeks", "pain_duration_weeks >= 13", lambda v: v >= 13)
        b, c = bare("allodynia_observed"), bare("hyperalgesia_observed")
        d = cmp("school_days_missed_4wk", "school_days_missed_4wk >= 1", lambda v: v >= 1)
        e = cmp("fdi_score", "fdi_score >= 13", lambda v: v >= 13)
        g = bare("mobility_aid")
        return a and (b or c) and (d or e or g)

    for code, test in (
        ("amps_p1_budapest", p1),
        ("amps_p2_acr2016", p2),
        ("amps_p3_amplified_pain", p3),
    ):
        if criterion(code, "amps_pathway", test):
            pathways.append(code)

    def labs_not_done():
        value = f["core_labs_done"]
        trace.append(
            {
                "text": "not core_labs_done",
                "fact": "core_labs_done",
                "value": value,
                "result": not value,
            }
        )
        return not value

    for code, test in (
        ("cav_labs_not_done", labs_not_done),
        (
            "cav_inflammatory_in_remission",
            lambda: cmp(
                "inflammatory_disease",
                'inflammatory_disease == "in_remission"',
                lambda v: v == "in_remission",
            ),
        ),
        ("cav_safeguarding", lambda: bare("safeguarding_concern")),
    ):
        if criterion(code, "caveat", test):
            caveats.append(code)

    outcome = "refer" if red else "consider_amps" if pathways else "indeterminate"
    return outcome, red, pathways, caveats, trace
