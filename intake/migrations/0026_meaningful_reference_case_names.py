"""The six reference cases of the data migration 0003 ("Example V01" ...) get names that say
what they test, and a short description each; a case with notes and no description (the
urgency cases of 0020) takes the start of its notes as its description."""

from django.db import migrations

CASES = {
    "Example V01": (
        "Diffuse AMPS with normal labs (ACR 2016 and amplified pain)",
        "Diffuse pain for 30 weeks, WPI 11, SSS 10, baseline labs normal, 10 minutes of "
        "stiffness: consider AMPS through two pathways, and no red flag.",
    ),
    "Example V02": (
        "Localised AMPS after a sprain (Budapest): oedema is not joint swelling",
        "CRPS-like foot pain, 4 symptom and 4 sign categories: consider AMPS through the "
        "Budapest pathway. Diffuse oedema crossing joint lines must not count as joint swelling.",
    ),
    "Example V06": (
        "Diffuse AMPS without baseline labs (caveat), 15 minutes of stiffness",
        "Consider AMPS through ACR 2016, with the caveat that a full blood count, ESR and CRP "
        "are needed first; 15 minutes of morning stiffness stays under the red-flag threshold.",
    ),
    "Example V16": (
        "Joint effusion, long morning stiffness and raised ESR/CRP: refer",
        "Three red flags at once (joint swelling, 45 minutes of stiffness, abnormal labs): "
        "refer for inflammatory work-up.",
    ),
    "Example V17": (
        "Fever wins over a met AMPS pathway: refer",
        "38.4 °C on three evenings with ACR 2016 met: a red flag always wins, so refer; the "
        "missing labs caveat is shown too.",
    ),
    "Example V33": (
        "Diffuse pain for 12 weeks, under the duration threshold: indeterminate",
        "WPI 9, SSS 6 but only 12 weeks of pain: no pathway and no red flag, so indeterminate "
        "(re-screen at 13 weeks).",
    ),
}


def rename(apps, schema_editor):
    reference_case = apps.get_model("intake", "ReferenceCase")
    for old, (new, description) in CASES.items():
        if reference_case.objects.filter(name=new).exists():
            continue
        reference_case.objects.filter(name=old).update(name=new, description=description)
    for case in reference_case.objects.filter(description="").exclude(notes=""):
        case.description = _shortened(case.notes, 500)
        case.save(update_fields=["description"])


def _shortened(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def rename_back(apps, schema_editor):
    reference_case = apps.get_model("intake", "ReferenceCase")
    for old, (new, _) in CASES.items():
        if not reference_case.objects.filter(name=old).exists():
            reference_case.objects.filter(name=new).update(name=old, description="")


class Migration(migrations.Migration):
    dependencies = [("intake", "0025_reference_case_description")]

    operations = [migrations.RunPython(rename, rename_back)]
