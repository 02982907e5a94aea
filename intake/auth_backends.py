"""Django's ModelBackend, reading a signed-in user and their permissions in one statement.

Every signed-in page loads the user from the session and checks a permission. ModelBackend
does that in three round trips: the user, then two ORM queries for the permissions (the
user's own, then their groups'), which alone cost ~2.5 ms a request to build. This backend
reads the user row with the names of all their permissions in one SQL statement, and gives
the same answers (tests/test_auth_backend.py compares both on every kind of user). Only
loading the session's user changes: the permission checks are ModelBackend's, which find
the permissions already cached on the user (a user loaded otherwise gets Django's queries).
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


# The user row plus `permission_names`: the "app_label.codename" of each of their own and
# their groups' permissions, joined by spaces. Three parameters, each the user's id.
_USER = (
    "SELECT u.*, (SELECT {names}"
    " FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id"
    " WHERE p.id IN ("
    "SELECT permission_id FROM {user_permissions} WHERE user_id = %s"
    " UNION SELECT gp.permission_id FROM {group_permissions} gp"
    " JOIN {user_groups} ug ON ug.group_id = gp.group_id WHERE ug.user_id = %s"
    ")) AS permission_names"
    " FROM {user} u WHERE u.id = %s"
)


@cache
def _user_sql() -> str | None:
    """The statement with the quoted table names of the installed models: no value from
    outside the code is formatted in (the user's id travels as a parameter)."""
    aggregate = _STRING_AGGREGATE.get(connection.vendor)
    if aggregate is None:
        return None
    names = aggregate.format("ct.app_label || '.' || p.codename")
    return _USER.format(names=names, **_tables())


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
