"""Every red flag has an urgency and no other kind has one; only a referral has an urgency."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0018_red_flags_read_as_routine")]

    operations = [
        migrations.AddConstraint(
            model_name='criterion',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'red_flag'), ('urgency__in', ['emergency', 'urgent', 'routine'])), models.Q(models.Q(('kind', 'red_flag'), _negated=True), ('urgency', '')), _connector='OR'), name='criterion_urgency_for_red_flags_only'),
        ),
        migrations.AddConstraint(
            model_name='screening',
            constraint=models.CheckConstraint(condition=models.Q(('outcome', 'refer'), ('urgency', ''), _connector='OR'), name='screening_urgency_only_for_refer'),
        ),
    ]
