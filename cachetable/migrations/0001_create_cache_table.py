"""Make the table of every database cache in CACHES (AMPS_CACHE=database, the default), with
Django's own createcachetable: a table already there is left alone. With AMPS_CACHE=redis there
is none to make; a site that switches to the database cache later runs createcachetable."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False),
    ]
