"""Try an intake under a criteria set, beside the published set; past cases as facts only;
reference cases made from a try-it run."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from intake.models import (
    CriteriaSet,
    CriteriaSetStatus,
    Intake,
    ReferenceCase,
    Screening,
)
from intake.rules import engine, facts, language, validation

#: The criteria a side of a try-it result lists in full (a set has about 30); the rest are
#: counted, so the page stays a bounded size whatever a set holds.
TRY_IT_TRACE_LIMIT = 200


@dataclass
class TriedSet:
    """One set's suggestion for the intake: the result, and its trace entries by kind (each
    entry with the criterion's expression and whether it differs from the other set)."""

    criteria_set: CriteriaSet
    result: engine.Result
    label: str
    urgency: str = ""
    red_flags: list[dict] = field(default_factory=list)
    pathways: list[dict] = field(default_factory=list)
    caveats: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    not_shown: int = 0

    @property
    def matched_codes(self) -> set[str]:
        return {*self.result.red_flags, *self.result.pathways, *self.result.caveats}


@dataclass
class TryResult:
    """An intake under a set (`tried`) and under the published set (`published`, None when
    the set is the published one or none is published). `outcome_differs`,
    `urgency_differs` and `differing` (criterion codes matched under one set only) say where
    the two differ."""

    tried: TriedSet
    published: TriedSet | None
    derived: list[tuple[str, str, object]]
    differing: set[str] = field(default_factory=set)

    @property
    def outcome_differs(self) -> bool:
        return self.published is not None and (
            self.published.result.outcome != self.tried.result.outcome
        )

    @property
    def urgency_differs(self) -> bool:
        return self.published is not None and self.published.urgency != self.tried.urgency

    @property
    def sides(self) -> list[TriedSet]:
        return [side for side in (self.tried, self.published) if side is not None]


def try_intake(*, criteria_set: CriteriaSet, intake_facts: dict) -> TryResult | None:
    """Evaluate one intake's facts (derived) under `criteria_set` and under the published set,
    with the full trace, and mark what differs. None when `criteria_set` does not compile.
    Saves nothing."""
    try:
        compiled = criteria_set.compiled()
    except (language.ExpressionError, ValueError):
        return None
    published = CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).first()
    tried = _tried(criteria_set, compiled, intake_facts)
    other = None
    if published is not None and published.pk != criteria_set.pk:
        other = _tried(published, published.compiled(), intake_facts)
    outcome = TryResult(
        tried=tried,
        published=other,
        derived=[
            (name, fact.label, intake_facts.get(name)) for name, fact in facts.DERIVED_FACTS.items()
        ],
    )
    if other is not None:
        outcome.differing = tried.matched_codes ^ other.matched_codes
        for side in outcome.sides:
            for group in (side.red_flags, side.pathways, side.caveats, side.unmatched):
                for entry in group:
                    entry["differs"] = entry["code"] in outcome.differing
    return outcome


def _tried(criteria_set: CriteriaSet, compiled: engine.CompiledCriteria, intake_facts) -> TriedSet:
    result = compiled.evaluate(intake_facts, trace=True)
    expressions = {c.code: c.expression.text for c in compiled.criteria}
    side = TriedSet(
        criteria_set=criteria_set,
        result=result,
        label=engine.OUTCOME_LABELS[result.outcome],
        urgency=engine.URGENCY_LABELS.get(result.urgency, ""),
    )
    groups = {
        engine.RED_FLAG: side.red_flags,
        engine.AMPS_PATHWAY: side.pathways,
        engine.CAVEAT: side.caveats,
    }
    urgencies = {c.code: engine.URGENCY_LABELS.get(c.urgency, "") for c in compiled.criteria}
    for shown, entry in enumerate(result.trace):
        if shown >= TRY_IT_TRACE_LIMIT:
            side.not_shown = len(result.trace) - shown
            break
        entry = {
            **entry,
            "expression": expressions[entry["code"]],
            "urgency": urgencies[entry["code"]],
            "differs": False,
        }
        (groups[entry["kind"]] if entry["matched"] else side.unmatched).append(entry)
    return side


class NoSuchCase(Exception):
    """No submitted, screened intake has this case number (or UUID)."""


@dataclass
class PastCase:
    """A past intake as an editor may see it: its case number, its age in years and intake
    month, and the facts its current screening read (no name, MRN, date of birth or notes).
    `intake` is for the access log only."""

    intake: Intake
    case_number: int
    facts: dict
    intake_month: date

    @property
    def age_years(self):
        return self.facts.get("age_years")

    @property
    def inputs(self) -> dict:
        """The input facts as a JSON intake (data-dictionary names)."""
        return {name: self.facts.get(name) for name in facts.INPUT_FACTS}

    def sections(self) -> list[tuple[str, list[tuple[str, str, object]]]]:
        """(section, [(name, label, value)]) of the input facts, then the derived facts."""
        rows = [
            (section, [(name, facts.FACTS[name].label, self.facts.get(name)) for name in names])
            for section, names in facts.SECTIONS.items()
        ]
        derived = [
            (name, fact.label, self.facts.get(name)) for name, fact in facts.DERIVED_FACTS.items()
        ]
        return [*rows, ("Derived", derived)]


def _past_case(**lookup) -> PastCase:
    intake = (
        Intake.objects.submitted()
        .filter(current_screening__isnull=False, **lookup)
        .select_related("patient")
        .only("pk", "intake_date", "patient__id", "current_screening_id")
        .first()
    )
    if intake is None:
        raise NoSuchCase("No screened intake has this case number.")
    stored = Screening.objects.values_list("facts", flat=True).get(uuid=intake.current_screening_id)
    return PastCase(
        intake=intake,
        case_number=intake.pk,
        facts=stored,
        intake_month=intake.intake_date.replace(day=1),
    )


def past_case_intake(*, case_number: int) -> tuple[Intake, dict]:
    """A past intake's facts as a JSON intake (data-dictionary names): the input facts its
    current screening read, and nothing else (no name, MRN, date of birth or notes).

    Returns (the intake, for the access log only; the JSON intake). Raises NoSuchCase when no
    submitted intake with a screening has this case number."""
    try:
        case = _past_case(pk=case_number)
    except NoSuchCase:
        raise NoSuchCase(f"No screened intake has case number {case_number}.") from None
    return case.intake, case.inputs


def impact_case(*, intake_uuid) -> PastCase:
    """A past intake of the impact preview, de-identified (see PastCase); NoSuchCase when no
    submitted intake with a screening has this UUID."""
    return _past_case(uuid=intake_uuid)


class ReferenceCaseRefused(Exception):
    """A reference case could not be made; `field` names the field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def reference_case_home(criteria_set: CriteriaSet) -> CriteriaSet | None:
    """The set a case tried under `criteria_set` is saved to: the set itself when it is a
    draft, else the open draft (a published or retired set's cases are what it was tested
    against, and stay so); None when no draft is open."""
    if criteria_set.is_editable:
        return criteria_set
    return CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).order_by("version").first()


@transaction.atomic
def create_reference_case(
    *,
    criteria_set: CriteriaSet,
    name: str,
    description: str,
    intake: dict,
    expected_outcome: str,
    user,
) -> ReferenceCase:
    """Save an intake (facts only) as an active reference case of a draft, with its expected
    outcome: of `criteria_set` when it is a draft, else of the open draft
    (reference_case_home).

    Keeps only the input facts of the intake (so no identifying key can come along), checks
    it with the JSON intake validator and refuses a name already used in that draft, or no
    open draft (ReferenceCaseRefused naming the field). Returns the new case."""
    kept = {name_: intake.get(name_) for name_ in facts.INPUT_FACTS if name_ in intake}
    _, errors = validation.validate_intake(kept)
    if errors:
        raise ReferenceCaseRefused("intake", "; ".join(str(error) for error in errors[:5]))
    home = reference_case_home(criteria_set)
    if home is None:
        raise ReferenceCaseRefused(
            "name",
            f"Version {criteria_set.version} is {criteria_set.get_status_display().lower()}: its "
            "reference cases are kept as it was tested. Start a new draft to add one.",
        )
    if home.reference_cases.filter(name=name).exists():
        raise ReferenceCaseRefused(
            "name", f"Version {home.version} already has a reference case called {name!r}."
        )
    case = ReferenceCase(
        criteria_set=home,
        name=name,
        description=description,
        intake=kept,
        expected_outcome=expected_outcome,
        created_by=user,
    )
    case._history_user = user
    case.full_clean()
    case.save()
    return case
