"""Criteria sets, their criteria, and the reference cases every set must pass."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from intake.models.history import change_history
from intake.models.outcomes import Outcome, Urgency
from intake.rules import engine, facts, language, validation


class CriteriaSetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class CriteriaSetQuerySet(models.QuerySet):
    def final(self, pk: int) -> "CriteriaSet":
        """The set with this id, read once per process when it is published or retired (a
        draft is read every time): its version and criteria never change once published.
        Its status may still go from published to retired, which the kept copy does not see:
        read the status from the database where it matters. Saving any set empties the
        copies (a test database may give a new set an id used before)."""
        kept = _FINAL.get(pk)
        if kept is None:
            kept = self.get(pk=pk)
            if not kept.is_editable:
                _FINAL[pk] = kept
        return kept

    def published(self) -> "CriteriaSet":
        return self.get(status=CriteriaSetStatus.PUBLISHED)


# Compiled sets by content: a published set never changes, so it compiles once per process.
# Each saved edit of a draft adds a key; the cache is emptied when it grows past this.
_COMPILED: dict[tuple, engine.CompiledCriteria] = {}
_COMPILED_LIMIT = 256
# Published and retired sets by id (CriteriaSetQuerySet.final): a clinic has a few.
_FINAL: dict[int, "CriteriaSet"] = {}


class CriteriaSet(models.Model):
    version = models.PositiveIntegerField(unique=True)
    status = models.CharField(
        max_length=10, choices=CriteriaSetStatus.choices, default=CriteriaSetStatus.DRAFT
    )
    notes = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    publish_note = models.TextField(blank=True)

    history = change_history()
    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        permissions = [("publish_criteriaset", "Can publish a criteria set")]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published"),
                name="one_published_criteria_set",
            ),
        ]

    def __str__(self) -> str:
        return f"Criteria set v{self.version} ({self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        _FINAL.clear()

    def delete(self, *args, **kwargs):
        _FINAL.clear()
        return super().delete(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.status == CriteriaSetStatus.DRAFT

    def compiled(self) -> engine.CompiledCriteria:
        """The set compiled once into closures and cached. A published or retired set never
        changes, so its stored content hash identifies it without reading its criteria; a
        draft is read (one query) and keyed by its whole content."""
        if not self.is_editable and self.content_hash:
            final_key = (self.pk, self.content_hash)
            if final_key in _COMPILED:
                return _COMPILED[final_key]
        criteria = list(
            self.criteria.values(
                "code", "name", "kind", "expression", "message", "urgency", "active", "order"
            )
        )
        # The hash leaves out names and display order, which traces and code lists show.
        shown = tuple((c["code"], c["name"], c["order"], c["active"]) for c in criteria)
        key = (engine.content_hash(criteria), shown)
        compiled = _COMPILED.get(key)
        if compiled is None:
            if len(_COMPILED) >= _COMPILED_LIMIT:
                _COMPILED.clear()
            compiled = engine.CompiledCriteria(criteria)
            _COMPILED[key] = compiled
        if not self.is_editable and compiled.hash == self.content_hash:
            _COMPILED[(self.pk, self.content_hash)] = compiled
        return compiled


class CriterionKind(models.TextChoices):
    RED_FLAG = "red_flag", "Red flag"
    AMPS_PATHWAY = "amps_pathway", "AMPS pathway"
    CAVEAT = "caveat", "Caveat"


class Criterion(models.Model):
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=60, help_text="Short unique code, e.g. rf_fever.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=CriterionKind.choices)
    urgency = models.CharField(
        max_length=10,
        choices=Urgency.choices,
        blank=True,
        help_text="Red flags only: how soon a child with this finding needs to be seen "
        "(emergency = same day). A screening's urgency is the highest of its matched red flags.",
    )
    expression = models.TextField(
        help_text="In the criteria language, e.g. morning_stiffness_minutes >= 30"
    )
    message = models.TextField(blank=True, help_text="Shown with any outcome (caveats).")
    rationale = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="The clinical source of this criterion.")
    active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    history = change_history()

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "code"], name="criterion_code_unique_in_set"
            ),
            # Every red flag says how soon; no other kind has an urgency.
            models.CheckConstraint(
                condition=(Q(kind="red_flag") & Q(urgency__in=Urgency.values))
                | (~Q(kind="red_flag") & Q(urgency="")),
                name="criterion_urgency_for_red_flags_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def clean(self) -> None:
        errors = language.check_expression(self.expression or "")
        if errors:
            raise ValidationError(
                {"expression": [ValidationError(str(e), code=e.code) for e in errors]}
            )
        errors = {}
        if self.kind == CriterionKind.CAVEAT and not self.message.strip():
            errors["message"] = ValidationError("A caveat needs a message.", code="required")
        if self.kind == CriterionKind.RED_FLAG and not self.urgency:
            errors["urgency"] = ValidationError(
                "A red flag needs an urgency: emergency (same day), urgent or routine.",
                code="required",
            )
        elif self.kind and self.kind != CriterionKind.RED_FLAG and self.urgency:
            errors["urgency"] = ValidationError(
                "Only a red flag has an urgency: leave it empty for this kind.",
                code="not_a_red_flag",
            )
        if errors:
            raise ValidationError(errors)

    @classmethod
    def names_for(cls, screenings) -> dict[tuple[int, str], str]:
        """The names of the criteria of these screenings' sets, by (criteria set id, code),
        in one query (a screening stores only the codes it matched)."""
        return {
            (set_id, code): name
            for set_id, code, name in cls.objects.filter(
                criteria_set_id__in={screening.criteria_set_id for screening in screenings}
            ).values_list("criteria_set_id", "code", "name")
        }


def validate_reference_intake(value) -> None:
    """Every problem of a reference case's intake, each naming its field. The codes are the
    validation's own prefixed with `intake_`: a form showing them keeps their words (Django
    puts its own message on an error whose code is one of the form field's, e.g. `required`)."""
    _, errors = validation.validate_intake(value)
    if errors:
        raise ValidationError(
            [ValidationError(str(error), code=f"intake_{error.code}") for error in errors]
        )


class ReferenceCase(models.Model):
    """A named JSON intake with the outcome a criteria set must give it. Each case belongs to
    one version: a new draft copies the published set's cases, editing a draft's case changes
    that draft's copy only, and publishing runs the draft's own cases; a published or retired
    set's cases are what it was tested against, kept as they were."""

    criteria_set = models.ForeignKey(
        CriteriaSet,
        on_delete=models.CASCADE,
        related_name="reference_cases",
        verbose_name="version",
        help_text="The criteria set version this case tests.",
    )
    name = models.CharField(max_length=200, help_text="What the case is, in a few words.")
    description = models.CharField(
        max_length=500, blank=True, help_text="What the case tests and why its outcome is expected."
    )
    # A validator, not clean(): a form that could not read the JSON leaves it unchecked.
    intake = models.JSONField(
        help_text="One intake in the data-dictionary JSON format.",
        validators=[validate_reference_intake],
    )
    expected_outcome = models.CharField(max_length=14, choices=Outcome.choices)
    expected_urgency = models.CharField(
        max_length=10,
        choices=Urgency.choices,
        blank=True,
        help_text="For a referral: the urgency every criteria set must give it (empty: not "
        "checked).",
    )
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = change_history()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "name"], name="reference_case_name_unique_in_its_set"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.expected_urgency and self.expected_outcome != Outcome.REFER:
            raise ValidationError(
                {
                    "expected_urgency": ValidationError(
                        "Only a referral has an urgency: leave it empty or expect a referral.",
                        code="not_a_referral",
                    )
                }
            )

    def facts(self) -> dict:
        """The derived facts of this case's intake (it must be valid)."""
        inputs, errors = validation.validate_intake(self.intake)
        if errors:
            raise ValueError(f"Reference case {self.name!r} has an invalid intake.")
        return facts.derive(inputs)
