"""Migrations that move data: what was there is still there, pointing at the same rows."""

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
