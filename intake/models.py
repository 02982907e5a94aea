"""Patients, intakes, criteria sets and the append-only screenings they produce.

Field names are the data-dictionary names (`shared/intake-data-dictionary.md`). The triage
decision itself lives in `intake.rules`; models only store and hand over plain data.
"""

import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from simple_history.models import HistoricalRecords

from intake.rules import engine, facts, language, validation


class Outcome(models.TextChoices):
    REFER = engine.Outcome.REFER, engine.OUTCOME_LABELS[engine.Outcome.REFER]
    CONSIDER_AMPS = (
        engine.Outcome.CONSIDER_AMPS,
        engine.OUTCOME_LABELS[engine.Outcome.CONSIDER_AMPS],
    )
    INDETERMINATE = (
        engine.Outcome.INDETERMINATE,
        engine.OUTCOME_LABELS[engine.Outcome.INDETERMINATE],
    )


def code_choices(fact_name: str) -> list[tuple[str, str]]:
    """A choice field's (code, label) pairs, from the fact registry: one list everywhere."""
    return list(facts.CODE_LABELS[fact_name].items())


def completed_years(born: date, on: date) -> int:
    """Age in completed years on a day (a birthday counts from that day)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class Patient(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mrn = models.CharField("MRN", max_length=20, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=code_choices("sex"))
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    SIGNED = "signed", "Signed"


def _answer() -> models.BooleanField:
    """A yes/no question that must be answered before submit (null = not yet answered)."""
    return models.BooleanField(null=True, blank=True)


def _tick() -> models.BooleanField:
    """A tick box: false unless ticked."""
    return models.BooleanField(default=False)


def _count() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(null=True, blank=True)


def _measure(max_digits: int = 6) -> models.DecimalField:
    return models.DecimalField(max_digits=max_digits, decimal_places=2, null=True, blank=True)


# The input facts an intake stores itself; age_years and sex come from its patient.
PATIENT_FACTS = ("age_years", "sex")
INTAKE_FACT_FIELDS = tuple(name for name in facts.INPUT_FACTS if name not in PATIENT_FACTS)


class IntakeQuerySet(models.QuerySet):
    def submitted(self):
        return self.exclude(status=IntakeStatus.DRAFT)

    def point_at_latest_screenings(self) -> int:
        """Set these intakes' current screening and queue keys from their latest screening,
        in one UPDATE (for bulk loads; services.screen_intake does it one intake at a time)."""
        latest = Screening.objects.filter(intake=OuterRef("pk")).order_by("-created_at", "-pk")
        rank = models.Case(
            *(models.When(outcome=o, then=models.Value(r)) for o, r in OUTCOME_PRIORITY.items()),
            output_field=models.PositiveSmallIntegerField(),
        )
        return self.update(
            current_screening=Subquery(latest.values("pk")[:1]),
            screened_at=Subquery(latest.values("created_at")[:1]),
            review_priority=Subquery(latest.annotate(rank=rank).values("rank")[:1]),
        )

    def awaiting_review(self):
        """Submitted, unsigned intakes (submitting screens them): referrals first, then
        consider AMPS, then indeterminate; the longest waiting first within each. The
        filter and order are those of the partial index intake_review_queue_idx."""
        return self.filter(status=IntakeStatus.SUBMITTED).order_by(
            "review_priority", "screened_at", "pk"
        )


class Intake(models.Model):
    """One encounter's structured intake. Drafts may be incomplete; submitted ones are whole."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    intake_date = models.DateField(default=timezone.localdate)
    status = models.CharField(
        max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The latest screening and its place in the review queue, kept by services.screen_intake
    # (the queue and the lists read these instead of searching the screenings).
    current_screening = models.ForeignKey(
        "Screening", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_priority = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    screened_at = models.DateTimeField(null=True, blank=True, editable=False)

    # 2. Pain
    pain_sites = models.JSONField(default=list, blank=True)
    pain_duration_weeks = _count()
    pain_pattern = models.CharField(max_length=12, choices=code_choices("pain_pattern"), blank=True)
    pain_scale = models.CharField(max_length=14, choices=code_choices("pain_scale"), blank=True)
    pain_now = _count()
    pain_worst = _count()
    pain_out_of_proportion = _tick()
    triggers = models.JSONField(default=list, blank=True)

    # 3. Sensory and autonomic findings (the Budapest grid)
    allodynia_reported = _tick()
    allodynia_observed = _tick()
    hyperalgesia_observed = _tick()
    temperature_asymmetry_reported = _tick()
    skin_colour_change_reported = _tick()
    temperature_asymmetry_observed = _tick()
    skin_colour_change_observed = _tick()
    oedema_reported = _tick()
    sweating_change_reported = _tick()
    oedema_observed = _tick()
    sweating_change_observed = _tick()
    reduced_motion_reported = _tick()
    motor_dysfunction_reported = _tick()
    trophic_changes_reported = _tick()
    reduced_motion_observed = _tick()
    motor_dysfunction_observed = _tick()
    trophic_changes_observed = _tick()
    temperature_difference_c = _measure(4)

    # 4. Symptom severity
    fatigue = _count()
    waking_unrefreshed = _count()
    cognitive_symptoms = _count()
    headache_6mo = _tick()
    lower_abdominal_pain_6mo = _tick()
    depression_6mo = _tick()
    sleep_disturbance = _tick()
    anxiety = _tick()

    # 5. Red flags: every one answered before submit
    joint_swelling_observed = _answer()
    fever = _answer()
    rash = _answer()
    morning_stiffness_minutes = _count()
    weight_loss = _answer()
    night_pain = _answer()
    night_sweats = _answer()
    focal_bone_tenderness = _answer()
    lymphadenopathy_or_organomegaly = _answer()
    bruising_pallor_or_bleeding = _answer()
    limp = _answer()
    non_weight_bearing = _answer()
    restricted_hip_rotation = _answer()
    proximal_weakness = _answer()
    gi_symptoms = _answer()
    oral_ulcers_or_photosensitivity = _answer()
    red_eye = _answer()
    enthesitis = _answer()
    neurological_deficit = _answer()
    immunocompromised = _answer()
    inflammatory_disease = models.CharField(
        max_length=12, choices=code_choices("inflammatory_disease"), blank=True
    )
    safeguarding_concern = _answer()

    # 6. Laboratory results (null = not done)
    haemoglobin_g_dl = _measure(4)
    wbc_10e9_l = _measure(5)
    neutrophils_10e9_l = _measure(5)
    platelets_10e9_l = _count()
    esr_mm_hr = _count()
    crp_mg_l = _measure(5)
    ldh_raised = _answer()
    blasts_on_film = _answer()
    ck_raised = _answer()

    # 7. Function
    school_days_missed_4wk = _count()
    fdi_score = _count()
    mobility_aid = _tick()

    clinical_notes = models.TextField(max_length=5000, blank=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "current_screening", "review_priority", "screened_at"]
    )
    objects = IntakeQuerySet.as_manager()

    class Meta:
        ordering = ["-intake_date", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "intake_date"], name="intake_status_date_idx"),
            # The intake list, newest first.
            models.Index(
                fields=["-intake_date", "-created_at", "-id"], name="intake_list_order_idx"
            ),
            # The review queue: submitted intakes in queue order, read page by page.
            models.Index(
                fields=["review_priority", "screened_at", "id"],
                condition=Q(status="submitted"),
                name="intake_review_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake {self.intake_date:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def is_locked(self) -> bool:
        return self.status == IntakeStatus.SIGNED

    @property
    def age_years(self) -> int:
        return completed_years(self.patient.date_of_birth, self.intake_date)

    def queue_keys(self, screening) -> dict:
        """The fields that make `screening` this intake's current one, in the review queue."""
        return {
            "current_screening": screening,
            "review_priority": OUTCOME_PRIORITY[screening.outcome],
            "screened_at": screening.created_at,
        }

    def input_facts(self) -> dict:
        """The engine's input facts (data-dictionary JSON names and value types)."""
        values: dict = {"age_years": self.age_years, "sex": self.patient.sex}
        for name in INTAKE_FACT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                value = float(value)
            elif value == "" and facts.FACTS[name].type == "choice":
                value = None
            values[name] = value
        return values

    def facts(self) -> dict:
        """Every fact the engine reads: the input facts plus the derived ones."""
        return facts.derive(self.input_facts())


class CriteriaSetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class CriteriaSetQuerySet(models.QuerySet):
    def published(self) -> "CriteriaSet":
        return self.get(status=CriteriaSetStatus.PUBLISHED)


# Compiled sets by content: a published set never changes, so it compiles once per process.
# Each saved edit of a draft adds a key; the cache is emptied when it grows past this.
_COMPILED: dict[tuple, engine.CompiledCriteria] = {}
_COMPILED_LIMIT = 256


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

    history = HistoricalRecords()
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
            self.criteria.values("code", "name", "kind", "expression", "message", "active", "order")
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
    expression = models.TextField(
        help_text="In the criteria language, e.g. morning_stiffness_minutes >= 30"
    )
    message = models.TextField(blank=True, help_text="Shown with any outcome (caveats).")
    rationale = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="The clinical source of this criterion.")
    active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "code"], name="criterion_code_unique_in_set"
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
        if self.kind == CriterionKind.CAVEAT and not self.message.strip():
            raise ValidationError(
                {"message": ValidationError("A caveat needs a message.", code="required")}
            )


class ReferenceCase(models.Model):
    """A named JSON intake with the outcome every criteria set must give it."""

    name = models.CharField(max_length=200, unique=True)
    intake = models.JSONField(help_text="One intake in the data-dictionary JSON format.")
    expected_outcome = models.CharField(max_length=14, choices=Outcome.choices)
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _, errors = validation.validate_intake(self.intake)
        if errors:
            raise ValidationError(
                {
                    "intake": [
                        ValidationError(
                            f"{e.field}: {e.message}" if e.field else e.message, code=e.code
                        )
                        for e in errors
                    ]
                }
            )

    def facts(self) -> dict:
        """The derived facts of this case's intake (it must be valid)."""
        inputs, errors = validation.validate_intake(self.intake)
        if errors:
            raise ValueError(f"Reference case {self.name!r} has an invalid intake.")
        return facts.derive(inputs)


# Queue order of the outcomes: referrals first.
OUTCOME_PRIORITY = {Outcome.REFER: 0, Outcome.CONSIDER_AMPS: 1, Outcome.INDETERMINATE: 2}


class AppendOnlyError(Exception):
    """A screening is written once and never changed."""


class Screening(models.Model):
    """What the engine suggested for one submission, frozen: never updated."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="screenings")
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    red_flags = models.JSONField(default=list)
    pathways = models.JSONField(default=list)
    caveats = models.JSONField(default=list)
    caveat_messages = models.JSONField(default=list)
    trace = models.JSONField(default=list)
    explanation = models.TextField(blank=True)
    facts = models.JSONField(default=dict)
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="screenings"
    )
    criteria_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["intake", "-created_at"], name="screening_intake_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Screening {self.created_at:%Y-%m-%d %H:%M}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("A screening is append-only; store a new one instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("A screening is append-only and cannot be deleted.")

    @classmethod
    def of(cls, *, intake, result, facts: dict, criteria_set, criteria_hash: str, user=None):
        """An unsaved screening holding an engine result and the facts it read."""
        return cls(
            intake=intake,
            outcome=result.outcome,
            red_flags=result.red_flags,
            pathways=result.pathways,
            caveats=result.caveats,
            caveat_messages=result.caveat_messages,
            trace=result.trace,
            explanation=result.explanation,
            facts=facts,
            criteria_set=criteria_set,
            criteria_hash=criteria_hash,
            created_by=user,
        )


class Decision(models.TextChoices):
    AGREE = "agree", "Agree with the suggestion"
    OVERRIDE = "override", "Override the suggestion"


class OverrideReason(models.TextChoices):
    CLINICAL_JUDGEMENT = "clinical_judgement", "Clinical judgement"
    MISSING_INFORMATION = "missing_information", "Missing information"
    CRITERIA_DO_NOT_APPLY = "criteria_do_not_apply", "The criteria do not apply to this patient"
    DATA_ENTRY_ERROR = "data_entry_error", "Data entry error"
    OTHER = "other", "Other (explain in the comment)"


class Disposition(models.TextChoices):
    AMPS_PROGRAMME = "amps_programme", "AMPS programme"
    INFLAMMATORY_WORKUP = "inflammatory_workup", "Inflammatory work-up"
    OTHER_REFERRAL = "other_referral", "Other referral"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class ReviewQuerySet(models.QuerySet):
    def dashboard(self) -> dict:
        """The agreement figures of signed reviews, recomputed only when a review was signed
        since (one small query otherwise)."""
        state = self.aggregate(n=models.Count("pk"), last=models.Max("signed_at"))
        last = state["last"].timestamp() if state["last"] else 0
        key = f"review-dashboard:{state['n']}:{last}"
        figures = cache.get(key)
        if figures is None:
            figures = {
                "agreement_by_version": self.agreement_by_version(),
                "agreement_by_criterion": self.agreement_by_criterion(),
                "override_reasons": self.override_reasons(),
            }
            cache.set(key, figures, 24 * 3600)
        return figures

    def agreement_by_version(self) -> list[dict]:
        """Signed reviews per criteria set version: total, agreed, and the agreement rate."""
        rows = (
            self.values("screening__criteria_set__version")
            .annotate(
                total=models.Count("pk"),
                agreed=models.Count("pk", filter=Q(decision=Decision.AGREE)),
            )
            .order_by("screening__criteria_set__version")
        )
        return [
            {
                "version": row["screening__criteria_set__version"],
                "total": row["total"],
                "agreed": row["agreed"],
                "rate": row["agreed"] / row["total"],
            }
            for row in rows
        ]

    def agreement_by_criterion(self) -> list[dict]:
        """Signed reviews per matched red flag or pathway code: total, agreed, rate."""
        totals: dict[str, list[int]] = {}
        for decision, red_flags, pathways in self.values_list(
            "decision", "screening__red_flags", "screening__pathways"
        ):
            for code in [*red_flags, *pathways]:
                counts = totals.setdefault(code, [0, 0])
                counts[0] += 1
                counts[1] += decision == Decision.AGREE
        return [
            {"code": code, "total": total, "agreed": agreed, "rate": agreed / total}
            for code, (total, agreed) in sorted(totals.items())
        ]

    def override_reasons(self) -> list[dict]:
        labels = dict(OverrideReason.choices)
        rows = (
            self.filter(decision=Decision.OVERRIDE)
            .values("override_reason")
            .annotate(count=models.Count("pk"))
            .order_by("-count", "override_reason")
        )
        return [
            {"reason": labels.get(r["override_reason"], r["override_reason"]), "count": r["count"]}
            for r in rows
        ]


class Review(models.Model):
    """A rheumatologist's signed decision on a screening. Signing locks the intake."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="reviews")
    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    override_reason = models.CharField(max_length=24, choices=OverrideReason.choices, blank=True)
    comment = models.TextField(blank=True)
    disposition = models.CharField(max_length=24, choices=Disposition.choices)
    note = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at"]
        permissions = [("sign_review", "Can review and sign screenings")]
        constraints = [
            # A case is signed once: a second signature, even a concurrent one, is refused.
            models.UniqueConstraint(fields=["intake"], name="review_one_per_intake"),
            models.CheckConstraint(
                condition=Q(decision="agree") | ~Q(override_reason=""),
                name="review_override_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.intake} ({self.get_decision_display()})"


class Addendum(models.Model):
    """A note added to an intake after it was signed; the signed record itself never changes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum to {self.intake} ({self.created_at:%Y-%m-%d})"


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed the intake"
    EDIT = "edit", "Opened the intake to edit"
    REVIEW = "review", "Opened the case to review"
    EXPORT = "export", "Exported"


class AccessEvent(models.Model):
    """Who looked at which patient's record, when, from where. Written once, never changed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="access_events")
    intake = models.ForeignKey(
        Intake, on_delete=models.PROTECT, null=True, blank=True, related_name="access_events"
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="access_patient_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.patient.mrn} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")
