"""Migrations that move data: what was there is still there, pointing at the same rows."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("intake", "0015_choices_from_the_registry")]
AFTER = [("intake", "0016_current_screening_by_uuid")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_current_screening_pointers_survive_the_move_to_uuids_and_back():
    apps = _migrate(BEFORE)
    user = apps.get_model("auth", "User").objects.create(username="m")
    patient = apps.get_model("intake", "Patient").objects.create(
        mrn="MIG-1", given_name="A", family_name="B", date_of_birth="2012-01-01", sex="female"
    )
    criteria_set = apps.get_model("intake", "CriteriaSet").objects.create(version=99)
    intake_model = apps.get_model("intake", "Intake")
    screening_model = apps.get_model("intake", "Screening")
    pointed, unscreened = (
        intake_model.objects.create(patient=patient, created_by=user) for _ in range(2)
    )
    older, newer = (
        screening_model.objects.create(
            intake=pointed, outcome="indeterminate", criteria_set=criteria_set
        )
        for _ in range(2)
    )
    pointed.current_screening = older  # not the latest: the pointer is copied, not recomputed
    pointed.save()
    try:
        apps = _migrate(AFTER)
        intake_model = apps.get_model("intake", "Intake")
        assert intake_model.objects.get(pk=pointed.pk).current_screening_id == older.uuid
        assert intake_model.objects.get(pk=unscreened.pk).current_screening_id is None

        apps = _migrate(BEFORE)
        intake_model = apps.get_model("intake", "Intake")
        assert intake_model.objects.get(pk=pointed.pk).current_screening_id == older.pk
        assert intake_model.objects.get(pk=unscreened.pk).current_screening_id is None
        assert newer.pk != older.pk
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_access_log_keeps_its_rows_and_the_auditors_permission_when_it_moves_to_audit():
    intake_apps = _migrate([("intake", "0016_current_screening_by_uuid")])
    user = intake_apps.get_model("auth", "User").objects.create(username="reader")
    patient = intake_apps.get_model("intake", "Patient").objects.create(
        mrn="MIG-2", given_name="A", family_name="B", date_of_birth="2012-01-01", sex="female"
    )
    event = intake_apps.get_model("intake", "AccessEvent").objects.create(
        user=user, patient=patient, action="view", ip_address="10.0.0.1"
    )
    try:
        apps = _migrate([("audit", "0002_access_event_actors_and_detail")])
        moved = apps.get_model("audit", "AccessEvent").objects.get(pk=event.pk)
        assert (moved.user_id, moved.patient_id, moved.action, moved.detail) == (
            user.pk,
            patient.pk,
            "view",
            {},
        )
        auditor = apps.get_model("auth", "Group").objects.get(name="Auditor")
        assert auditor.permissions.filter(
            content_type__app_label="audit", codename="view_accessevent"
        ).exists()
        content_types = apps.get_model("contenttypes", "ContentType").objects
        assert not content_types.filter(app_label="intake", model="accessevent").exists()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_red_flag_details_are_null_on_existing_intakes_and_version_3_retires_version_2(
    migration_data,
):
    """0033 adds the §5a details (null on every intake made before); 0034 publishes version 3,
    retiring version 2, while a past screening keeps version 2; and back, while no screening
    uses version 3."""
    apps = _migrate([("intake", "0032_review_signed_at_index")])
    criteria_set = apps.get_model("intake", "CriteriaSet")
    published = criteria_set.objects.get(status="published")
    assert published.version == 2
    user = apps.get_model("auth", "User").objects.create(username="m3")
    patient = apps.get_model("intake", "Patient").objects.create(
        mrn="MIG-3", given_name="A", family_name="B", date_of_birth="2012-01-01", sex="female"
    )
    intake = apps.get_model("intake", "Intake").objects.create(
        patient=patient, created_by=user, fever=True, non_weight_bearing=True
    )
    screening = apps.get_model("intake", "Screening").objects.create(
        intake=intake, outcome="refer", urgency="emergency", criteria_set=published
    )
    try:
        apps = _migrate([("intake", "0034_criteria_version_3")])
        stored = apps.get_model("intake", "Intake").objects.get(pk=intake.pk)
        for name in (
            "non_weight_bearing_days",
            "joint_swelling_weeks",
            "fever_days",
            "highest_temperature_c",
            "kawasaki_features",
            "petechiae_or_purpura",
            "hepatosplenomegaly",
            "sphincter_or_saddle_signs",
            "bulbar_or_respiratory_weakness",
            "dark_urine",
        ):
            assert getattr(stored, name) is None, name
        criteria_set = apps.get_model("intake", "CriteriaSet")
        assert criteria_set.objects.get(status="published").version == 3
        assert criteria_set.objects.get(version=2).status == "retired"
        kept = apps.get_model("intake", "Screening").objects.get(pk=screening.pk)
        assert kept.criteria_set.version == 2
        case = apps.get_model("intake", "ReferenceCase").objects.get(
            name="Urgency: blasts on the film"
        )
        assert case.expected_urgency == "emergency"

        apps = _migrate([("intake", "0033_red_flag_details")])
        criteria_set = apps.get_model("intake", "CriteriaSet")
        assert criteria_set.objects.get(status="published").version == 2
        assert not criteria_set.objects.filter(version=3).exists()
        reference_case = apps.get_model("intake", "ReferenceCase")
        assert reference_case.objects.get(name="Urgency: blasts on the film").expected_urgency == (
            "urgent"
        )
        assert not reference_case.objects.filter(name__startswith="Urgency v3:").exists()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _own_migration(suffix: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(the intake migration whose name ends with `suffix`, the one it follows), by name, so
    the test holds when the migration is renumbered at a merge."""
    graph = MigrationExecutor(connection).loader.graph
    (key,) = [k for k in graph.nodes if k[0] == "intake" and k[1].endswith(suffix)]
    (parent,) = [p for p in graph.node_map[key].parents if p.key[0] == "intake"]
    return key, parent.key


def test_reference_cases_go_to_the_published_set_and_are_copied_to_each_draft(migration_data):
    mine, before = _own_migration("_reference_cases_per_version")
    apps = _migrate([before])
    criteria_set = apps.get_model("intake", "CriteriaSet")
    reference_case = apps.get_model("intake", "ReferenceCase")
    published = criteria_set.objects.get(status="published")
    retired = set(criteria_set.objects.filter(status="retired").values_list("pk", flat=True))
    draft = criteria_set.objects.create(version=98, status="draft")
    # A case made the old, shared way (as a data migration before this one might).
    reference_case.objects.create(
        name="Added the shared way", intake={"age_years": 9}, expected_outcome="refer"
    )
    names = sorted(reference_case.objects.values_list("name", flat=True))
    try:
        apps = _migrate([mine])
        reference_case = apps.get_model("intake", "ReferenceCase")
        historical = apps.get_model("intake", "HistoricalReferenceCase")
        owned = reference_case.objects.filter(criteria_set_id=published.pk)
        assert sorted(owned.values_list("name", flat=True)) == names
        copies = reference_case.objects.filter(criteria_set_id=draft.pk)
        assert sorted(copies.values_list("name", flat=True)) == names
        shared = owned.get(name="Added the shared way")
        copy = copies.get(name="Added the shared way")
        assert copy.pk != shared.pk
        assert (copy.intake, copy.expected_outcome) == ({"age_years": 9}, "refer")
        assert historical.objects.filter(id=copy.pk, history_type="+").exists()
        assert not reference_case.objects.filter(criteria_set_id__in=retired).exists()
        assert reference_case.objects.count() == 2 * len(names)

        apps = _migrate([before])  # back to one shared list: the published set's cases
        reference_case = apps.get_model("intake", "ReferenceCase")
        assert sorted(reference_case.objects.values_list("name", flat=True)) == names
    finally:
        apps = _migrate([before])
        apps.get_model("intake", "ReferenceCase").objects.filter(
            name="Added the shared way"
        ).delete()
        apps.get_model("intake", "CriteriaSet").objects.filter(pk=draft.pk).delete()
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_agreement_counters_start_with_every_review_signed_before(migration_data):
    """0036 counts the reviews already signed (historical models), on their day in the
    clinic's time zone; back, the counters go with their table."""
    mine, before = _own_migration("_agreement_counts")
    apps = _migrate([before])
    user = apps.get_model("auth", "User").objects.create(username="m36")
    patient = apps.get_model("intake", "Patient").objects.create(
        mrn="MIG-36", given_name="A", family_name="B", date_of_birth="2012-01-01", sex="female"
    )
    published = apps.get_model("intake", "CriteriaSet").objects.get(status="published")
    signed = [
        # 23:30 UTC on 31 March is 00:30 on 1 April in London (summer time).
        ("agree", "", ["rf_fever"], ["amps_p2_acr2016"], "2026-03-31T23:30:00+00:00"),
        ("override", "clinical_judgement", [], ["amps_p2_acr2016"], "2026-04-01T20:00:00+00:00"),
    ]
    for decision, reason, red_flags, pathways, signed_at in signed:
        intake = apps.get_model("intake", "Intake").objects.create(patient=patient, created_by=user)
        screening = apps.get_model("intake", "Screening").objects.create(
            intake=intake,
            outcome="refer" if red_flags else "consider_amps",
            urgency="urgent" if red_flags else "",
            red_flags=red_flags,
            pathways=pathways,
            criteria_set=published,
        )
        apps.get_model("intake", "Review").objects.create(
            intake=intake,
            screening=screening,
            reviewer=user,
            decision=decision,
            override_reason=reason,
            disposition="other_referral",
            signed_at=signed_at,
        )
    try:
        apps = _migrate([mine])
        counts = apps.get_model("intake", "AgreementCount").objects
        day, version = dt.date(2026, 4, 1), published.version
        assert set(counts.values_list("day", "version", "kind", "key", "total", "agreed")) == {
            (day, version, "version", "", 2, 1),
            (day, version, "code", "rf_fever", 1, 1),
            (day, version, "code", "amps_p2_acr2016", 2, 1),
            (day, version, "override_reason", "clinical_judgement", 1, 0),
        }
        _migrate([before])
        assert "intake_agreementcount" not in connection.introspection.table_names()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_cds_card_days_start_with_the_feedback_given_before(migration_data):
    """interop 0006 counts the feedback already given (historical models): per day of the card
    in the clinic's time zone and version, the cards accepted and overridden, each once per
    outcome; the cards themselves are left to the roll-up. Back, the rows go with their table."""
    mine, before = ("interop", "0006_cds_card_days"), ("interop", "0005_card_created_at_index")
    apps = _migrate([before])
    client = apps.get_model("interop", "CdsClient").objects.create(
        label="EHR", issuer="https://ehr.example/", jwks={"keys": []}
    )
    card_model = apps.get_model("interop", "CdsCard")
    feedback_model = apps.get_model("interop", "CdsFeedback")
    given = [
        # 23:30 UTC on 31 March is 00:30 on 1 April in London (summer time).
        ("2026-03-31T23:30:00+00:00", 3, ["accepted", "accepted", "overridden"]),
        ("2026-04-01T20:00:00+00:00", 3, ["overridden"]),
        ("2026-04-01T20:00:00+00:00", 2, ["accepted"]),
        ("2026-03-31T22:30:00+00:00", 3, []),
    ]
    for created_at, version, outcomes in given:
        card = card_model.objects.create(
            client=client, hook_instance="h", outcome="refer", indicator="warning",
            criteria_version=version, created_at=created_at,
        )  # fmt: skip
        for outcome in outcomes:
            feedback_model.objects.create(
                card=card, outcome=outcome, outcome_timestamp="2026-04-02T10:00:00+00:00"
            )
    try:
        apps = _migrate([mine])
        days = apps.get_model("interop", "CdsCardDay").objects
        april = dt.date(2026, 4, 1)
        assert set(
            days.values_list("day", "criteria_version", "cards", "accepted", "overridden")
        ) == {(april, 3, None, 1, 2), (april, 2, None, 1, 0)}
        _migrate([before])
        assert "interop_cdscardday" not in connection.introspection.table_names()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
