"""The clinic's own details, printed on every document: one row, edited in the admin."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from documents import placeholders
from intake.models.history import change_history

DEFAULT_PROGRAMME_TEXT = (
    "Our team will contact you to plan the first week of the programme. If you have "
    "questions before then, call {clinic_name} on {clinic_phone}."
)


class ClinicDetails(models.Model):
    """The clinic's name, contact details and local programme text (a single row)."""

    # Always 1: a constraint keeps the table to one row.
    key = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    clinic_name = models.CharField(max_length=200, default="Paediatric Rheumatology Clinic")
    address = models.TextField(max_length=500, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # The on-call team, for emergency referrals: the phone number is shown in the alarm on
    # the case's page; the email address gets one email per emergency screening (oncall/).
    # Never printed on the letter or the family sheets.
    on_call_phone = models.CharField(
        "on-call phone",
        max_length=40,
        blank=True,
        help_text="Shown to staff on an emergency result: “phone the on-call team now”.",
    )
    on_call_email = models.EmailField(
        "on-call email",
        blank=True,
        help_text="Each emergency screening sends one email here (no name, MRN or date of "
        "birth: the case number, the red flags, the time and a link). Empty: nobody is "
        "emailed, and the case's page says so.",
    )
    programme_text = models.TextField(
        max_length=3000,
        blank=True,
        default=DEFAULT_PROGRAMME_TEXT,
        help_text="The local AMPS programme, in plain words, printed on the family "
        "information sheet. Placeholders: "
        + ", ".join(
            f"{{{name}}} ({meaning})" for name, meaning in placeholders.PLACEHOLDERS.items()
        )
        + ". Nothing else is interpreted.",
    )
    is_demo = models.BooleanField(
        "demo details",
        default=False,
        help_text="Synthetic details of a demonstration site: every printed page says DEMO.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = change_history()

    class Meta:
        verbose_name = verbose_name_plural = "clinic details"
        constraints = [models.CheckConstraint(condition=Q(key=1), name="clinic_details_one_row")]

    def __str__(self) -> str:
        return self.clinic_name

    def clean(self) -> None:
        unknown = placeholders.unknown_placeholders(self.programme_text)
        if unknown:
            known = ", ".join(f"{{{name}}}" for name in placeholders.PLACEHOLDERS)
            raise ValidationError(
                {
                    "programme_text": ValidationError(
                        f"Unknown placeholder {{{unknown[0]}}}: use only {known}.",
                        code="unknown_placeholder",
                    )
                }
            )

    @classmethod
    def load(cls) -> "ClinicDetails":
        """The clinic's details (the defaults until an administrator saves them)."""
        return cls.objects.filter(key=1).first() or cls()

    def missing_contact(self) -> list[str]:
        """What a printed document needs and these details lack, in words."""
        wanted = (("telephone number", self.phone), ("address", self.address))
        return [label for label, value in wanted if not (value or "").strip()]

    def placeholder_values(self) -> dict[str, str]:
        return {
            "clinic_name": self.clinic_name,
            "clinic_phone": self.phone,
            "clinic_email": self.email,
            "clinic_address": self.address,
        }
