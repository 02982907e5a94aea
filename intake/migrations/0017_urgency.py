"""Urgency: on each red flag (versioned with its set), frozen on each screening, and
expected by reference cases that check it."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0016_current_screening_by_uuid'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='criterion',
            name='urgency',
            field=models.CharField(blank=True, choices=[('emergency', 'Emergency'), ('urgent', 'Urgent'), ('routine', 'Routine')], help_text="Red flags only: how soon a child with this finding needs to be seen (emergency = same day). A screening's urgency is the highest of its matched red flags.", max_length=10),
        ),
        migrations.AddField(
            model_name='historicalcriterion',
            name='urgency',
            field=models.CharField(blank=True, choices=[('emergency', 'Emergency'), ('urgent', 'Urgent'), ('routine', 'Routine')], help_text="Red flags only: how soon a child with this finding needs to be seen (emergency = same day). A screening's urgency is the highest of its matched red flags.", max_length=10),
        ),
        migrations.AddField(
            model_name='historicalreferencecase',
            name='expected_urgency',
            field=models.CharField(blank=True, choices=[('emergency', 'Emergency'), ('urgent', 'Urgent'), ('routine', 'Routine')], help_text='For a referral: the urgency every criteria set must give it (empty: not checked).', max_length=10),
        ),
        migrations.AddField(
            model_name='referencecase',
            name='expected_urgency',
            field=models.CharField(blank=True, choices=[('emergency', 'Emergency'), ('urgent', 'Urgent'), ('routine', 'Routine')], help_text='For a referral: the urgency every criteria set must give it (empty: not checked).', max_length=10),
        ),
        migrations.AddField(
            model_name='screening',
            name='urgency',
            field=models.CharField(blank=True, choices=[('emergency', 'Emergency'), ('urgent', 'Urgent'), ('routine', 'Routine')], default='', max_length=10),
        ),
    ]
