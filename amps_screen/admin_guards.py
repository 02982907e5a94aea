"""What every ModelAdmin of ours adds to Django's: a changelist filters only by the filters it
shows, and a query string or URL that cannot name anything is a 400 or a 404, never a 500.

Django's admin accepts any lookup on a model's own fields in the query string
(`?intake__contains=x`, `?notes__regex=(`), some of which the database cannot run (JSON
containment on SQLite) or refuses (a bad regular expression); and a date-hierarchy year such
as 99999999999999999999 overflows while the dates are worked out. The history pages of
django-simple-history read the ids in their URL as numbers without checking them.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404

# The query-string suffixes Django's own list filters use for a field path.
FILTER_SUFFIXES = ("exact", "isnull", "gte", "lt")
DATE_HIERARCHY_PARTS = ("year", "month", "day")
# The largest id a database stores (a 64-bit signed integer).
LARGEST_ID = 2**63 - 1


class GuardedChangeListMixin:
    """Filters come from `list_filter` and `date_hierarchy` only; a value they cannot read is
    a 400 with Django's "bad request" page."""

    def lookup_allowed(self, lookup, value, request):
        allowed = _filter_parameters(self, request)
        return lookup in allowed and super().lookup_allowed(lookup, value, request)

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (IncorrectLookupParameters, ValueError, OverflowError) as error:
            raise BadRequest("These filters cannot be read.") from error


class GuardedHistoryMixin:
    """django-simple-history's pages answer 404 for an object or version id that is not one."""

    def history_view(self, request, object_id, extra_context=None):
        _check_id(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _check_id(self.model._meta.pk, unquote(object_id))
        _check_id(self.model.history.model._meta.pk, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


def _filter_parameters(model_admin, request) -> set[str]:
    parameters = set()
    for entry in model_admin.get_list_filter(request):
        if isinstance(entry, str | tuple | list):
            path = entry if isinstance(entry, str) else entry[0]
            parameters.update(f"{path}__{suffix}" for suffix in FILTER_SUFFIXES)
            field = get_fields_from_path(model_admin.model, path)[-1]
            if field.is_relation:
                parameters.add(f"{path}__{field.target_field.name}__exact")
        else:  # a SimpleListFilter class
            parameters.add(entry.parameter_name)
    if model_admin.date_hierarchy:
        parameters.update(f"{model_admin.date_hierarchy}__{part}" for part in DATE_HIERARCHY_PARTS)
    return parameters


def _check_id(field, value) -> None:
    try:
        number = field.to_python(value)
    except ValidationError:
        raise Http404("No such record.") from None
    if isinstance(number, int) and not 0 < number <= LARGEST_ID:
        raise Http404("No such record.")
