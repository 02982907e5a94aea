"""The three formats. Each writer takes the column names and kinds and an iterator of typed
rows (from `rows.cells`) and writes them as they come, never holding the whole export.

CSV and XLSX neutralise any text cell a spreadsheet would run as a formula (one starting with
`=`, `+`, `-`, `@`, a tab or a carriage return) by putting a `'` before it; numbers are written
as numbers, so a negative number in a numeric column stays a number.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter
from django.utils import timezone

from amps_screen.spreadsheets import neutralise
from exports.columns import Kind

BOM = "\ufeff"
CSV_FLUSH_ROWS = 500
PARQUET_BATCH_ROWS = 5000


class Format:
    CSV = "csv"
    XLSX = "xlsx"
    PARQUET = "parquet"
    CHOICES = (
        (CSV, "CSV (UTF-8)"),
        (XLSX, "Excel (XLSX)"),
        (PARQUET, "Parquet (typed columns)"),
    )
    CONTENT_TYPES = {
        CSV: "text/csv; charset=utf-8",
        XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        PARQUET: "application/vnd.apache.parquet",
    }


def local_naive(moment: datetime) -> datetime:
    """An aware datetime as local wall-clock time without a zone (for CSV and Excel)."""
    return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment


def _csv_datetime(value: datetime) -> str:
    return local_naive(value).strftime("%Y-%m-%d %H:%M:%S")


def _csv_date(value: date) -> str:
    return value.isoformat()


def _csv_conversions(kinds: list[str] | None, width: int) -> list[tuple[int, Callable]]:
    """(column, conversion) for the columns whose cells are not written as they are: text is
    neutralised, dates are ISO. Numbers, yes/no and checkbox cells (1/0, or labels that never
    start like a formula) and None (an empty cell) go to the csv module as they are. Without
    kinds, every column is looked at cell by cell."""
    if kinds is None:
        return [(index, _csv_any) for index in range(width)]
    by_kind = {
        Kind.TEXT: neutralise,
        Kind.NOTES: neutralise,
        Kind.CHOICE: neutralise,
        Kind.DATE: _csv_date,
        Kind.DATETIME: _csv_datetime,
    }
    return [(index, by_kind[kind]) for index, kind in enumerate(kinds) if kind in by_kind]


def _csv_any(value):
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return _csv_datetime(value)
    if isinstance(value, date):
        return _csv_date(value)
    return value


def csv_chunks(
    columns: list[str],
    rows: Iterable[list],
    *,
    bom: bool = False,
    kinds: list[str] | None = None,
) -> Iterator[bytes]:
    """The CSV export as UTF-8 byte chunks (a header line, then rows, a few hundred at a time),
    ready for a StreamingHttpResponse or a file. `kinds` (one per column) lets the writer
    convert only the columns that need it."""
    conversions = _csv_conversions(kinds, len(columns))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow(columns)
    pending = 0
    for row in rows:
        for index, convert in conversions:
            value = row[index]
            if value is not None:
                row[index] = convert(value)
        writer.writerow(row)
        pending += 1
        if pending == CSV_FLUSH_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(
    output: BinaryIO,
    columns: list[str],
    kinds: list[str],
    rows: Iterable[list],
    *,
    dictionary: list[dict[str, str]],
) -> int:
    """The XLSX export (sheet "data", then sheet "data dictionary"), written with XlsxWriter in
    constant-memory mode (each row goes to disk as soon as the next one starts). Returns the
    number of data rows."""
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet = workbook.add_worksheet("data")
    sheet.write_row(0, 0, columns)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(count, col, neutralise(value))
            elif isinstance(value, datetime):
                sheet.write_datetime(count, col, local_naive(value), datetime_format)
            elif isinstance(value, date):
                sheet.write_datetime(count, col, value, date_format)
            else:
                sheet.write_number(count, col, value)
    _write_dictionary_sheet(workbook, dictionary)
    workbook.close()
    return count


def _write_dictionary_sheet(workbook, dictionary: list[dict[str, str]]) -> None:
    sheet = workbook.add_worksheet("data dictionary")
    if not dictionary:
        return
    header = list(dictionary[0])
    sheet.write_row(0, 0, header)
    for index, row in enumerate(dictionary, start=1):
        for col, name in enumerate(header):
            sheet.write_string(index, col, neutralise(row[name]))


_ARROW_TYPES: dict[str, Callable[[bool], pa.DataType]] = {
    Kind.TEXT: lambda labels: pa.string(),
    Kind.NOTES: lambda labels: pa.string(),
    Kind.CHOICE: lambda labels: pa.string(),
    Kind.INT: lambda labels: pa.int64(),
    Kind.DECIMAL: lambda labels: pa.float64(),
    Kind.BOOL: lambda labels: pa.string() if labels else pa.bool_(),
    Kind.CHECKBOX: lambda labels: pa.string() if labels else pa.bool_(),
    Kind.DATE: lambda labels: pa.date32(),
    Kind.DATETIME: lambda labels: pa.timestamp("us", tz="UTC"),
}


def parquet_schema(
    columns: list[str], kinds: list[str], *, labels: bool, metadata: dict[str, object]
) -> pa.Schema:
    """Typed columns; the data dictionary and the export's settings in the file metadata."""
    fields = [
        pa.field(name, _ARROW_TYPES[kind](labels))
        for name, kind in zip(columns, kinds, strict=True)
    ]
    encoded = {f"amps_screen.{key}": json.dumps(value) for key, value in metadata.items()}
    return pa.schema(fields, metadata=encoded)


def write_parquet(
    output: BinaryIO, schema: pa.Schema, rows: Iterable[list], *, labels: bool
) -> int:
    """The Parquet export, written in row groups of PARQUET_BATCH_ROWS; returns the row count."""
    bool_columns = [index for index, field in enumerate(schema) if pa.types.is_boolean(field.type)]
    writer = pq.ParquetWriter(output, schema, compression="zstd")
    count = 0
    batch: list[list] = []
    try:
        for row in rows:
            for index in bool_columns:
                if row[index] is not None:
                    row[index] = bool(row[index])
            batch.append(row)
            if len(batch) == PARQUET_BATCH_ROWS:
                writer.write_batch(_record_batch(schema, batch))
                count += len(batch)
                batch = []
        if batch or not count:
            writer.write_batch(_record_batch(schema, batch))
            count += len(batch)
    finally:
        writer.close()
    return count


def _record_batch(schema: pa.Schema, rows: list[list]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.RecordBatch.from_arrays(
        [pa.array(column, type=field.type) for column, field in zip(columns, schema, strict=True)],
        schema=schema,
    )
