"""The access log: who opened, printed or exported which patient's record, and when.

Generic: it names the patient and the intake by model label ("intake.Patient"), never by
importing intake's models, so that every app (intake included) can write it."""

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """A record written once and never changed: an access event, a screening."""


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EDIT = "edit", "Opened to edit"
    REVIEW = "review", "Opened to review"
    CORRECT = "correct", "Corrected identity"
    PRINTED = "printed", "Printed"
    EXPORTED = "exported", "Exported"
    API_READ = "api_read", "Read through the API"
    SIGN_IN = "sign_in", "Signed in (single sign-on)"
    SIGN_IN_REFUSED = "sign_in_no", "Sign-in refused (single sign-on)"
    ROLES_CHANGED = "roles", "Roles changed by the identity provider"
    LAUNCH = "launch", "Opened from the EHR (SMART launch)"
    LAUNCH_REFUSED = "launch_no", "EHR launch refused"
    SIGNED = "signed", "Signed the review"
    IMPORTED = "imported", "Imported"
    NOTIFIED = "notified", "Sent to the on-call team"


# The pages an event's detail names, where their code does not read well as words.
PAGE_WORDS = {"audit_timeline": "the patient's audit timeline"}


class AccessEvent(models.Model):
    """Who looked at which patient's record, when, from where. Written once, never changed.

    A person is `user`; a system reading through the API has no user and names itself in
    `client`. An export of many patients has no `patient`; what it held is in `detail`
    (e.g. profile, format, filters, row count), as is a printed document's kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client = models.CharField(max_length=100, blank=True)
    patient = models.ForeignKey(
        "intake.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_events",
    )
    intake = models.ForeignKey(
        "intake.Intake",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_events",
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="access_patient_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(client=""),
                name="access_event_has_actor",
            )
        ]

    def __str__(self) -> str:
        who = self.user or self.client
        what = self.patient.mrn if self.patient_id else "several patients"
        return f"{who} {self.action} {what} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")

    def detail_in_words(self) -> str:
        """What the event's detail holds, in words ("clinic letter, PDF"; "research profile,
        CSV, 1,204 rows"), never raw JSON."""
        detail = self.detail or {}
        parts = []
        if "page" in detail:  # a page of patient data other than the record itself
            page = str(detail["page"])
            parts.append(PAGE_WORDS.get(page, page.replace("_", " ")))
        if detail.get("redcap_import"):
            parts.append("REDCap import, dry run" if detail.get("dry_run") else "REDCap import")
        if detail.get("data_dictionary"):
            parts.append("data dictionary")
        if "document" in detail:
            document = str(detail["document"])
            parts.append(document.replace("sheet_", "family sheet: ").replace("_", " "))
        if "what" in detail:
            parts.append(str(detail["what"]).replace("_", " "))
        if "profile" in detail:
            parts.append(f"{str(detail['profile']).replace('_', ' ')} profile")
        if "format" in detail:
            parts.append(str(detail["format"]).upper())
        if isinstance(detail.get("rows"), int):
            parts.append(f"{detail['rows']:,} row{'s' if detail['rows'] != 1 else ''}")
        if "resource" in detail:
            parts.append(f"FHIR {detail['resource']}")
        if "recipient" in detail:  # an emergency notification (oncall)
            parts.append(f"emergency email to {detail['recipient']}")
        if "disposition" in detail:
            parts.append(f"disposition: {str(detail['disposition']).replace('_', ' ')}")
        if detail.get("redcap_import"):
            intakes, errors = detail.get("intakes", 0), detail.get("errors", 0)
            parts.append(f"{intakes:,} intake{'s' if intakes != 1 else ''}")
            parts.append(f"{errors:,} error{'s' if errors != 1 else ''}")
        return ", ".join(parts)

    @property
    def intake_status_then(self) -> str:
        """The intake's status when the event was written ("" when not recorded)."""
        return str((self.detail or {}).get("intake_status", ""))
