"""Reference cases belong to a criteria set version.

Until now every version was tested against one shared list of reference cases, so fixing a
case for a new version changed what older versions had been tested against. Each case now
belongs to one set (`ReferenceCase.criteria_set`): a new draft copies the published set's
cases, and publishing runs the draft's own.

The data step works on whatever state the database is in when it runs (it may follow other
data migrations that publish a version and add cases the old, shared way): every case
without a set becomes a case of the published set, and a copy of it is made for each current
draft (with a first history record); retired sets keep none, because nobody can run or edit
them any more and the cases they passed are the ones their successors started from. With no
published set at all (never so after 0003), the cases go to the newest draft; with no set
at all they are removed. Only historical models are used; no version number is assumed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

REASON = "Reference cases belong to a version: copied to this draft."
# The fields a copy takes from its original (not its identity, set or creation time).
COPIED = ("name", "description", "intake", "expected_outcome", "expected_urgency", "notes")
COPIED += ("active", "created_by_id")


def _check_now(schema_editor):
    """PostgreSQL checks the new foreign keys at commit; the table is altered next in this
    same transaction, which it refuses while checks are pending: check them now."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def give_cases_their_versions(apps, schema_editor):
    criteria_set = apps.get_model("intake", "CriteriaSet")
    reference_case = apps.get_model("intake", "ReferenceCase")
    historical = apps.get_model("intake", "HistoricalReferenceCase")
    shared = reference_case.objects.filter(criteria_set__isnull=True).order_by("pk")
    published = criteria_set.objects.filter(status="published").order_by("-version").first()
    drafts = list(criteria_set.objects.filter(status="draft").order_by("version"))
    owner = published or (drafts.pop() if drafts else None)
    if owner is None:
        shared.delete()
        _check_now(schema_editor)
        return
    originals = list(shared)
    shared.update(criteria_set=owner)
    history_fields = [
        f.attname
        for f in historical._meta.fields
        if not f.attname.startswith("history_") and f.attname != "id"
    ]
    for draft in drafts:
        for original in originals:
            copy = reference_case.objects.create(
                criteria_set=draft, **{name: getattr(original, name) for name in COPIED}
            )
            historical.objects.create(
                id=copy.pk,
                history_date=timezone.now(),
                history_type="+",
                history_change_reason=REASON,
                **{name: getattr(copy, name) for name in history_fields},
            )
    _check_now(schema_editor)


def share_the_published_cases_again(apps, schema_editor):
    """Back to one shared list: the published set's cases (copies in other sets go)."""
    reference_case = apps.get_model("intake", "ReferenceCase")
    reference_case.objects.exclude(criteria_set__status="published").delete()
    _check_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0034_criteria_version_3"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalreferencecase",
            name="criteria_set",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The criteria set version this case tests.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="intake.criteriaset",
                verbose_name="version",
            ),
        ),
        migrations.AddField(
            model_name="referencecase",
            name="criteria_set",
            field=models.ForeignKey(
                help_text="The criteria set version this case tests.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reference_cases",
                to="intake.criteriaset",
                verbose_name="version",
            ),
        ),
        # A draft's copy has its original's name: names are unique within a set only.
        migrations.AlterField(
            model_name="historicalreferencecase",
            name="name",
            field=models.CharField(help_text="What the case is, in a few words.", max_length=200),
        ),
        migrations.AlterField(
            model_name="referencecase",
            name="name",
            field=models.CharField(help_text="What the case is, in a few words.", max_length=200),
        ),
        migrations.RunPython(give_cases_their_versions, share_the_published_cases_again),
        migrations.AlterField(
            model_name="referencecase",
            name="criteria_set",
            field=models.ForeignKey(
                help_text="The criteria set version this case tests.",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reference_cases",
                to="intake.criteriaset",
                verbose_name="version",
            ),
        ),
        migrations.AddConstraint(
            model_name="referencecase",
            constraint=models.UniqueConstraint(
                fields=("criteria_set", "name"), name="reference_case_name_unique_in_its_set"
            ),
        ),
    ]
