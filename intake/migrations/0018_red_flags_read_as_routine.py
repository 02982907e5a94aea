"""Red flags written before urgencies existed (version 1, and any open draft) read as routine
(data dictionary, section 9): store that, so every red flag has an urgency. Routine is left
out of a set's content hash, so no set's hash changes. Screenings are not touched: a past
referral keeps its blank urgency."""

from django.db import migrations


def routine(apps, schema_editor):
    criterion = apps.get_model("intake", "Criterion")
    criterion.objects.filter(kind="red_flag", urgency="").update(urgency="routine")


class Migration(migrations.Migration):
    dependencies = [("intake", "0017_urgency")]

    operations = [migrations.RunPython(routine, migrations.RunPython.noop)]
