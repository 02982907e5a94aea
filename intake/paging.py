"""Paging whose cost does not grow with the table: counts stop at a bound, so a page never
counts (or skips) more rows than the bound, however many intakes the clinic has seen."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

#: Rows a list pages through at most; past it, the page says "more" and asks for a narrower search.
ROW_LIMIT = 1000


def bounded_count(queryset, limit: int = ROW_LIMIT) -> int:
    """How many rows, counted up to limit + 1 (COUNT over a LIMIT subquery): limit + 1 means
    "more than limit"."""
    return queryset[: limit + 1].count()


def bounded_counts(querysets: dict, limit: int = ROW_LIMIT) -> dict:
    """bounded_count of each queryset, all in one statement: the ORM writes each bounded
    subquery, and one SELECT reads their counts side by side (a page's query count stays
    the same however many counts it shows)."""
    if not querysets:
        return {}
    parts, params = [], []
    database = next(iter(querysets.values())).db
    for queryset in querysets.values():
        sql, sql_params = queryset.order_by().values("pk")[: limit + 1].query.sql_with_params()
        # The SQL is the ORM's own, its values passed as parameters: nothing typed is inlined.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded)")  # noqa: S608
        params.extend(sql_params)
    with connections[database].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


class BoundedPaginator(Paginator):
    """A Paginator over at most `limit` rows: its count is bounded (see bounded_count), and
    `more` says whether rows beyond the last page exist. A known count (e.g. from counts per
    outcome) can be given instead of counting again."""

    def __init__(self, object_list, per_page, *, limit: int = ROW_LIMIT, known_count=None):
        super().__init__(object_list, per_page)
        self.limit = limit
        self._known = known_count

    @cached_property
    def counted(self) -> int:
        if self._known is not None:
            return self._known
        return bounded_count(self.object_list, self.limit)

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.limit)

    @property
    def more(self) -> bool:
        return self.counted > self.limit
