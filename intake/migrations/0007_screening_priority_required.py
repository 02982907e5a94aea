from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0006_fill_queue_fields")]

    operations = [
        migrations.AlterField(
            model_name="screening",
            name="priority",
            field=models.PositiveSmallIntegerField(editable=False),
        ),
    ]
