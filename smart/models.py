"""The EHRs allowed to launch the app, and which EHR user is which user here."""

from django.conf import settings
from django.db import models


class SmartEhr(models.Model):
    """An EHR (its FHIR base URL, `iss`) allowed to launch the app, and our client there."""

    name = models.CharField(max_length=100, blank=True)
    iss = models.URLField("FHIR base URL (iss)", max_length=500, unique=True)
    client_id = models.CharField(max_length=255)
    client_secret = models.CharField(
        max_length=255,
        blank=True,
        help_text="Empty for a public client (PKCE only); else sent with HTTP Basic.",
    )
    mrn_system = models.CharField(
        "MRN identifier system",
        max_length=500,
        blank=True,
        help_text="Patient.identifier.system of the clinic's MRN; empty: AMPS_MRN_SYSTEM.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "SMART EHR"
        verbose_name_plural = "SMART EHRs"

    def __str__(self) -> str:
        return self.name or self.iss

    def save(self, *args, **kwargs):
        self.iss = self.iss.rstrip("/")
        super().save(*args, **kwargs)


class EhrIdentity(models.Model):
    """A user here is this EHR user (the id_token's fhirUser, e.g. Practitioner/123)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ehr_identities"
    )
    ehr = models.ForeignKey(SmartEhr, on_delete=models.CASCADE, related_name="identities")
    fhir_user = models.CharField("fhirUser", max_length=255, help_text="e.g. Practitioner/123")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "linked EHR identity"
        constraints = [
            models.UniqueConstraint(fields=["ehr", "fhir_user"], name="smart_ehr_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} = {self.fhir_user} at {self.ehr}"
