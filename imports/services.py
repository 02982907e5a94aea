"""A REDCap import, checked or carried out: read the plan, store it in one transaction when every
row is valid and it is not a dry run, and log it in the access log either way (a dry run reads
which MRNs are known here, so it is logged too)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from audit.access import AccessAction, record_access
from imports.redcap import ImportPlan, ImportRefused, RowError, read_plan
from intake.services import HistoricConflict, import_historic_intakes

__all__ = ["ImportOutcome", "ImportRefused", "RowError", "run_import"]


@dataclass
class ImportOutcome:
    dry_run: bool
    layout: str
    rows: int
    patients: int
    known_patients: int
    intakes: int
    errors: list[RowError] = field(default_factory=list)
    not_read: list[str] = field(default_factory=list)
    imported: bool = False
    criteria_version: int | None = None

    def summary(self) -> dict:
        """For the access log and a job's result: counts and names of columns, never a value."""
        return {
            "dry_run": self.dry_run,
            "layout": self.layout,
            "rows": self.rows,
            "patients": self.patients,
            "known_patients": self.known_patients,
            "intakes": self.intakes,
            "errors": len(self.errors),
            "imported": self.imported,
            "criteria_version": self.criteria_version,
        }


def run_import(
    *,
    dictionary: bytes,
    data: bytes,
    user,
    dry_run: bool,
    request=None,
    client: str = "",
    job: str = "",
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Check both files and every row; unless `dry_run`, store every patient and visit as
    historic intakes screened with the published criteria (all or nothing). Raises
    ImportRefused when a file cannot be read at all (nothing logged: nothing was read). The
    import (or dry run) is logged as `user`, with its counts."""

    def total(rows: int) -> None:
        # An import reads, screens, then stores each row: the last third (one transaction)
        # is counted when it commits, so the bar waits there rather than at 100%.
        if on_total is not None:
            on_total(rows if dry_run else 3 * rows)

    plan: ImportPlan = read_plan(dictionary, data, progress=progress, on_total=total)
    outcome = ImportOutcome(
        dry_run=dry_run,
        layout=plan.layout,
        rows=plan.rows,
        patients=len(plan.patients),
        known_patients=plan.known_patients,
        intakes=plan.intakes,
        errors=list(plan.errors),
        not_read=plan.not_read,
    )
    if plan.valid and not dry_run:
        try:  # all or nothing: the service stores everything in one transaction
            stored = import_historic_intakes(patients=plan.patients, user=user, progress=progress)
        except HistoricConflict as conflict:
            outcome.errors = [
                RowError(conflict.mrn, "patient row", 0, conflict.fields[0], str(conflict))
            ]
        else:
            outcome.imported = True
            outcome.criteria_version = stored.criteria_version
            if progress is not None:
                progress(plan.rows)
    _log(outcome, request=request, user=user, client=client, job=job)
    return outcome


def _log(outcome: ImportOutcome, *, request, user, client, job):
    detail = {"redcap_import": True, **outcome.summary()}
    if job:
        detail["job"] = job
    return record_access(
        request,
        user=user,
        action=AccessAction.IMPORTED,
        detail=detail,
        client=client,
    )
