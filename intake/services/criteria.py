"""Criteria sets: new draft, checks, impact preview, publishing."""

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date

import orjson
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Max, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from intake.models import (
    CriteriaSet,
    CriteriaSetStatus,
    Criterion,
    CriterionKind,
    Intake,
    ReferenceCase,
    Review,
)
from intake.rules import engine, facts, language, review, validation, wording
from intake.rules.defaults import DEFAULT_CRITERIA

#: The changed cases an impact preview lists (the counts always cover every case).
IMPACT_CASE_LIMIT = 500
#: The red flags of the default set (data dictionary, section 9): dropping one needs a confirmation.
DEFAULT_RED_FLAG_CODES = tuple(
    spec["code"] for spec in DEFAULT_CRITERIA if spec["kind"] == CriterionKind.RED_FLAG
)
# Every stored field of a criterion except its identity and its set: a draft copies them all.
_CRITERION_COPY_FIELDS = tuple(
    f.attname for f in Criterion._meta.concrete_fields if f.name not in ("id", "criteria_set")
)
# The same for a reference case (its creation time is the copy's own).
_CASE_COPY_FIELDS = tuple(
    f.attname
    for f in ReferenceCase._meta.concrete_fields
    if f.name not in ("id", "criteria_set", "created_at")
)


class DraftExists(Exception):
    """Only one draft criteria set is open at a time; `draft` is the open one."""

    def __init__(self, draft: CriteriaSet):
        super().__init__(
            f"Version {draft.version} is already an open draft: edit it or publish it first."
        )
        self.draft = draft


@transaction.atomic
def new_draft(*, user) -> CriteriaSet:
    """Copy the published criteria set into a new draft and return the draft.

    Every criterion is copied, active or not, with every field, and so is every reference
    case of the published set (the draft's own copies: editing one changes this draft's only);
    the draft's version is one above the highest version so far. One draft is open at a time:
    raises DraftExists (naming it) when there is one already. The published row is locked
    first, so two editors starting a draft at once get one draft between them.
    """
    published = CriteriaSet.objects.select_for_update().get(status=CriteriaSetStatus.PUBLISHED)
    existing = CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).order_by("version")
    if existing.exists():
        raise DraftExists(existing.first())
    criteria = list(published.criteria.all())
    draft = CriteriaSet(
        version=(CriteriaSet.objects.aggregate(top=Max("version"))["top"] or 0) + 1,
        status=CriteriaSetStatus.DRAFT,
        notes=f"Draft copied from version {published.version}.",
        content_hash=engine.content_hash(criteria),
        created_by=user,
    )
    draft._history_user = user
    draft.save()
    for criterion in criteria:
        copy = Criterion(
            criteria_set=draft,
            **{name: getattr(criterion, name) for name in _CRITERION_COPY_FIELDS},
        )
        copy._history_user = user
        copy.save()
    for case in published.reference_cases.order_by("pk"):
        copy = ReferenceCase(
            criteria_set=draft, **{name: getattr(case, name) for name in _CASE_COPY_FIELDS}
        )
        copy._history_user = user
        copy._change_reason = f"Copied from version {published.version}."
        copy.save()
    return draft


@dataclass(frozen=True)
class FailingCase:
    """A reference case the draft does not give its expected outcome, or (when the case
    expects one) its expected urgency. `got` is "" when the case's own intake is invalid;
    `problem` then says why."""

    name: str
    expected: str
    got: str
    matched: tuple[str, ...] = ()
    problem: str = ""
    expected_urgency: str = ""
    got_urgency: str = ""

    @property
    def expected_label(self) -> str:
        return _outcome_label(self.expected, self.expected_urgency)

    @property
    def got_label(self) -> str:
        if not self.got:
            return ""
        return _outcome_label(self.got, self.got_urgency if self.expected_urgency else "")

    def __str__(self) -> str:
        if self.problem:
            return f"Reference case {self.name!r}: {self.problem}"
        return (
            f"Reference case {self.name!r} expects {self.expected_label} but the draft gives "
            f"{self.got_label}"
        )


def _outcome_label(outcome: str, urgency: str = "") -> str:
    label = engine.OUTCOME_LABELS[outcome]
    return f"{label} ({urgency})" if urgency else label


@dataclass
class DraftCheck:
    """What publishing a draft would be refused for, and what needs a confirmation.

    `expression_errors` names each criterion (code and name) with its problem;
    `failing_cases` the set's own active reference cases that do not give their expected
    outcome (run only when every expression checks); `red_flag_warnings` the safety warnings
    that need an explicit confirmation.
    """

    active_criteria: int = 0
    expression_errors: list[str] = field(default_factory=list)
    cases_run: int = 0
    failing_cases: list[FailingCase] = field(default_factory=list)
    red_flag_warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.expression_errors and not self.failing_cases

    @property
    def reasons(self) -> list[str]:
        return [*self.expression_errors, *(str(case) for case in self.failing_cases)]


def check_draft(*, draft: CriteriaSet) -> DraftCheck:
    """Run every publishing check on a criteria set and return every finding (a DraftCheck).

    Checks every active criterion's expression, then runs the set's own active reference
    cases under it, then the red-flag safety rule: a set with no active red flag, or without one of
    the default red flags, needs an explicit confirmation. Saves nothing.
    """
    criteria = list(draft.criteria.all())
    active = [criterion for criterion in criteria if criterion.active]
    check = DraftCheck(active_criteria=len(active))
    for criterion in active:
        check.expression_errors += [
            f"{criterion.code} ({criterion.name}): {error}"
            for error in language.check_expression(criterion.expression)
        ]
    if not check.expression_errors:
        try:
            compiled = engine.CompiledCriteria(criteria)
        except (language.ExpressionError, ValueError) as error:
            check.expression_errors.append(str(error))
    if not check.expression_errors:
        for case in draft.reference_cases.filter(active=True).order_by("name"):
            check.cases_run += 1
            failing = _run_reference_case(case, compiled)
            if failing is not None:
                check.failing_cases.append(failing)
    check.red_flag_warnings = red_flag_warnings(criteria=criteria)
    return check


def _run_reference_case(case: ReferenceCase, compiled: engine.CompiledCriteria):
    """None when the case gives its expected outcome (and expected urgency, when it has one),
    else the FailingCase."""
    inputs, errors = validation.validate_intake(case.intake)
    if errors:
        problem = "its intake is not valid (" + "; ".join(str(e) for e in errors[:3]) + ")"
        return FailingCase(case.name, case.expected_outcome, "", problem=problem)
    result = compiled.evaluate(facts.derive(inputs), trace=False)
    urgency_ok = not case.expected_urgency or result.urgency == case.expected_urgency
    if result.outcome == case.expected_outcome and urgency_ok:
        return None
    matched = (*result.red_flags, *result.pathways)
    return FailingCase(
        case.name,
        case.expected_outcome,
        result.outcome,
        matched,
        expected_urgency=case.expected_urgency,
        got_urgency=result.urgency or "",
    )


def red_flag_warnings(*, criteria) -> list[str]:
    """The safety warnings of a set of criteria: no active red flag at all, or a default red
    flag (data dictionary, section 9) missing, inactive or no longer a red flag."""
    active_red_flags = {c.code for c in criteria if c.active and c.kind == CriterionKind.RED_FLAG}
    if not active_red_flags:
        return [
            "This draft has no active red-flag criterion: no child would ever be suggested "
            "for referral, whatever their findings."
        ]
    dropped = [code for code in DEFAULT_RED_FLAG_CODES if code not in active_red_flags]
    if dropped:
        return [
            f"This draft drops {len(dropped)} of the default red flags: {', '.join(dropped)}. "
            "Children with only these findings would no longer be suggested for referral."
        ]
    return []


def wording_warnings(*, criteria) -> list[str]:
    """A warning for each active criterion whose name (any number) or rationale (a number
    stated as a threshold) quotes a number its expression does not use (rules.wording), e.g.
    "The name or rationale of rf_morning_stiffness (Morning stiffness 30 minutes or more) says
    30 but the expression uses 60. …"."""
    warnings = []
    for criterion in criteria:
        if not criterion.active:
            continue
        stale = wording.stale_numbers(
            name=criterion.name, rationale=criterion.rationale, expression=criterion.expression
        )
        if not stale:
            continue
        used = sorted(language.numeric_literals(criterion.expression))
        uses = ", ".join(format(n, "f") for n in used) if used else "no number"
        said = ", ".join(stale)
        warnings.append(
            f"The name or rationale of {criterion.code} ({criterion.name}) says {said} but the "
            f"expression uses {uses}. Update the wording if the threshold changed: every "
            "explanation shows it."
        )
    return warnings


@dataclass(frozen=True)
class SignedReview:
    """What a rheumatologist signed on a past case: agree or override, the disposition and,
    for an override, its coded reason. `disagreed` is an override of the outcome the reviewer
    was shown (the case's stored screening), i.e. of the old outcome."""

    decision: str
    disposition: str
    override_reason: str = ""

    @property
    def disagreed(self) -> bool:
        return self.decision == review.OVERRIDE

    @property
    def decision_label(self) -> str:
        return "Overrode the suggestion" if self.disagreed else "Agreed with the suggestion"

    @property
    def disposition_label(self) -> str:
        return review.DISPOSITION_LABELS.get(self.disposition, self.disposition)

    @property
    def override_reason_label(self) -> str:
        return review.OVERRIDE_REASON_LABELS.get(self.override_reason, self.override_reason)

    def as_json(self) -> list[str]:
        return [self.decision, self.disposition, self.override_reason]


def signed_reviews(case_numbers) -> dict[int, SignedReview]:
    """The signed review of each of these past cases that has one, by case number, in one
    query. An intake has at most one review (a constraint), and signing locks it, so the review
    is of its current screening: the one whose stored outcome the preview calls "old"."""
    rows = Review.objects.filter(intake_id__in=list(case_numbers)).values_list(
        "intake_id", "decision", "disposition", "override_reason"
    )
    return {number: SignedReview(*fields) for number, *fields in rows}


@dataclass(frozen=True)
class ChangedCase:
    """One past intake whose suggestion would change: its case number (the intake's id, never
    a name or MRN), date, outcome under the published set and the draft, the criterion
    codes the draft matches in addition (`added`) or no longer matches (`removed`), and the
    signed review of its screening when there is one (`review`)."""

    case_number: int
    intake_date: date
    old_outcome: str
    new_outcome: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    review: SignedReview | None = None

    @property
    def old_label(self) -> str:
        return engine.OUTCOME_LABELS[self.old_outcome]

    @property
    def new_label(self) -> str:
        return engine.OUTCOME_LABELS[self.new_outcome]


@dataclass
class Impact:
    """Every submitted intake's current screening re-evaluated under the published set and the
    draft. `transitions` counts each (published outcome, draft outcome) pair seen, unchanged
    ones too; `changed` lists the first IMPACT_CASE_LIMIT cases whose outcome changes (by case
    number) and `changed_total` counts them all; `criteria_changed_total` counts the cases
    whose outcome stays but whose matched criteria differ."""

    draft_version: int
    published_version: int | None
    total: int = 0
    transitions: dict[tuple[str, str], int] = field(default_factory=dict)
    changed: list[ChangedCase] = field(default_factory=list)
    changed_total: int = 0
    criteria_changed_total: int = 0
    seconds: float = 0.0
    #: Of every changed case (listed or not): how many were signed, and how many of those
    #: the reviewer overrode (disagreed with the old outcome).
    reviewed_total: int = 0
    disagreed_total: int = 0

    @property
    def unchanged_total(self) -> int:
        return self.total - self.changed_total

    @property
    def unreviewed_total(self) -> int:
        return self.changed_total - self.reviewed_total

    def transition_rows(self) -> list[dict]:
        """The transitions for display: changed ones first, then by the engine's outcome order."""
        order = {outcome: index for index, outcome in enumerate(engine.OUTCOMES)}
        rows = [
            {
                "old": old,
                "new": new,
                "old_label": engine.OUTCOME_LABELS[old],
                "new_label": engine.OUTCOME_LABELS[new],
                "count": count,
                "changed": old != new,
            }
            for (old, new), count in self.transitions.items()
        ]
        return sorted(rows, key=lambda r: (not r["changed"], order[r["old"]], order[r["new"]]))

    def as_json(self) -> dict:
        """The impact as JSON, to keep with the background job that worked it out."""
        return {
            "draft_version": self.draft_version,
            "published_version": self.published_version,
            "total": self.total,
            "transitions": [[old, new, n] for (old, new), n in self.transitions.items()],
            "changed": [
                [c.case_number, c.intake_date.isoformat(), c.old_outcome, c.new_outcome]
                + [list(c.added), list(c.removed), c.review.as_json() if c.review else None]
                for c in self.changed
            ],
            "changed_total": self.changed_total,
            "criteria_changed_total": self.criteria_changed_total,
            "seconds": self.seconds,
            "reviewed_total": self.reviewed_total,
            "disagreed_total": self.disagreed_total,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Impact":
        return cls(
            draft_version=data["draft_version"],
            published_version=data["published_version"],
            total=data["total"],
            transitions={(old, new): n for old, new, n in data["transitions"]},
            changed=[_changed_case_from_json(*row) for row in data["changed"]],
            changed_total=data["changed_total"],
            criteria_changed_total=data["criteria_changed_total"],
            seconds=data["seconds"],
            # A preview stored before reviews were read has neither.
            reviewed_total=data.get("reviewed_total", 0),
            disagreed_total=data.get("disagreed_total", 0),
        )


def _changed_case_from_json(number, day, old, new, added, gone, signed=None) -> ChangedCase:
    return ChangedCase(
        number,
        date.fromisoformat(day),
        old,
        new,
        tuple(added),
        tuple(gone),
        SignedReview(*signed) if signed else None,
    )


def impact_key(*, draft: CriteriaSet) -> str:
    """What an impact preview of the draft depends on: the draft's content as it is now and the
    published set's. A stored preview is used only while its key still matches, so editing the
    draft (or publishing another set) invalidates it."""
    published = CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).first()
    published_hash = published.compiled().hash if published else "-"
    return f"impact:{draft.pk}:{draft.compiled().hash}:{published_hash}"


#: Intakes read per query by an impact preview (and evaluated between two progress reports).
IMPACT_CHUNK = 5000


def preview_impact(
    *, draft: CriteriaSet, limit: int = IMPACT_CASE_LIMIT, progress=None, key: str = ""
) -> Impact:
    """Re-evaluate every submitted intake under the published set and the draft; return the
    Impact (counts per transition and the changed cases). Saves nothing.

    Reads each intake's current screening's stored facts (never rebuilding them from the
    intake), IMPACT_CHUNK at a time in case-number order (screened_in_case_order), evaluated
    without a trace: about 40 µs an intake, so 1,000,000 take under a minute, with progress
    after every chunk. The signed reviews of a chunk's changed cases (only those) are read in
    one query per chunk, to count how often reviewers overrode the old outcome and to show
    each listed case's review. With no published set, the stored outcome and codes stand in for it.
    `progress` (a jobs Progress) is told the total and the count as it goes; `key`, when given,
    is the impact_key the caller expects: ImpactKeyChanged is raised when the sets no longer
    match it (the draft was edited after the preview was asked for).
    """
    started = time.perf_counter()
    published = CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).first()
    if key and impact_key(draft=draft) != key:
        raise ImpactKeyChanged()
    new = draft.compiled().evaluate
    old = published.compiled().evaluate if published else None
    impact = Impact(draft.version, published.version if published else None)
    columns = ["pk", "intake_date", "facts_json"]
    if old is None:
        columns += [f"current_screening__{name}" for name in ("outcome", "red_flags", "pathways")]
        columns += ["current_screening__caveats"]
    if progress is not None:
        progress.set_total(_screened_intakes().count())
    transitions: Counter = Counter()
    loads = orjson.loads
    for rows in screened_in_case_order(columns):
        changed_here: list[int] = []
        listed_here: list[ChangedCase] = []
        for row in rows:
            case_number, day, case_facts = row[0], row[1], loads(row[2])
            after = new(case_facts, trace=False)
            before = old(case_facts, trace=False) if old else engine.Result(*row[3:])
            transitions[before.outcome, after.outcome] += 1
            if before.outcome != after.outcome:
                impact.changed_total += 1
                changed_here.append(case_number)
                if len(impact.changed) + len(listed_here) < limit:
                    listed_here.append(_changed_case(case_number, day, before, after))
            elif (before.red_flags, before.pathways, before.caveats) != (
                after.red_flags,
                after.pathways,
                after.caveats,
            ):
                impact.criteria_changed_total += 1
        reviews = signed_reviews(changed_here) if changed_here else {}
        impact.reviewed_total += len(reviews)
        impact.disagreed_total += sum(signed.disagreed for signed in reviews.values())
        impact.changed += [
            replace(case, review=reviews.get(case.case_number)) for case in listed_here
        ]
        if progress is not None:
            progress.advance(len(rows))
    impact.total = sum(transitions.values())
    impact.transitions = dict(transitions)
    impact.seconds = time.perf_counter() - started
    return impact


def _screened_intakes():
    return Intake.objects.submitted().filter(current_screening__isnull=False)


def screened_in_case_order(columns: list[str], *, chunk: int | None = None) -> Iterator[list]:
    """The submitted, screened intakes as lists of `columns` rows (the first column must be
    "pk"; "facts_json" is the current screening's facts as JSON text), `chunk` rows at a time
    in case-number order.

    Each chunk is one keyset query (`pk > the last one`): an index range, so the first rows
    come at once and a chunk costs the same at any depth (one query over every intake first
    sorts or hashes them all: ten seconds at 1,000,000, with no progress meanwhile). Outside a
    transaction the next chunk is read on a second connection while the caller works on this
    one, so the database and Python work at the same time; inside one (a caller's atomic
    block, a test) all is read on this connection, the only one that sees its writes."""
    chunk = chunk or IMPACT_CHUNK
    rows = (
        _screened_intakes()
        .annotate(facts_json=Cast("current_screening__facts", output_field=TextField()))
        .order_by("pk")
        .values_list(*columns)
    )

    def read(after: int) -> list:
        return list(rows.filter(pk__gt=after)[:chunk])

    def following(done: list) -> int | None:
        return done[-1][0] if len(done) == chunk else None

    if connection.in_atomic_block:
        after = 0
        while after is not None and (done := read(after)):
            yield done
            after = following(done)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="impact-reader") as reader:
        try:
            pending = reader.submit(read, 0)
            while pending is not None and (done := pending.result()):
                after = following(done)
                pending = reader.submit(read, after) if after is not None else None
                yield done
        finally:
            # The reader's own connection (Django keeps one per thread) ends with it.
            reader.submit(connections.close_all)


class ImpactKeyChanged(Exception):
    """The draft or the published set changed after the impact preview was asked for."""

    def __init__(self):
        super().__init__(
            "The draft (or the published set) changed after this impact preview was asked "
            "for; the publish page starts a new one for the draft as it is now."
        )


def _changed_case(case_number: int, day, before: engine.Result, after: engine.Result):
    old_codes = [*before.red_flags, *before.pathways, *before.caveats]
    new_codes = [*after.red_flags, *after.pathways, *after.caveats]
    return ChangedCase(
        case_number=case_number,
        intake_date=day,
        old_outcome=before.outcome,
        new_outcome=after.outcome,
        added=tuple(code for code in new_codes if code not in old_codes),
        removed=tuple(code for code in old_codes if code not in new_codes),
    )


#: What a comparison of two versions looks at, in this order (urgency where the model has it).
COMPARED_FIELDS = tuple(
    name
    for name in ("name", "kind", "expression", "urgency", "message", "active")
    if name in {f.name for f in Criterion._meta.concrete_fields}
)


@dataclass(frozen=True)
class CriterionChange:
    """How one criterion differs between two sets: `change` is "added", "removed" or
    "changed"; `fields` lists (field, old, new) for a changed one; `before` and `after` are
    the criterion in each set (None where it is absent)."""

    code: str
    change: str
    fields: tuple[tuple[str, str, str], ...] = ()
    before: Criterion | None = field(default=None, compare=False, repr=False)
    after: Criterion | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return (self.after or self.before).name


def compare_criteria(*, old: CriteriaSet | None, new: CriteriaSet) -> list[CriterionChange]:
    """The criteria added, removed or changed from `old` to `new`, in `new`'s display order
    (removed ones last). Compares name, kind, expression, urgency, message and active."""
    before = {c.code: c for c in old.criteria.all()} if old else {}
    after = {c.code: c for c in new.criteria.all()}
    changes = []
    for code, criterion in after.items():
        previous = before.get(code)
        if previous is None:
            changes.append(CriterionChange(code, "added", after=criterion))
            continue
        fields = tuple(
            (name, _shown(getattr(previous, name)), _shown(getattr(criterion, name)))
            for name in COMPARED_FIELDS
            if getattr(previous, name) != getattr(criterion, name)
        )
        if fields:
            changes.append(CriterionChange(code, "changed", fields, previous, criterion))
    changes += [
        CriterionChange(code, "removed", before=criterion)
        for code, criterion in before.items()
        if code not in after
    ]
    return changes


def _shown(value) -> str:
    """A criterion field's value in words (a yes/no as yes or no)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class PublishRefused(Exception):
    """Publishing was refused; `reasons` says why (every reason), `failing_cases` lists the
    reference cases that failed."""

    def __init__(self, reasons: list[str], failing_cases=()):
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)
        self.failing_cases = list(failing_cases)


def publish_criteria_set(
    *, criteria_set: CriteriaSet, user, note: str = "", confirm_no_red_flags: bool = False
) -> CriteriaSet:
    """Publish a draft: retire the published set and publish the draft, in one transaction.

    The draft and the published set are locked first. Refused with PublishRefused (every
    reason) when the set is no longer a draft, an expression does not check, an active
    reference case does not give its expected outcome, the red-flag safety warning was not
    confirmed (`confirm_no_red_flags`), or the note is empty. Two publishes at once leave
    exactly one published set: the loser is refused. Past screenings keep their own set.
    Returns the published set, with published_by/at, the note and its content hash.
    """
    try:
        with transaction.atomic():
            draft = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
            if draft.status != CriteriaSetStatus.DRAFT:
                raise PublishRefused(
                    [
                        f"Version {draft.version} is {draft.get_status_display().lower()}, "
                        "not a draft: only a draft can be published."
                    ]
                )
            current = list(
                CriteriaSet.objects.select_for_update().filter(status=CriteriaSetStatus.PUBLISHED)
            )
            check = check_draft(draft=draft)
            reasons = check.reasons
            if check.red_flag_warnings and not confirm_no_red_flags:
                reasons += [
                    *check.red_flag_warnings,
                    "Confirm the red-flag warning explicitly to publish this draft.",
                ]
            if not note.strip():
                reasons.append("Write a publication note: what changed and why.")
            if reasons:
                raise PublishRefused(reasons, check.failing_cases)
            for old in current:
                old.status = CriteriaSetStatus.RETIRED
                old._history_user = user
                old._change_reason = f"Retired: version {draft.version} was published."
                old.save(update_fields=["status"])
            # The hash of what is published, computed while it is still a draft (a published
            # set's stored hash is trusted from then on).
            draft.content_hash = draft.compiled().hash
            draft.status = CriteriaSetStatus.PUBLISHED
            draft.published_by = user
            draft.published_at = timezone.now()
            draft.publish_note = note.strip()
            draft._history_user = user
            draft._change_reason = f"Published: {draft.publish_note}"
            draft.save(
                update_fields=[
                    "status",
                    "published_by",
                    "published_at",
                    "publish_note",
                    "content_hash",
                ]
            )
            return draft
    except IntegrityError:
        raise PublishRefused(
            [
                "Another criteria set was published at the same moment. Reload the page to "
                "see what is published now."
            ]
        ) from None
