"""The history pages of a criteria set: the changes to its criteria, with a diff each."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from intake.models import CriteriaSet, Criterion


class ReadableHistory(HistoricalRecordContextHelper):
    """simple-history's diff of two records, in words: no user is "—" (never "Deleted user
    (pk=None)"), a time is in the clinic's time zone, a yes/no is yes or no."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if isinstance(value, DeletedObject):
            return "—" if value.pk is None else f"(removed, #{value.pk})"
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, datetime):
            return date_format(timezone.localtime(value), "j M Y, H:i T")
        return value


CRITERIA_HISTORY_LIMIT = 200


def criteria_history(criteria_set: CriteriaSet) -> list[dict]:
    """The latest changes to a set's criteria (newest first): when, who, which criterion, and
    for a change each field's old and new value."""
    model = Criterion.history.model
    records = list(
        model.objects.filter(criteria_set_id=criteria_set.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: CRITERIA_HISTORY_LIMIT + 1]
    )
    records = records[:CRITERIA_HISTORY_LIMIT]
    previous_of: dict = {}
    # Earlier records of the same criterion, to diff against (one more query at most).
    ids = {record.id for record in records}
    earlier = (
        model.objects.filter(id__in=ids).order_by("id", "history_date", "history_id").iterator()
    )
    by_id: dict[int, list] = {}
    for record in earlier:
        by_id.setdefault(record.id, []).append(record)
    for chain in by_id.values():
        for before, after in zip(chain, chain[1:], strict=False):
            previous_of[after.history_id] = before
    rows = []
    for record in records:
        previous = previous_of.get(record.history_id)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=["criteria_set"])
            helper = ReadableHistory(Criterion, record)
            changes = helper.context_for_delta_changes(delta)
        rows.append(
            {
                "record": record,
                "code": record.code,
                "type": record.get_history_type_display(),
                "changes": changes,
            }
        )
    return rows
