"""Django's ModelBackend, reading a signed-in user and their permissions in one statement.

Every signed-in page loads the user from the session and checks a permission. ModelBackend
does that in three round trips: the user, then two ORM queries for the permissions (the
user's own, then their groups'), which alone cost ~2.5 ms a request to build. This backend
reads the user row with the names of all their permissions in one SQL statement, and gives
the same answers (tests/test_auth_backend.py compares both on every kind of user). Only
these two paths change: superusers, per-source lookups and `with_perm` are Django's.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection

# How each database joins a column of rows into one string (others fall back to Django's).
_STRING_AGGREGATE = {"postgresql": "string_agg({}, ' ')", "sqlite": "group_concat({}, ' ')"}


@cache
def _tables() -> dict[str, str]:
    """The quoted table names of the installed models (never user input)."""
    user_model = get_user_model()
    tables = {
        "user": user_model._meta.db_table,
        "permission": Permission._meta.db_table,
        "content_type": ContentType._meta.db_table,
        "user_permissions": user_model.user_permissions.through._meta.db_table,
        "user_groups": user_model.groups.through._meta.db_table,
        "group_permissions": Group.permissions.through._meta.db_table,
    }
    return {name: connection.ops.quote_name(table) for name, table in tables.items()}


# The ids of a user's permissions, their own and their groups' (two parameters: the user's id).
_PERMISSION_IDS = (
    "SELECT permission_id FROM {user_permissions} WHERE user_id = %s"
    " UNION SELECT gp.permission_id FROM {group_permissions} gp"
    " JOIN {user_groups} ug ON ug.group_id = gp.group_id WHERE ug.user_id = %s"
)
# A user's permissions as rows of (app label, codename).
_PERMISSIONS = (
    "SELECT ct.app_label, p.codename"
    " FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id"
    " WHERE p.id IN ({permission_ids})"
)
# The user row plus `permission_names`: "app_label.codename", joined by spaces.
_USER = (
    "SELECT u.*, (SELECT {names}"
    " FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id"
    " WHERE p.id IN ({permission_ids})) AS permission_names"
    " FROM {user} u WHERE u.id = %s"
)


def _statement(template: str, **parts: str) -> str:
    """A statement above with the quoted table names of the installed models: no value from
    outside the code is formatted in (values travel as parameters)."""
    permission_ids = _PERMISSION_IDS.format(**_tables())
    return template.format(permission_ids=permission_ids, **parts, **_tables())


@cache
def _permissions_sql() -> str:
    return _statement(_PERMISSIONS)


@cache
def _user_sql() -> str | None:
    aggregate = _STRING_AGGREGATE.get(connection.vendor)
    if aggregate is None:
        return None
    return _statement(_USER, names=aggregate.format("ct.app_label || '.' || p.codename"))


class OneQueryModelBackend(ModelBackend):
    def get_user(self, user_id):
        sql = _user_sql()
        if sql is None:
            return super().get_user(user_id)
        user_model = get_user_model()
        try:
            user_id = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = next(iter(user_model._default_manager.raw(sql, [user_id] * 3)), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        if user.is_active and not user.is_superuser:
            user._perm_cache = set((user.permission_names or "").split())
        del user.permission_names
        return user

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser or hasattr(user_obj, "_perm_cache"):
            return super().get_all_permissions(user_obj, obj)
        with connection.cursor() as cursor:
            cursor.execute(_permissions_sql(), [user_obj.pk, user_obj.pk])
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in cursor}
        return user_obj._perm_cache
