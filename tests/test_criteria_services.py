"""Criteria sets through the service layer: new drafts, reference cases, the impact preview,
publishing (refusals, safety, atomicity) and what it leaves alone."""

import threading

import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created

from intake import services
from intake.models import (
    CriteriaSet,
    CriteriaSetStatus,
    Criterion,
    IntakeStatus,
    ReferenceCase,
    Screening,
)
from intake.rules import engine
from tests.factories import V06_CASE, IntakeFactory, PatientFactory, UserFactory, example

pytestmark = pytest.mark.django_db

STIFFNESS_15 = "morning_stiffness_minutes >= 15"


def published() -> CriteriaSet:
    return CriteriaSet.objects.published()


def set_expression(criteria_set: CriteriaSet, code: str, expression: str) -> None:
    Criterion.objects.filter(criteria_set=criteria_set, code=code).update(expression=expression)


def screened(example_id: str, **fields) -> Screening:
    """A submitted intake of a shared example, screened under the published set."""
    intake = IntakeFactory(example_id=example_id, patient=PatientFactory(), **fields)
    return services.screen_intake(intake=intake)


def fix_v06(expected: str = "refer") -> None:
    """Reference case V06 has 15 minutes of morning stiffness: a 15-minute threshold refers it."""
    ReferenceCase.objects.filter(name=V06_CASE).update(expected_outcome=expected)


# -- new draft ------------------------------------------------------------------------------------


def test_new_draft_copies_every_criterion_of_the_published_set_with_every_field(carol):
    source = published()
    Criterion.objects.filter(criteria_set=source, code="rf_gi").update(active=False, order=99)
    # As if it had been published like this: the stored hash always matches the rows.
    source.content_hash = engine.content_hash(source.criteria.all())
    source.save(update_fields=["content_hash"])
    draft = services.new_draft(user=carol)

    assert (draft.version, draft.status, draft.created_by) == (4, CriteriaSetStatus.DRAFT, carol)
    fields = (
        "code",
        "name",
        "kind",
        "urgency",
        "expression",
        "message",
        "rationale",
        "source",
        "active",
    )

    def rows(criteria_set):
        return sorted(criteria_set.criteria.values_list(*fields, "order"))

    assert rows(draft) == rows(source)
    assert draft.criteria.get(code="rf_gi").active is False
    assert draft.content_hash == draft.compiled().hash == source.compiled().hash
    assert published() == source  # the published set is untouched


def test_new_draft_copies_the_published_sets_reference_cases(carol):
    original = {case.name: case for case in published().reference_cases.all()}
    draft = services.new_draft(user=carol)
    copies = {case.name: case for case in draft.reference_cases.all()}
    assert set(copies) == set(original) and len(copies) >= 6
    for name, copy in copies.items():
        before = original[name]
        assert copy.pk != before.pk
        assert (copy.intake, copy.expected_outcome, copy.expected_urgency, copy.active) == (
            before.intake,
            before.expected_outcome,
            before.expected_urgency,
            before.active,
        )
    assert copy.history.first().history_user == carol


def test_a_drafts_case_changes_that_draft_only_and_publishing_runs_the_drafts_own(carol):
    before = published()
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    assert [c.name for c in services.check_draft(draft=draft).failing_cases] == [V06_CASE]
    draft.reference_cases.filter(name=V06_CASE).update(expected_outcome="refer")
    # The published set's own case is as it was: its version is still tested against it.
    assert published().reference_cases.get(name=V06_CASE).expected_outcome == "consider_amps"
    assert services.check_draft(draft=published()).ok
    assert services.check_draft(draft=draft).ok
    services.publish_criteria_set(criteria_set=draft, user=carol, note="Stiffness 15.")
    retired = CriteriaSet.objects.get(pk=before.pk, status=CriteriaSetStatus.RETIRED)
    assert retired.reference_cases.get(name=V06_CASE).expected_outcome == "consider_amps"
    # The next draft starts from the newly published set's cases.
    following = services.new_draft(user=carol)
    assert following.reference_cases.get(name=V06_CASE).expected_outcome == "refer"


def test_a_case_added_to_the_published_set_is_not_run_for_the_draft(carol):
    draft = services.new_draft(user=carol)
    ReferenceCase.objects.create(
        criteria_set=published(),
        name="Broken",
        intake=example("V01", age_years=99),
        expected_outcome="consider_amps",
    )
    assert services.check_draft(draft=draft).ok


def test_new_draft_is_numbered_one_above_the_highest_version(carol):
    CriteriaSet.objects.create(version=7, status=CriteriaSetStatus.RETIRED)
    assert services.new_draft(user=carol).version == 8


def test_only_one_draft_is_open_at_a_time(carol):
    draft = services.new_draft(user=carol)
    with pytest.raises(services.DraftExists) as refused:
        services.new_draft(user=carol)
    assert refused.value.draft == draft
    assert CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).count() == 1


def test_new_draft_records_its_author_in_the_history(carol):
    draft = services.new_draft(user=carol)
    assert draft.history.get().history_user == carol
    assert {r.history_user for r in Criterion.history.filter(criteria_set_id=draft.pk)} == {carol}


# -- checks ---------------------------------------------------------------------------------------


def test_the_published_default_set_passes_every_check(carol):
    draft = services.new_draft(user=carol)
    check = services.check_draft(draft=draft)
    assert check.ok
    assert check.cases_run == draft.reference_cases.filter(active=True).count() > 0
    assert check.red_flag_warnings == []


def test_a_reference_case_that_disagrees_is_listed_with_expected_and_got(carol):
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    check = services.check_draft(draft=draft)
    assert not check.ok
    assert [(c.name, c.expected, c.got) for c in check.failing_cases] == [
        (V06_CASE, "consider_amps", "refer")
    ]
    assert "rf_morning_stiffness" in check.failing_cases[0].matched


def test_an_inactive_reference_case_is_not_run(carol):
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    ReferenceCase.objects.filter(name=V06_CASE).update(active=False)
    assert services.check_draft(draft=draft).ok


def test_a_reference_case_with_an_invalid_intake_fails_with_the_reason(carol):
    ReferenceCase.objects.create(
        criteria_set=published(),
        name="Broken",
        intake=example("V01", age_years=99),
        expected_outcome="consider_amps",
    )
    check = services.check_draft(draft=services.new_draft(user=carol))
    (failing,) = check.failing_cases
    assert failing.name == "Broken" and failing.got == ""
    assert "age_years" in failing.problem


def test_a_bad_expression_stored_without_the_admin_is_reported_by_criterion(carol):
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_fever", "feverr")
    check = services.check_draft(draft=draft)
    assert check.expression_errors == [
        "rf_fever (Fever): Unknown name 'feverr' at column 1: did you mean 'fever'?"
    ]
    assert check.cases_run == 0


# -- impact preview -------------------------------------------------------------------------------


def test_impact_counts_every_transition_on_a_known_set_of_intakes(carol):
    changed = [screened("V06"), screened("V06", morning_stiffness_minutes=29)]
    screened("V01")  # 10 minutes: stays consider AMPS
    screened("V16")  # refer under both
    screened("V33")  # indeterminate under both
    IntakeFactory(example_id="V06", status=IntakeStatus.DRAFT)  # a draft is never counted
    resubmitted = screened("V06", morning_stiffness_minutes=0)
    services.screen_intake(intake=resubmitted.intake)  # two screenings, counted once

    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    impact = services.preview_impact(draft=draft)

    assert (impact.published_version, impact.draft_version) == (3, 4)
    assert impact.transitions == {
        ("consider_amps", "refer"): 2,
        ("consider_amps", "consider_amps"): 2,
        ("refer", "refer"): 1,
        ("indeterminate", "indeterminate"): 1,
    }
    assert (impact.total, impact.changed_total, impact.unchanged_total) == (6, 2, 4)
    assert [
        (c.case_number, c.intake_date, c.old_outcome, c.new_outcome, c.added, c.removed)
        for c in impact.changed
    ] == [
        (s.intake_id, s.intake.intake_date, "consider_amps", "refer", ("rf_morning_stiffness",), ())
        for s in changed
    ]
    assert impact.transition_rows()[0] == {
        "old": "consider_amps",
        "new": "refer",
        "old_label": "Consider AMPS",
        "new_label": "Refer for inflammatory work-up",
        "count": 2,
        "changed": True,
    }


def test_impact_reads_the_stored_facts_not_the_intake_as_it_is_now(carol):
    screening = screened("V06")
    # The intake row changed after screening (as a draft would be): the stored facts count.
    type(screening.intake).objects.filter(pk=screening.intake_id).update(
        morning_stiffness_minutes=0
    )
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    assert services.preview_impact(draft=draft).changed_total == 1


def test_impact_lists_at_most_the_limit_and_counts_them_all(carol):
    for _ in range(3):
        screened("V06")
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    impact = services.preview_impact(draft=draft, limit=2)
    assert impact.changed_total == 3 and len(impact.changed) == 2


def test_impact_counts_a_change_of_matched_criteria_with_the_same_outcome(carol):
    screened("V16")  # a referral: a second red flag does not change the outcome
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_gi", "age_years >= 0")
    impact = services.preview_impact(draft=draft)
    assert impact.changed_total == 0
    assert impact.criteria_changed_total == 1


def sign(screening, reviewer, decision="agree", **fields):
    fields.setdefault("disposition", "amps_programme")
    return services.record_review(
        screening=screening, reviewer=reviewer, decision=decision, **fields
    )


def _changed_cases_with_reviews(carol, bob):
    """Three changed cases (consider AMPS -> refer): one agreed, one overridden, one unsigned;
    and a signed case whose outcome does not change."""
    agreed, overridden, unsigned = screened("V06"), screened("V06"), screened("V06")
    sign(agreed, bob)
    sign(
        overridden,
        bob,
        "override",
        disposition="inflammatory_workup",
        override_reason="clinical_judgement",
        comment="Stiff for 15 minutes every morning: inflammatory until shown otherwise.",
    )
    sign(screened("V01"), bob)  # signed but unchanged: not counted
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    return draft, agreed, overridden, unsigned


def test_impact_shows_the_signed_review_of_each_changed_case(carol, bob):
    draft, agreed, overridden, unsigned = _changed_cases_with_reviews(carol, bob)
    impact = services.preview_impact(draft=draft)

    assert (impact.changed_total, impact.reviewed_total, impact.disagreed_total) == (3, 2, 1)
    assert impact.unreviewed_total == 1
    reviews = {case.case_number: case.review for case in impact.changed}
    assert reviews[agreed.intake_id] == services.SignedReview("agree", "amps_programme", "")
    assert reviews[overridden.intake_id] == services.SignedReview(
        "override", "inflammatory_workup", "clinical_judgement"
    )
    assert reviews[unsigned.intake_id] is None
    assert reviews[overridden.intake_id].disagreed
    assert reviews[overridden.intake_id].override_reason_label == "Clinical judgement"
    # Kept with the background job as JSON and read back the same.
    again = services.Impact.from_json(impact.as_json())
    assert again.changed == impact.changed
    assert (again.reviewed_total, again.disagreed_total) == (2, 1)


def test_impact_counts_reviews_of_changed_cases_beyond_the_listed_ones(carol, bob):
    draft, *_ = _changed_cases_with_reviews(carol, bob)
    impact = services.preview_impact(draft=draft, limit=1)
    assert len(impact.changed) == 1
    assert (impact.reviewed_total, impact.disagreed_total) == (2, 1)


def test_impact_reads_reviews_of_changed_cases_only_once_per_chunk(carol, bob, monkeypatch):
    draft, agreed, overridden, unsigned = _changed_cases_with_reviews(carol, bob)
    monkeypatch.setattr(services.criteria, "IMPACT_CHUNK", 2)
    asked = []
    real = services.criteria.signed_reviews

    def spy(case_numbers):
        asked.append(list(case_numbers))
        return real(case_numbers)

    monkeypatch.setattr(services.criteria, "signed_reviews", spy)
    services.preview_impact(draft=draft)
    # Chunks of two over four intakes (three changed): the unchanged one is never asked for.
    assert sorted(n for numbers in asked for n in numbers) == sorted(
        s.intake_id for s in (agreed, overridden, unsigned)
    )
    assert len(asked) == 2


def test_an_impact_stored_before_reviews_reads_as_unsigned(carol):
    stored = {
        "draft_version": 3,
        "published_version": 2,
        "total": 1,
        "transitions": [["consider_amps", "refer", 1]],
        "changed": [[7, "2026-01-02", "consider_amps", "refer", ["rf_x"], []]],
        "changed_total": 1,
        "criteria_changed_total": 0,
        "seconds": 0.1,
    }
    impact = services.Impact.from_json(stored)
    assert impact.changed[0].review is None and impact.reviewed_total == 0


def test_signed_reviews_is_one_query(carol, bob, django_assert_num_queries):
    _, agreed, overridden, unsigned = _changed_cases_with_reviews(carol, bob)
    with django_assert_num_queries(1):
        found = services.signed_reviews(
            [agreed.intake_id, overridden.intake_id, unsigned.intake_id]
        )
    assert set(found) == {agreed.intake_id, overridden.intake_id}


def _impact_over_chunks_of_two(editor, monkeypatch):
    """Five intakes, read two at a time: chunk edges must neither drop nor repeat a case."""
    monkeypatch.setattr(services.criteria, "IMPACT_CHUNK", 2)
    changed = [screened("V06") for _ in range(3)]
    screened("V01")
    screened("V16")
    draft = services.new_draft(user=editor)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    reports = []

    class Progress:
        def set_total(self, total):
            reports.append(("total", total))

        def advance(self, count):
            reports.append(("advance", count))

    impact = services.preview_impact(draft=draft, progress=Progress())
    assert impact.total == 5 and impact.changed_total == 3
    assert [c.case_number for c in impact.changed] == [s.intake_id for s in changed]
    assert reports == [("total", 5), ("advance", 2), ("advance", 2), ("advance", 1)]


def test_impact_reads_every_case_once_across_chunks(carol, monkeypatch):
    opened = []

    def created(connection, **kwargs):
        opened.append(connection)

    connection_created.connect(created)
    try:
        _impact_over_chunks_of_two(carol, monkeypatch)
    finally:
        connection_created.disconnect(created)
    assert opened == []  # inside the test's transaction: only its own connection sees the rows


@pytest.mark.django_db(transaction=True)
def test_impact_outside_a_transaction_reads_ahead_on_a_second_connection(
    migration_data, monkeypatch
):
    """As in a task worker: the next chunk is read by another thread on its own connection,
    which is closed when the preview ends."""
    opened = []

    def created(connection, **kwargs):
        opened.append((threading.current_thread().name, connection))

    connection_created.connect(created)
    try:
        _impact_over_chunks_of_two(UserFactory(username="editor"), monkeypatch)
    finally:
        connection_created.disconnect(created)
    readers = [conn for name, conn in opened if name.startswith("impact-reader")]
    assert readers
    for reader in readers:  # closed (Django never closes an in-memory SQLite database)
        assert reader.connection is None or (reader.vendor == "sqlite" and reader.is_in_memory_db())


def test_impact_of_an_unchanged_draft_is_nothing(carol):
    screened("V06")
    screened("V16")
    impact = services.preview_impact(draft=services.new_draft(user=carol))
    assert impact.changed_total == 0 and impact.total == 2


def test_compare_criteria_names_what_changed(carol):
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    Criterion.objects.filter(criteria_set=draft, code="rf_gi").delete()
    Criterion.objects.create(
        criteria_set=draft,
        code="rf_new",
        name="New",
        kind="red_flag",
        urgency="urgent",
        expression="fever",
        order=99,
    )
    changes = services.compare_criteria(old=published(), new=draft)
    assert [(c.code, c.change) for c in changes] == [
        ("rf_morning_stiffness", "changed"),
        ("rf_new", "added"),
        ("rf_gi", "removed"),
    ]
    assert changes[0].fields == (("expression", "morning_stiffness_minutes >= 30", STIFFNESS_15),)


# -- publishing -----------------------------------------------------------------------------------


def test_publishing_retires_the_old_set_and_publishes_the_draft(carol):
    old = published()
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    fix_v06()
    result = services.publish_criteria_set(criteria_set=draft, user=carol, note="Stiffness 15.")

    old.refresh_from_db()
    assert old.status == CriteriaSetStatus.RETIRED
    assert published() == result == draft
    assert (result.published_by, result.publish_note) == (carol, "Stiffness 15.")
    assert result.published_at is not None
    assert result.content_hash == published().compiled().hash != old.content_hash
    assert CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).count() == 1
    assert result.history.first().history_user == carol
    assert old.history.first().history_change_reason == "Retired: version 4 was published."


def test_publishing_is_refused_on_a_failing_reference_case_and_nothing_changes(carol):
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_criteria_set(criteria_set=draft, user=carol, note="Stiffness 15.")
    assert [c.name for c in refused.value.failing_cases] == [V06_CASE]
    assert refused.value.reasons == [
        f"Reference case '{V06_CASE}' expects Consider AMPS but the draft gives "
        "Refer for inflammatory work-up"
    ]
    draft.refresh_from_db()
    assert draft.status == CriteriaSetStatus.DRAFT
    assert published().version == 3


def test_publishing_needs_a_note(carol):
    draft = services.new_draft(user=carol)
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_criteria_set(criteria_set=draft, user=carol, note="   ")
    assert refused.value.reasons == ["Write a publication note: what changed and why."]


def test_publishing_a_set_that_is_no_longer_a_draft_is_refused(carol):
    draft = services.new_draft(user=carol)
    services.publish_criteria_set(criteria_set=draft, user=carol, note="First.")
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_criteria_set(criteria_set=draft, user=carol, note="Again.")
    assert refused.value.reasons == [
        "Version 4 is published, not a draft: only a draft can be published."
    ]
    retired = CriteriaSet.objects.get(version=3)
    with pytest.raises(services.PublishRefused):
        services.publish_criteria_set(criteria_set=retired, user=carol, note="Back to 1.")
    assert published() == draft
    assert CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).count() == 1


def test_a_stale_copy_of_the_draft_cannot_publish_twice(carol):
    draft = services.new_draft(user=carol)
    stale = CriteriaSet.objects.get(pk=draft.pk)
    services.publish_criteria_set(criteria_set=draft, user=carol, note="First.")
    with pytest.raises(services.PublishRefused):
        services.publish_criteria_set(criteria_set=stale, user=carol, note="Second.")


@pytest.mark.parametrize(
    ("deactivate", "words"),
    [
        ({"kind": "red_flag"}, "no active red-flag criterion"),
        ({"code": "rf_fever"}, "drops 1 of the default red flags: rf_fever"),
    ],
)
def test_a_draft_without_its_red_flags_needs_an_explicit_confirmation(carol, deactivate, words):
    draft = services.new_draft(user=carol)
    Criterion.objects.filter(criteria_set=draft, **deactivate).update(active=False)
    check = services.check_draft(draft=draft)
    assert words in " ".join(check.red_flag_warnings)
    with pytest.raises(services.PublishRefused) as refused:
        services.publish_criteria_set(criteria_set=draft, user=carol, note="Drop.")
    assert any(words in reason for reason in refused.value.reasons)
    assert published().version == 3


def test_a_confirmed_red_flag_warning_publishes(carol):
    draft = services.new_draft(user=carol)
    Criterion.objects.filter(criteria_set=draft, code="rf_gi").update(
        kind="caveat", urgency="", message="GI."
    )
    services.publish_criteria_set(
        criteria_set=draft, user=carol, note="GI is a caveat now.", confirm_no_red_flags=True
    )
    assert published() == draft


def test_a_dropped_default_red_flag_warns_even_when_renamed(carol):
    draft = services.new_draft(user=carol)
    Criterion.objects.filter(criteria_set=draft, code="rf_fever").update(code="rf_pyrexia")
    assert "rf_fever" in services.check_draft(draft=draft).red_flag_warnings[0]


def test_past_screenings_keep_their_version_and_new_ones_use_the_new_version(carol):
    before = screened("V06")
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)
    fix_v06()
    services.publish_criteria_set(criteria_set=draft, user=carol, note="Stiffness 15.")

    before.refresh_from_db()
    assert (before.criteria_set.version, before.outcome) == (3, "consider_amps")
    assert before.criteria_hash == CriteriaSet.objects.get(version=3).content_hash
    after = services.screen_intake(intake=before.intake)
    assert (after.criteria_set.version, after.outcome) == (4, "refer")
    assert after.criteria_hash == draft.compiled().hash


def test_the_journey_lower_stiffness_see_the_impact_be_stopped_fix_publish(carol):
    """The issue's "done when", through the services."""
    earlier = [screened("V06"), screened("V01")]
    draft = services.new_draft(user=carol)
    set_expression(draft, "rf_morning_stiffness", STIFFNESS_15)

    impact = services.preview_impact(draft=draft)
    assert [c.case_number for c in impact.changed] == [earlier[0].intake_id]
    assert impact.transitions[("consider_amps", "refer")] == 1

    with pytest.raises(services.PublishRefused) as refused:
        services.publish_criteria_set(criteria_set=draft, user=carol, note="Stiffness 15.")
    assert [c.name for c in refused.value.failing_cases] == [V06_CASE]

    fix_v06()  # the clinical lead agrees: 15 minutes of stiffness now refers
    services.publish_criteria_set(criteria_set=draft, user=carol, note="Stiffness 15.")

    following = screened("V06")
    assert (following.criteria_set.version, following.outcome) == (4, "refer")
    for screening in earlier:
        screening.refresh_from_db()
        assert screening.criteria_set.version == 3
    assert earlier[0].outcome == "consider_amps"


# -- two publishes at once ------------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
)


def _race(*attempts) -> list[str]:
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []

    def run(attempt):
        try:
            barrier.wait()
            attempt()
            outcomes.append("published")
        except services.PublishRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_publishes_of_the_same_draft_at_once_publish_it_once(migration_data):
    editor = UserFactory(username="editor")
    draft = services.new_draft(user=editor)

    def publish():
        services.publish_criteria_set(criteria_set=draft, user=editor, note="At once.")

    assert _race(publish, publish) == ["published", "refused"]
    assert list(CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED)) == [draft]
    assert CriteriaSet.objects.get(version=2).status == CriteriaSetStatus.RETIRED


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_drafts_published_at_once_leave_exactly_one_published_set(migration_data):
    editor = UserFactory(username="editor")
    first = services.new_draft(user=editor)
    second = CriteriaSet.objects.create(version=first.version + 1, status=CriteriaSetStatus.DRAFT)
    for criterion in first.criteria.all():
        criterion.pk, criterion.criteria_set = None, second
        criterion.save()

    def publish(draft):
        return lambda: services.publish_criteria_set(criteria_set=draft, user=editor, note="Go.")

    assert _race(publish(first), publish(second)) == ["published", "refused"]
    assert CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).count() == 1
    assert CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).count() == 1


def test_the_default_criteria_and_reference_cases_have_a_first_history_record():
    published = CriteriaSet.objects.published()
    assert published.history.count() >= 1
    assert all(criterion.history.exists() for criterion in published.criteria.all())
    assert all(case.history.exists() for case in ReferenceCase.objects.all())
