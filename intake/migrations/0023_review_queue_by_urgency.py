"""The review queue orders referrals by urgency, then waiting time: a key and its index."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0022_submit_token'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='intake',
            name='intake_review_queue_idx',
        ),
        migrations.AddField(
            model_name='intake',
            name='review_urgency',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='intake',
            index=models.Index(condition=models.Q(('status', 'submitted')), fields=['review_priority', 'review_urgency', 'screened_at', 'id'], name='intake_queue_urgency_idx'),
        ),
    ]
