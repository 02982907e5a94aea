"""API clients (bearer tokens for the FHIR reads), CDS Hooks clients (allow-listed EHR issuers
and their keys), the JWT ids already used, the cards we issued with the feedback on them, and
their counts per day."""

import hashlib
import hmac
import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from intake.models import Outcome

TOKEN_PREFIX = "amps"  # noqa: S105 - the fixed first part of a token, not a secret


class ApiScope(models.TextChoices):
    READ = "read", "Read (FHIR resources)"


class ApiClient(models.Model):
    """A system that reads our FHIR resources with a bearer token `amps_<key_id>_<secret>`.

    Only a SHA-256 of the secret is stored (the secret is 256 random bits, so a fast hash is
    enough); the whole token is shown once, when the client is created in the admin."""

    label = models.CharField(max_length=100, unique=True, help_text="Shown in the access log.")
    scope = models.CharField(max_length=10, choices=ApiScope.choices, default=ApiScope.READ)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(help_text="The token is refused after this time.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["label"]
        verbose_name = "API client"

    def __str__(self) -> str:
        return self.label

    @staticmethod
    def _hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    def new_token(self) -> str:
        """Give this client a new key id and secret (unsaved) and return the whole token."""
        self.key_id = secrets.token_hex(8)
        secret = secrets.token_hex(32)
        self.secret_hash = self._hash(secret)
        return f"{TOKEN_PREFIX}_{self.key_id}_{secret}"

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, self._hash(secret))

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class CdsClient(models.Model):
    """An EHR allowed to call our CDS Hooks service: its JWT issuer and public keys (JWKS)."""

    label = models.CharField(max_length=100, help_text="Shown in the access log.")
    issuer = models.CharField(max_length=300, unique=True, help_text="The JWT `iss`, exactly.")
    jwks = models.JSONField(help_text='The EHR\'s public JSON Web Key Set: {"keys": [...]}.')
    jku = models.URLField(
        max_length=300,
        blank=True,
        help_text="If set, a JWT naming a `jku` must name exactly this one (it is not fetched).",
    )
    tenant = models.CharField(
        max_length=200, blank=True, help_text="If set, the JWT's `tenant` must be this."
    )
    fhir_server = models.URLField(
        max_length=300,
        blank=True,
        help_text=(
            "The EHR's FHIR base URL (https). A call naming exactly this `fhirServer` without "
            "the data the service needs is answered by reading it there; empty: never read."
        ),
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label"]
        verbose_name = "CDS Hooks client"

    def __str__(self) -> str:
        return f"{self.label} ({self.issuer})"


class StoredResponse(models.Model):
    """A prefetched QuestionnaireResponse stored as an intake (AMPS_CDS_STORE_RESPONSES): the
    same response prefetched again (the chart opened again) is not stored twice."""

    client = models.ForeignKey(CdsClient, on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the response's JSON.")
    intake = models.ForeignKey("intake.Intake", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "stored CDS Hooks questionnaire response"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "content_hash"], name="stored_response_once_per_client"
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.content_hash[:12]} → intake {self.intake_id}"


class UsedJwtId(models.Model):
    """A CDS Hooks JWT `jti` already seen: the same one again is a replay."""

    issuer = models.CharField(max_length=300)
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "jti"], name="used_jwt_id_once_per_issuer"),
        ]

    def __str__(self) -> str:
        return self.jti


class Indicator(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


# What a card said: a screening's outcome, or (a "screening incomplete" card) that the
# EHR's response could not be screened whole.
INCOMPLETE = "incomplete"
CARD_OUTCOMES = [*Outcome.choices, (INCOMPLETE, "Screening incomplete")]


class CdsCard(models.Model):
    """A card we returned, so that feedback on it can be counted by criteria version. Holds no
    patient data beyond the link to a stored screening."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(CdsClient, on_delete=models.PROTECT, related_name="cards")
    hook_instance = models.CharField(max_length=100)
    screening = models.ForeignKey(
        "intake.Screening", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_prefetch = models.BooleanField(
        default=False, help_text="Screened from a prefetched QuestionnaireResponse."
    )
    outcome = models.CharField(max_length=14, choices=CARD_OUTCOMES)
    indicator = models.CharField(max_length=10, choices=Indicator.choices)
    criteria_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "CDS Hooks card"
        # The feedback counts count the cards of a finished day (and of today) along it.
        indexes = [models.Index(fields=["created_at"], name="cds_card_created_at_idx")]

    def __str__(self) -> str:
        return f"Card {self.uuid} ({self.outcome})"


class FeedbackOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    OVERRIDDEN = "overridden", "Overridden"


class CdsFeedback(models.Model):
    """What the clinician in the EHR did with one of our cards (CDS Hooks feedback)."""

    card = models.ForeignKey(CdsCard, on_delete=models.PROTECT, related_name="feedback")
    outcome = models.CharField(max_length=10, choices=FeedbackOutcome.choices)
    accepted_suggestions = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(max_length=100, blank=True)
    override_reason_system = models.CharField(max_length=300, blank=True)
    user_comment = models.TextField(max_length=1000, blank=True)
    outcome_timestamp = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "CDS Hooks feedback"
        verbose_name_plural = "CDS Hooks feedback"
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="overridden") | Q(override_reason=""),
                name="cds_feedback_reason_only_when_overridden",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.card.uuid}"


class CdsCardDay(models.Model):
    """The cards of one day (in the clinic's time zone) and criteria version, for the feedback
    counts beside the agreement figures (interop.cds.counts): how many were returned, and how
    many of them were accepted, or overridden, in the EHR (a card counts once per outcome,
    however many feedback items say it).

    `cards` is written once the day is over, by the roll-up the agreement page runs (the CDS
    call writes nothing here: it is latency-critical); `accepted` and `overridden` are added
    to by each feedback request, on the card's own day, in the feedback's transaction."""

    day = models.DateField()
    criteria_version = models.PositiveIntegerField()
    cards = models.PositiveIntegerField(
        null=True, help_text="Empty until the day is over and its cards are counted."
    )
    accepted = models.PositiveIntegerField(default=0)
    overridden = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "CDS Hooks cards of a day"
        verbose_name_plural = "CDS Hooks cards per day"
        constraints = [
            # Its index leads with the day: the counts read the days of a window along it.
            models.UniqueConstraint(fields=["day", "criteria_version"], name="cds_card_day_unique"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.day} v{self.criteria_version}: {self.cards} cards, "
            f"{self.accepted} accepted, {self.overridden} overridden"
        )
