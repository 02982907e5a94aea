"""The reviewers' agreement figures as counters: per day, criteria set version and key, how
many reviews were signed and how many of them agreed. The review service adds a signature's
counts in its own transaction (intake.services.reviews); `recount_agreement` rebuilds them
all from the reviews (the migration that made them, `manage.py recount_agreement`, the demo
data).

Reviews are never deleted and never change once signed, so the counters only go up."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connections, models, transaction
from django.utils import timezone

from intake.rules import review as review_rules


class AgreementKind(models.TextChoices):
    VERSION = "version", "All reviews of the version"
    CODE = "code", "Reviews with the red flag or pathway matched"
    OVERRIDE_REASON = "override_reason", "Overrides with the reason"


class AgreementCount(models.Model):
    """The reviews signed on one day (in the clinic's time zone) of screenings made under one
    criteria set version: all of them (kind "version", key ""), those that matched one code,
    or the overrides with one reason; `agreed` of them agreed with the suggestion."""

    day = models.DateField()
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=AgreementKind.choices)
    # A criterion's code (a slug of up to 60) or an override reason; "" for the version.
    key = models.CharField(max_length=60, blank=True)
    total = models.PositiveIntegerField(default=0)
    agreed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Its index leads with the day: the figures read the days of a window along it.
            models.UniqueConstraint(
                fields=["day", "version", "kind", "key"], name="agreement_count_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(agreed__lte=models.F("total")),
                name="agreement_count_agreed_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} v{self.version} {self.kind} {self.key}: {self.agreed}/{self.total}"


def agreement_keys(
    *, decision: str, override_reason: str, codes: Iterable[str]
) -> list[tuple[str, str]]:
    """The (kind, key) counters one signed review adds to, in one fixed order (the version,
    its codes sorted, the override reason), so that concurrent signatures that create the
    same rows create them in the same order."""
    keys = [(AgreementKind.VERSION.value, "")]
    keys += [(AgreementKind.CODE.value, code) for code in sorted(set(codes))]
    if decision == review_rules.OVERRIDE:
        keys.append((AgreementKind.OVERRIDE_REASON.value, override_reason))
    return keys


def recount_agreement(review_model, count_model, *, using: str = "default") -> tuple[int, int]:
    """Rebuild every counter from the signed reviews, in one transaction; returns (reviews
    read, counter rows written). Takes the model classes, so that the migration can pass its
    historical ones.

    On PostgreSQL the counter table is locked against writes first (reads go on): a signature
    that counted before waits to commit, so its review is read here; one that counts after
    waits for this transaction, then adds to the new rows. On SQLite deleting the rows first
    takes the database's one write lock, so no signature commits while the reviews are read."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(count_model._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        count_model.objects.using(using).all().delete()
        rows = review_model.objects.using(using).values_list(
            "signed_at",
            "decision",
            "override_reason",
            "screening__criteria_set__version",
            "screening__red_flags",
            "screening__pathways",
        )
        reviews = 0
        for signed_at, decision, reason, version, red_flags, pathways in rows.iterator(2000):
            reviews += 1
            day: dt.date = timezone.localdate(signed_at)
            agreed = int(decision == review_rules.AGREE)
            for kind, key in agreement_keys(
                decision=decision, override_reason=reason, codes=[*red_flags, *pathways]
            ):
                counts = totals[day, version, kind, key]
                counts[0] += 1
                counts[1] += agreed
        count_model.objects.using(using).bulk_create(
            (
                count_model(day=day, version=version, kind=kind, key=key, total=n, agreed=a)
                for (day, version, kind, key), (n, a) in totals.items()
            ),
            batch_size=1000,
        )
    return reviews, len(totals)
