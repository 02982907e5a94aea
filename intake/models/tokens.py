"""One-time form tokens: the same intake form posted twice is saved once."""

from django.conf import settings
from django.db import models


class SubmitToken(models.Model):
    """A form token that has saved an intake: which intake, for whom, and whether it
    submitted it. Stored in the database, shared by every app server: a second POST of the
    same form (a double click, a retry after a worker died after committing) finds it."""

    token = models.UUIDField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    intake = models.ForeignKey(
        "intake.Intake", on_delete=models.CASCADE, related_name="submit_tokens"
    )
    submitted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token"], name="submit_token_unique")]

    def __str__(self) -> str:
        return f"Form token {self.token} ({'submitted' if self.submitted else 'draft'})"
