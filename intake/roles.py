"""The roles: Django groups, their permissions, and each role's home page.

A role is a group; views check permissions (`permission_required`), never group names,
so a superuser or a user holding two roles gets the union of what they may do.
"""

from django.contrib.auth.management import create_permissions

CLINIC_STAFF = "Clinic staff"
RHEUMATOLOGIST = "Rheumatologist"
CRITERIA_EDITOR = "Criteria editor"
AUDITOR = "Auditor"
DATA_MANAGER = "Data manager"
ROLES = (CLINIC_STAFF, RHEUMATOLOGIST, CRITERIA_EDITOR, AUDITOR, DATA_MANAGER)

# "app_label.codename" per role. A permission whose model does not exist yet (at an early
# point of the migration history) is skipped; the migration that adds the model syncs again.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    CLINIC_STAFF: (
        "intake.add_patient",
        "intake.change_patient",
        "intake.view_patient",
        "intake.add_intake",
        "intake.change_intake",
        "intake.view_intake",
        "intake.view_screening",
        "intake.view_review",
        "intake.add_addendum",
        "intake.view_addendum",
    ),
    RHEUMATOLOGIST: (
        "intake.view_patient",
        "intake.view_intake",
        "intake.view_screening",
        "intake.add_review",
        "intake.view_review",
        "intake.sign_review",
        "intake.add_addendum",
        "intake.view_addendum",
        "exports.export_deidentified",
    ),
    CRITERIA_EDITOR: (
        "intake.add_criteriaset",
        "intake.change_criteriaset",
        "intake.delete_criteriaset",  # drafts only: the admin refuses published and retired sets
        "intake.view_criteriaset",
        "intake.publish_criteriaset",
        "intake.add_criterion",
        "intake.change_criterion",
        "intake.delete_criterion",
        "intake.view_criterion",
        "intake.add_referencecase",
        "intake.change_referencecase",
        "intake.delete_referencecase",
        "intake.view_referencecase",
        # The clinic's name, contact details and programme text printed on documents.
        "documents.add_clinicdetails",
        "documents.change_clinicdetails",
        "documents.view_clinicdetails",
        # Whether each emergency reached the on-call team; "Send again" for a failed one.
        "oncall.view_emergencynotification",
        "oncall.change_emergencynotification",
    ),
    # Reads the access log and the change history of patient records in the admin
    # (needs staff status); sees no review queue and changes nothing.
    AUDITOR: (
        "audit.view_accessevent",
        "intake.view_historicalpatient",
        "intake.view_historicalintake",
        "intake.view_historicalreview",
        "intake.view_historicaladdendum",
    ),
    # Exports intake data for audit and research in every profile (/exports/); sees no
    # patient page, queue or admin.
    # Imports past intakes from a REDCap export (/imports/redcap/), as historic intakes.
    DATA_MANAGER: ("exports.export_data", "exports.export_deidentified", "imports.import_data"),
}


def sync_role_groups(apps, schema_editor) -> None:
    """Migration step: create the role groups and give each exactly its permissions."""
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module; create_permissions skips those.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = original
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = []
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                permissions.append(permission)
        group.permissions.set(permissions)


def roles_of(user) -> list[str]:
    """The roles whose permissions the user holds, in the fixed order of ROLES. Read from the
    user's permissions (ModelBackend caches them for the request once a view has checked one),
    so naming the roles in the header costs no query of its own."""
    if not user.is_authenticated:
        return []
    held = user.get_all_permissions()
    return [role for role in ROLES if set(ROLE_PERMISSIONS[role]) <= held]
