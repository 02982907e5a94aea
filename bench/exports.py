"""Exports benchmark: N intakes (100,000 by default) to Parquet, CSV and XLSX, each in a fresh
process, with its wall time and the peak memory (RSS) of the exporting process.

    .venv/bin/python bench/exports.py                     # SQLite, 100,000 intakes
    BENCH_INTAKES=3000 .venv/bin/python bench/exports.py  # a small-scale look
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/amps_screen .venv/bin/python bench/exports.py

The database is one of its own (`<name>_exports_bench` on PostgreSQL, or
amps_screen_exports_bench.sqlite3 in the temporary directory), migrated and seeded once with
`seed_demo --intakes` and kept between runs. Each export is `exports.services.write_export`
(de-identified: a pseudonym and a date shift per row) into a temporary file; the figures are
written to bench/exports_results.json. Never part of `make test`.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LARGE = int(os.environ.get("BENCH_INTAKES", "100000"))
FORMATS = ("parquet", "csv", "xlsx")
TARGET_SECONDS, TARGET_MB = 20.0, 300.0
RESULTS = ROOT / "bench" / "exports_results.json"
ENV = {
    "DJANGO_SETTINGS_MODULE": "amps_screen.settings",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789",
    "AMPS_EXPORT_PSEUDONYM_KEY": "bench-only-pseudonym-key-0123456789-abcdefghij",
    "AMPS_REQUIRE_2FA": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
}


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{Path(tempfile.gettempdir()) / 'amps_screen_exports_bench.sqlite3'}"
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_exports_bench"
    import psycopg

    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def prepare(env: dict) -> int:
    """Migrate and seed the bench database up to LARGE submitted intakes; return the count."""
    manage(env, "migrate", "--no-input", "-v", "0")
    count = int(
        manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from intake.models import Intake; print(Intake.objects.submitted().count())",
        ).split()[-1]
    )
    if count < LARGE:
        print(f"Seeding {LARGE - count:,} synthetic intakes (once; kept for later runs)…")
        manage(env, "seed_demo", "--intakes", str(LARGE - count), "--seed", "5")
        count = LARGE
        if env["DATABASE_URL"].startswith("postgres"):
            import psycopg

            # As autovacuum would after a bulk load: without statistics the plans are poor.
            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
                connection.execute("VACUUM ANALYZE")
    return count


def child(fmt: str) -> None:
    """In a fresh process: one export, then its time, rows and peak RSS as JSON."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from exports import services
    from exports.rows import ExportOptions

    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryFile() as output:
        rows = services.write_export(
            options=ExportOptions(profile="deidentified"), fmt=fmt, output=output
        )
        size = output.tell()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(
        json.dumps(
            {"rows": rows, "seconds": seconds, "cpu": cpu, "peak_mb": peak_kb / 1024, "bytes": size}
        )
    )


def main() -> int:
    env = {**os.environ, **ENV, "DATABASE_URL": bench_database_url()}
    database = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    count = prepare(env)
    print(f"Exports of {count:,} intakes ({database}), de-identified, one process each:")
    results = []
    for fmt in FORMATS:
        done = subprocess.run(  # noqa: S603 - this script, fixed arguments
            [sys.executable, __file__, "--child", fmt],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        figures.update(format=fmt, database=database, intakes=count)
        met = figures["seconds"] < TARGET_SECONDS and figures["peak_mb"] < TARGET_MB
        figures["target_met"] = met if count >= 100_000 else None
        results.append(figures)
        print(
            f"  {fmt:<8} {figures['rows']:>8,} rows  {figures['seconds']:7.2f} s "
            f"(CPU {figures['cpu']:6.2f} s)  "
            f"peak RSS {figures['peak_mb']:6.1f} MB  {figures['bytes'] / 1e6:7.1f} MB file"
        )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    if count < 100_000:
        print("Small-scale run: the targets (100,000 in < 20 s, < 300 MB) are not judged.")
        return 0
    return 0 if all(r["target_met"] for r in results if r["format"] != "xlsx") else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main())
