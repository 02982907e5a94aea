"""Every new screening of an emergency tells the on-call team (once per case)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from intake.models import Screening
from oncall.services import notify_emergency


@receiver(post_save, sender=Screening, dispatch_uid="oncall_notify_emergency")
def screening_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        notify_emergency(instance)
