"""The Data manager role and who holds the export permissions (created by data migrations)."""

import pytest
from django.contrib.auth.models import Group

from intake.roles import (
    AUDITOR,
    CLINIC_STAFF,
    CRITERIA_EDITOR,
    DATA_MANAGER,
    RHEUMATOLOGIST,
    ROLE_PERMISSIONS,
)

pytestmark = pytest.mark.django_db


def _granted(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_data_manager_group_has_exactly_its_permissions():
    assert _granted(DATA_MANAGER) == set(ROLE_PERMISSIONS[DATA_MANAGER])
    assert _granted(DATA_MANAGER) == {
        "exports.export_data",
        "exports.export_deidentified",
        "imports.import_data",
    }


def test_only_data_managers_export_every_profile_and_rheumatologists_deidentified():
    holders = {
        role: _granted(role) & {"exports.export_data", "exports.export_deidentified"}
        for role in (CLINIC_STAFF, RHEUMATOLOGIST, CRITERIA_EDITOR, AUDITOR, DATA_MANAGER)
    }
    assert holders == {
        CLINIC_STAFF: set(),
        RHEUMATOLOGIST: {"exports.export_deidentified"},
        CRITERIA_EDITOR: set(),
        AUDITOR: set(),
        DATA_MANAGER: {"exports.export_data", "exports.export_deidentified"},
    }
