"""Patients and their intakes: every data-dictionary field under its own name."""

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from intake.models.history import change_history
from intake.models.outcomes import OUTCOME_PRIORITY, URGENCY_PRIORITY, Outcome
from intake.models.screenings import Screening
from intake.rules import facts
from intake.search import patient_search_text


def code_choices(fact_name: str) -> list[tuple[str, str]]:
    """A choice field's (code, label) pairs, from the fact registry: one list everywhere."""
    return list(facts.CODE_LABELS[fact_name].items())


# The patient's identity as an intake form shows it (the MRN finds the patient).
IDENTITY_FIELDS = ("given_name", "family_name", "date_of_birth", "sex")
# A patient's own fields: the MRN and the identity (what a correction may change).
PATIENT_FIELDS = ("mrn", *IDENTITY_FIELDS)


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
    # Names and MRN folded for search (intake.search), kept by save(); on PostgreSQL a
    # trigram index serves it (migration 0028: not in Meta because SQLite has no such index).
    search_text = models.TextField(default="", editable=False)

    # A correction's reason is stored with its version (history_change_reason, a text field:
    # SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD).
    history = change_history(excluded_fields=["search_text"])

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    def save(self, *args, **kwargs):
        self.search_text = patient_search_text(
            given_name=self.given_name, family_name=self.family_name, mrn=self.mrn
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def identity_editable_from(self, intake) -> bool:
        """Whether an intake form may change this patient's identity: only the intake of the
        patient's own, with no other intake (signed or not). Otherwise identity is corrected
        on the patient record."""
        return (
            intake is not None
            and intake.patient_id == self.pk
            and not self.intakes.exclude(pk=intake.pk).exists()
        )


class VisitType(models.TextChoices):
    """The codes of the `visit_type` fact (intake.rules.codes), for code that names one."""

    INITIAL = "initial", "Initial visit"
    FOLLOW_UP = "follow_up", "Follow-up visit"
    RECURRENCE = "recurrence", "Recurrence"


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    SIGNED = "signed", "Signed"
    # Loaded from another system's records (a REDCap import): screened with the criteria
    # published when it was loaded, for the patient's record, trends and the impact preview;
    # never in the review queue (nobody is waiting for it).
    HISTORIC = "historic", "Historic (imported)"


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
_CHOICE_FACTS = tuple(n for n in INTAKE_FACT_FIELDS if facts.INPUT_FACTS[n].type == facts.CHOICE)
_CODES_FACTS = tuple(n for n in INTAKE_FACT_FIELDS if facts.INPUT_FACTS[n].type == facts.CODES)
_DECIMAL_FACTS = tuple(n for n in INTAKE_FACT_FIELDS if facts.INPUT_FACTS[n].type == facts.DECIMAL)


def input_facts_of(stored: Mapping[str, object], *, age_years: int, sex: str) -> dict:
    """The engine's input facts from an intake's stored field values (a model's or a
    `.values()` row's): decimals as floats, a blank choice or an empty code list as null."""
    values: dict = {"age_years": age_years, "sex": sex}
    for name in INTAKE_FACT_FIELDS:
        values[name] = stored[name]
    for name in _DECIMAL_FACTS:
        if values[name] is not None:
            values[name] = float(values[name])
    for name in _CHOICE_FACTS:
        if values[name] == "":
            values[name] = None
    for name in _CODES_FACTS:
        if values[name] == []:
            # Every codes fact needs a code when recorded: none is "not recorded" (a section
            # left blank on the emergency pathway), never a condition such as
            # `"none" not in triggers` holding by default.
            values[name] = None
    return values


def model_values(intake: Mapping[str, object]) -> dict:
    """A JSON intake's values as Intake model field values (decimals exact, a missing choice
    its default or blank): the inverse of input_facts_of."""
    values = {}
    for name in INTAKE_FACT_FIELDS:
        value = intake.get(name)
        if isinstance(value, float):
            value = Decimal(str(value))
        elif value is None and name in _CHOICE_FACTS:
            value = facts.INPUT_FACTS[name].default or ""
        values[name] = value
    return values


# The review queue's order: that of the partial index intake_queue_urgency_idx.
QUEUE_ORDER = ("review_priority", "review_urgency", "screened_at", "pk")


class IntakeQuerySet(models.QuerySet):
    def submitted(self):
        return self.exclude(status=IntakeStatus.DRAFT)

    def without_screening_snapshot(self):
        """With the current screening (select_related it) but not its bulky snapshot columns
        (Screening.SNAPSHOT_FIELDS), which lists and the patient record never show."""
        return self.defer(*(f"current_screening__{name}" for name in Screening.SNAPSHOT_FIELDS))

    def point_at_latest_screenings(self) -> int:
        """Set these intakes' current screening and queue keys from their latest screening,
        in one UPDATE (for bulk loads; the intake services do it one intake at a time)."""
        latest = Screening.objects.filter(intake=OuterRef("pk")).order_by("-created_at", "-pk")
        rank = models.Case(
            *(models.When(outcome=o, then=models.Value(r)) for o, r in OUTCOME_PRIORITY.items()),
            output_field=models.PositiveSmallIntegerField(),
        )
        urgency_rank = models.Case(
            *(
                models.When(outcome=Outcome.REFER, urgency=u, then=models.Value(r))
                for u, r in URGENCY_PRIORITY.items()
            ),
            default=None,
            output_field=models.PositiveSmallIntegerField(),
        )
        return self.update(
            current_screening=Subquery(latest.values("uuid")[:1]),
            screened_at=Subquery(latest.values("created_at")[:1]),
            review_priority=Subquery(latest.annotate(rank=rank).values("rank")[:1]),
            review_urgency=Subquery(latest.annotate(rank=urgency_rank).values("rank")[:1]),
        )

    def awaiting_review(self):
        """Submitted, unsigned intakes (submitting screens them): referrals first (emergency,
        then urgent, then routine), then consider AMPS, then indeterminate; the longest
        waiting first within each. The filter and order are those of the partial index
        intake_queue_urgency_idx."""
        return self.filter(status=IntakeStatus.SUBMITTED).order_by(*QUEUE_ORDER)

    def in_queue_order_within_dates(self):
        """The queue order, written so that PostgreSQL reads an intake-date range along
        intake_status_date_idx and sorts only its rows (for a queue filtered by date).

        Left to itself the planner walks intake_queue_urgency_idx and skips the intakes outside
        the range, expecting to find a page soon; but recent intakes come last in that order
        (the longest waiting first), so at 100,000 intakes it skipped 20,000 for the last 30
        days (60 ms, growing with the table). `review_priority + 0` sorts exactly as
        `review_priority` but matches no index, which rules that walk out (3 ms, growing only
        with the intakes in the range)."""
        return self.order_by(F("review_priority") + 0, *QUEUE_ORDER[1:])


class Intake(models.Model):
    """One encounter's structured intake. Drafts may be incomplete; submitted ones are whole."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    intake_date = models.DateField(default=timezone.localdate)
    visit_type = models.CharField(
        max_length=10, choices=code_choices("visit_type"), default=VisitType.INITIAL
    )
    status = models.CharField(
        max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The latest screening and its place in the review queue, kept by the intake services
    # (the queue and the lists read these instead of searching the screenings). The pointer
    # holds the screening's UUID, made before the row is stored, so that a submitted intake
    # is stored already pointing at its screening (one UPDATE fewer a submit; the database
    # checks the reference at commit).
    current_screening = models.ForeignKey(
        "Screening",
        to_field="uuid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_priority = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # A referral's urgency rank (0 emergency, 1 urgent, 2 routine or screened before
    # urgencies existed); empty for the other suggestions.
    review_urgency = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
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

    # 5a. Red-flag details: asked only when their red flag is yes (null = not asked, and on
    # every intake stored before they existed)
    non_weight_bearing_days = _count()
    joint_swelling_weeks = _count()
    fever_days = _count()
    highest_temperature_c = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True
    )
    kawasaki_features = models.JSONField(null=True, blank=True)
    petechiae_or_purpura = _answer()
    hepatosplenomegaly = _answer()
    sphincter_or_saddle_signs = _answer()
    bulbar_or_respiratory_weakness = _answer()
    dark_urine = _answer()

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

    history = change_history(
        excluded_fields=[
            "updated_at",
            "current_screening",
            "review_priority",
            "review_urgency",
            "screened_at",
        ]
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
                fields=["review_priority", "review_urgency", "screened_at", "id"],
                condition=Q(status="submitted"),
                name="intake_queue_urgency_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake {self.intake_date:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def is_locked(self) -> bool:
        return self.status == IntakeStatus.SIGNED

    @property
    def is_read_only(self) -> bool:
        """Signed, or imported from a past system (a historic visit is a record of what was,
        never resubmitted to the queue or the on-call team): its answers are not edited."""
        return self.status in (IntakeStatus.SIGNED, IntakeStatus.HISTORIC)

    @property
    def age_years(self) -> int:
        return completed_years(self.patient.date_of_birth, self.intake_date)

    def queue_keys(self, screening) -> dict:
        """The fields that make `screening` (saved or not yet) this intake's current one, in
        the review queue."""
        return {
            "current_screening_id": screening.uuid,
            "review_priority": OUTCOME_PRIORITY[screening.outcome],
            "review_urgency": (
                URGENCY_PRIORITY[screening.urgency] if screening.outcome == Outcome.REFER else None
            ),
            "screened_at": screening.created_at,
        }

    def input_facts(self) -> dict:
        """The engine's input facts (data-dictionary JSON names and value types)."""
        stored = {name: getattr(self, name) for name in INTAKE_FACT_FIELDS}
        return input_facts_of(stored, age_years=self.age_years, sex=self.patient.sex)

    def facts(self) -> dict:
        """Every fact the engine reads: the input facts plus the derived ones."""
        return facts.derive(self.input_facts())
