"""The CDS Hooks feedback counts as counters per day (interop.models.CdsCardDay).

The data step counts the feedback given so far (historical models): per day of the card in
the clinic's time zone and criteria version, the cards with at least one accepted, and with
at least one overridden, feedback item. `cards` is left empty: the agreement page's roll-up
(interop.cds.counts.count_finished_days) counts every finished day's cards the first time it
runs. Back, the rows go with their table. Feedback stored by the previous release after this
step ran is not counted.
"""

from django.db import migrations, models
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone


def count_the_feedback(apps, schema_editor):
    feedback = apps.get_model("interop", "CdsFeedback")
    card_day = apps.get_model("interop", "CdsCardDay")
    alias = schema_editor.connection.alias
    per_day = (
        feedback.objects.using(alias)
        .annotate(day=TruncDate("card__created_at", tzinfo=timezone.get_default_timezone()))
        .values_list("day", "card__criteria_version")
        .annotate(
            accepted=Count("card", filter=Q(outcome="accepted"), distinct=True),
            overridden=Count("card", filter=Q(outcome="overridden"), distinct=True),
        )
        .order_by("day", "card__criteria_version")
    )
    card_day.objects.using(alias).bulk_create(
        (
            card_day(day=day, criteria_version=version, accepted=accepted, overridden=overridden)
            for day, version, accepted, overridden in per_day
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('interop', '0005_card_created_at_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='CdsCardDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('criteria_version', models.PositiveIntegerField()),
                ('cards', models.PositiveIntegerField(help_text='Empty until the day is over and its cards are counted.', null=True)),
                ('accepted', models.PositiveIntegerField(default=0)),
                ('overridden', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'CDS Hooks cards of a day',
                'verbose_name_plural': 'CDS Hooks cards per day',
                'constraints': [models.UniqueConstraint(fields=('day', 'criteria_version'), name='cds_card_day_unique')],
            },
        ),
        migrations.RunPython(count_the_feedback, migrations.RunPython.noop),
    ]
