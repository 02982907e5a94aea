"""Who a provider's account is here: one row per (issuer, subject), made at first sign-in."""

from django.conf import settings
from django.db import models


class SignOnIdentity(models.Model):
    """A user's account at the OpenID Connect provider (`sub` is stable; names and e-mail
    addresses are not, so users are never matched on them)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_on_identities"
    )
    issuer = models.URLField(max_length=500)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "single sign-on identity"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} = {self.subject} at {self.issuer}"
