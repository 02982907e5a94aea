"""Exports of intakes for audit and research: one row per intake (visit), in CSV, XLSX or
Parquet, identified, limited or de-identified, with a data dictionary. Every export is an entry
in the access log."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.db.models import Count, Max
from django.utils import timezone

from audit.access import AccessAction, record_access
from exports import writers
from exports.columns import Profile
from exports.dictionary import dictionary_rows
from exports.pseudonyms import pseudonym_key
from exports.rows import ExportOptions, layout_rows, select_intakes, visits
from exports.writers import Format

__all__ = [
    "Download",
    "ExportNotAllowed",
    "ExportOptions",
    "Format",
    "Profile",
    "allowed_profiles",
    "check_allowed",
    "count_rows",
    "csv_stream",
    "export_to_file",
    "log_export",
    "prepare_download",
    "write_export",
    "write_export_to_temporary_file",
]


class ExportNotAllowed(Exception):
    """The user may not export this profile (or needs to state a purpose)."""


def allowed_profiles(user) -> list[str]:
    """The profiles `user` may export: every one with export_data, de-identified only with
    export_deidentified, none otherwise."""
    if user.has_perm("exports.export_data"):
        return [Profile.IDENTIFIED, Profile.LIMITED, Profile.DEIDENTIFIED]
    if user.has_perm("exports.export_deidentified"):
        return [Profile.DEIDENTIFIED]
    return []


def check_allowed(*, user, options: ExportOptions, purpose: str) -> None:
    """Refuse an export `user` may not make, an identified one without a stated purpose
    (ExportNotAllowed), and a pseudonymised one without a key (PseudonymKeyMissing). `user`
    None is an operator at the command line (who can read the database anyway)."""
    if user is not None and options.profile not in allowed_profiles(user):
        raise ExportNotAllowed(f"You may not make {options.profile} exports.")
    if options.profile == Profile.IDENTIFIED:
        if not purpose.strip():
            raise ExportNotAllowed("An identified export needs a stated purpose.")
    else:
        pseudonym_key()


#: How often (rows) an export reports its progress.
PROGRESS_EVERY = 1000


class _Counted:
    """The visits of an export, counted as they are read (a REDCap layout adds a patient row
    to each patient: the count, the progress and the log are of intakes)."""

    def __init__(self, options, limit_pk, progress):
        self.options, self.limit_pk, self.progress, self.done = options, limit_pk, progress, 0

    def __iter__(self):
        progress = self.progress
        for visit in visits(self.options, upto_pk=self.limit_pk):
            yield visit
            self.done += 1
            if progress is not None and self.done % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
        if progress is not None and self.done % PROGRESS_EVERY:
            progress(self.done % PROGRESS_EVERY)


def _rows(
    options: ExportOptions,
    limit_pk: int | None,
    progress: Callable[[int], None] | None = None,
    counted: _Counted | None = None,
) -> Iterator[list]:
    counted = counted or _Counted(options, limit_pk, progress)
    return layout_rows(options, iter(counted))


def count_rows(options: ExportOptions) -> tuple[int, int]:
    """How many intakes the export has now, and the highest intake id among them: a stream
    started after this count stops at that id, so the logged count is what was sent."""
    state = select_intakes(options).aggregate(rows=Count("pk"), last=Max("pk"))
    return state["rows"], state["last"] or 0


def csv_stream(
    options: ExportOptions,
    *,
    bom: bool,
    upto_pk: int | None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The CSV export as byte chunks, for a StreamingHttpResponse or a file."""
    rows = _rows(options, upto_pk, progress)
    return writers.csv_chunks(options.column_names(), rows, bom=bom, kinds=options.column_kinds())


def write_export(
    *,
    options: ExportOptions,
    fmt: str,
    output: BinaryIO,
    bom: bool = False,
    progress: Callable[[int], None] | None = None,
    counted: tuple[int, int] | None = None,
) -> int:
    """Write the whole export to `output` (a binary file); returns the number of rows.
    `progress(n)` is called as every PROGRESS_EVERY rows are written (and for the rest).
    `counted` is what count_rows gave the caller, if it counted already (CSV stops there)."""
    if fmt == Format.CSV:
        count, last = counted or count_rows(options)
        for chunk in csv_stream(options, bom=bom, upto_pk=last, progress=progress):
            output.write(chunk)
        return count
    columns, kinds = options.column_names(), options.column_kinds()
    counted = _Counted(options, None, progress)
    rows = _rows(options, None, counted=counted)
    dictionary = dictionary_rows(options.profile, options.layout)
    if fmt == Format.XLSX:
        writers.write_xlsx(output, columns, kinds, rows, dictionary=dictionary)
        return counted.done
    if fmt == Format.PARQUET:
        schema = writers.parquet_schema(
            columns,
            kinds,
            labels=options.labels,
            metadata={
                "data_dictionary": dictionary,
                "profile": options.profile,
                "layout": options.layout,
                "filters": options.file_filters(),
            },
        )
        writers.write_parquet(output, schema, rows, labels=options.labels)
        return counted.done
    raise ValueError(f"Unknown export format {fmt!r}")


def write_export_to_temporary_file(*, options: ExportOptions, fmt: str) -> tuple[BinaryIO, int]:
    """Write an XLSX or Parquet export to an anonymous temporary file (gone once closed), and
    return it rewound with the row count: the response streams the file, never a buffer."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    try:
        count = write_export(options=options, fmt=fmt, output=output)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output, count


@dataclass(frozen=True)
class Download:
    """An export ready to send: CSV as a stream of byte chunks (`chunks`), XLSX and Parquet as
    a rewound temporary file (`file`, gone once closed); `rows` as logged."""

    filename: str
    content_type: str
    rows: int
    chunks: Iterator[bytes] | None = None
    file: BinaryIO | None = None


def prepare_download(
    *,
    request,
    options: ExportOptions,
    fmt: str,
    bom: bool = False,
    purpose: str = "",
    counted: tuple[int, int] | None = None,
) -> Download:
    """Check the export is allowed, log it, and make it ready to send. CSV is counted (unless
    the caller passes what count_rows gave it as `counted`), logged, then streamed (stopping
    at the intakes counted); XLSX and Parquet are written to a temporary file in chunks, then
    logged with the rows written. Raises ExportNotAllowed or PseudonymKeyMissing before
    anything is read."""
    check_allowed(user=request.user, options=options, purpose=purpose)
    filename = f"amps-intakes-{options.profile}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
    content_type = Format.CONTENT_TYPES[fmt]
    if fmt == Format.CSV:
        rows, last = counted or count_rows(options)
        log_export(request=request, options=options, fmt=fmt, rows=rows, purpose=purpose)
        chunks = csv_stream(options, bom=bom, upto_pk=last)
        return Download(filename, content_type, rows, chunks=chunks)
    file, rows = write_export_to_temporary_file(options=options, fmt=fmt)
    log_export(request=request, options=options, fmt=fmt, rows=rows, purpose=purpose)
    return Download(filename, content_type, rows, file=file)


def export_to_file(
    *,
    user,
    options: ExportOptions,
    fmt: str,
    path: str,
    bom: bool = False,
    purpose: str = "",
    client: str = "",
) -> int:
    """Check, write the export to `path`, and log it (as `user`, or as `client` when None);
    returns the rows written. Raises ExportNotAllowed, PseudonymKeyMissing (nothing written)
    or OSError."""
    check_allowed(user=user, options=options, purpose=purpose)
    with private_file(path) as output:
        rows = write_export(options=options, fmt=fmt, output=output, bom=bom)
    log_export(user=user, options=options, fmt=fmt, rows=rows, purpose=purpose, client=client)
    return rows


def private_file(path: str) -> BinaryIO:
    """`path` opened for writing, readable and writable by its owner only (0600), whatever the
    umask: an export is patient data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that was there already keeps its mode otherwise
    return os.fdopen(descriptor, "wb")


def log_export(
    *,
    request=None,
    user=None,
    options: ExportOptions,
    fmt: str,
    rows: int,
    purpose: str = "",
    client: str = "",
    job: str = "",
):
    """The export's access-log entry (no patient: it spans many): who, profile, format,
    filters, row count, the stated purpose when there is one, and the background job that
    wrote it."""
    detail = {
        "profile": options.profile,
        "format": fmt,
        "filters": options.filters(),
        "rows": rows,
    }
    if purpose:
        detail["purpose"] = purpose
    if job:
        detail["job"] = job
    return record_access(
        request, user=user, action=AccessAction.EXPORTED, detail=detail, client=client
    )
