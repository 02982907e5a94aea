"""`make bench`: the figures of design.md's performance targets, measured on this machine.

Prints one table and writes bench/results.json. Each figure is the median of repeated runs.
The PostgreSQL benchmarks (impact preview, review queue) need DATABASE_URL and are skipped
with a note without it. Everything runs in a database of its own (`<name>_bench`, or
/tmp/amps_screen_bench.sqlite3), kept between runs so that 100,000 intakes are seeded once.
Never part of `make test`.
"""

import io
import itertools
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amps_screen.settings")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("AMPS_REQUIRE_2FA", "0")
# Building 100,000 intakes is not a page: no statement timeout, as for manage.py commands.
os.environ.setdefault("AMPS_DB_STATEMENT_TIMEOUT_MS", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Pages are rendered without `collectstatic`, as in the tests.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.handwritten import triage, triage_traced  # noqa: E402
from bench.jsonlogic import to_jsonlogic  # noqa: E402
from intake.demo import synthetic_intakes  # noqa: E402
from intake.rules import CompiledCriteria, derive  # noqa: E402
from intake.rules.defaults import DEFAULT_CRITERIA  # noqa: E402

EXAMPLES = json.loads((ROOT / "fixtures" / "examples" / "intakes.json").read_text())
LARGE = int(os.environ.get("BENCH_INTAKES", "100000"))
RESULTS = ROOT / "bench" / "results.json"
# Unique MRNs for the submit benchmark, however often it runs in one process.
MRN_NUMBERS = itertools.count()
MRN_RUN = secrets.token_hex(4)  # the benchmark database is kept between runs


def median_of(runs: int, measure) -> float:
    return statistics.median(measure() for _ in range(runs))


def seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# -- 1. the engine -------------------------------------------------------------------------------


def bench_engine() -> list[dict]:
    """µs per intake: the engine with and without its trace, the same criteria written by
    hand (codes only, and with the same trace), and json-logic on the same criteria."""
    from json_logic import jsonLogic

    facts = [derive(values) for values, *_ in synthetic_intakes(600, examples=EXAMPLES, seed=1)]
    facts += [
        derive({k: v for k, v in e.items() if k not in ("id", "clinical_notes")}) for e in EXAMPLES
    ]
    engine = CompiledCriteria(DEFAULT_CRITERIA)
    rules = [(c["code"], c["kind"], to_jsonlogic(c["expression"])) for c in DEFAULT_CRITERIA]

    def by_jsonlogic(f):
        matched = {"red_flag": [], "amps_pathway": [], "caveat": []}
        for code, kind, rule in rules:
            if jsonLogic(rule, f):
                matched[kind].append(code)
        red, pathways = matched["red_flag"], matched["amps_pathway"]
        outcome = "refer" if red else "consider_amps" if pathways else "indeterminate"
        return outcome, red, pathways, matched["caveat"]

    def same(result):
        outcome, *codes = result
        return outcome, [sorted(group) for group in codes]

    # All three must agree before their speed means anything.
    for f in facts:
        result = engine.evaluate(f, trace=False)
        ours = same((result.outcome, result.red_flags, result.pathways, result.caveats))
        assert ours == same(triage(f)) == same(triage_traced(f)[:4]) == same(by_jsonlogic(f)), f

    def run_all(function):
        for f in facts:  # each result is dropped at once, as when screening one intake
            function(f)

    def per_intake_us(function, runs=7) -> float:
        return median_of(runs, lambda: seconds(lambda: run_all(function))) / len(facts) * 1e6

    figures = {
        "engine, full trace": per_intake_us(lambda f: engine.evaluate(f, trace=True)),
        "engine, no trace": per_intake_us(lambda f: engine.evaluate(f, trace=False)),
        "hand-written, same trace": per_intake_us(triage_traced),
        "hand-written, codes only": per_intake_us(triage),
        "json-logic": per_intake_us(by_jsonlogic, runs=3),
    }
    traced_ratio = figures["engine, full trace"] / figures["hand-written, same trace"]
    rows = [
        {"benchmark": "engine", "figure": name, "value": round(value, 2), "unit": "µs/intake"}
        for name, value in figures.items()
    ]
    rows += [
        {
            "benchmark": "engine",
            "figure": "engine with trace ÷ hand-written with trace",
            "value": round(traced_ratio, 2),
            "unit": "×",
            "target": "≤ 3",
            "met": traced_ratio <= 3,
        },
        {
            "benchmark": "engine",
            "figure": "engine, no trace ÷ hand-written, codes only",
            "value": round(figures["engine, no trace"] / figures["hand-written, codes only"], 2),
            "unit": "×",
        },
        {
            "benchmark": "engine",
            "figure": "json-logic ÷ engine with trace",
            "value": round(figures["json-logic"] / figures["engine, full trace"], 2),
            "unit": "×",
        },
        {
            "benchmark": "engine",
            "figure": "engine with trace, median per intake",
            "value": round(figures["engine, full trace"], 2),
            "unit": "µs",
            "target": "< 50",
            "met": figures["engine, full trace"] < 50,
        },
    ]
    return rows


# -- 2. evaluate_intakes on 20,000 ----------------------------------------------------------------


def bench_evaluate_intakes() -> list[dict]:
    """`manage.py evaluate_intakes` on 20,000 intakes, and next to it (interleaved, same file)
    the hand-written standard-library evaluator of the same criteria (version 1,
    bench/oracle_evaluate.py) against `evaluate_intakes --criteria-set 1`."""
    from bench.oracle_evaluate import evaluate_file

    count = 20_000
    intakes = [values for values, *_ in synthetic_intakes(count, examples=EXAMPLES, seed=2)]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(intakes, handle)
        path = handle.name

    def command(*options):
        out = io.StringIO()
        return seconds(lambda: call_command("evaluate_intakes", path, *options, stdout=out))

    try:
        published = median_of(3, command)
        ours, oracle = [], []
        for _ in range(5):
            ours.append(command("--criteria-set", "1"))
            oracle.append(seconds(lambda: evaluate_file(path)))
    finally:
        os.unlink(path)
    ours_s, oracle_s = statistics.median(ours), statistics.median(oracle)
    ratio = ours_s / oracle_s
    row = {"benchmark": "evaluate_intakes"}
    return [
        {**row, "figure": f"{count:,} intakes, end to end", "value": round(published, 2),
         "unit": "s"},
        {**row, "figure": "per intake", "value": round(published / count * 1e6, 1), "unit": "µs"},
        {**row, "figure": "version 1 (--criteria-set 1), end to end", "value": round(ours_s, 2),
         "unit": "s"},
        {**row, "figure": "hand-written stdlib evaluator, version 1", "value": round(oracle_s, 2),
         "unit": "s"},
        {**row, "figure": "evaluate_intakes ÷ hand-written (version 1)", "value": round(ratio, 2),
         "unit": "×", "target": "≤ 2", "met": ratio <= 2},
    ]  # fmt: skip


# -- 3 and 4: impact preview and the review queue on 100,000 (PostgreSQL) -----------------------


def seed_large() -> None:
    from intake.models import Intake

    # Screened intakes are what the impact preview and the queue read.
    present = Intake.objects.submitted().filter(current_screening__isnull=False).count()
    if present < LARGE:
        print(
            f"Seeding {LARGE - present:,} synthetic intakes (once; kept for later runs)…",
            flush=True,
        )
        call_command(
            "seed_demo", "--intakes", str(LARGE - present), "--seed", "3", stdout=io.StringIO()
        )
        with connection.cursor() as cursor:  # as autovacuum would, after a bulk load
            cursor.execute("VACUUM ANALYZE")


def bench_impact() -> list[dict]:
    from intake import services
    from intake.models import CriteriaSet, CriteriaSetStatus

    draft = CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).first()
    if draft is None:
        from django.contrib.auth import get_user_model

        draft = services.new_draft(user=get_user_model().objects.get(username="editor"))
        draft.criteria.filter(code="rf_morning_stiffness").update(
            expression="morning_stiffness_minutes >= 15"
        )
    impact = services.preview_impact(draft=draft)
    taken = median_of(3, lambda: seconds(lambda: services.preview_impact(draft=draft)))
    return [
        {
            "benchmark": "impact preview",
            "figure": f"{impact.total:,} intakes, v1 and a draft ({impact.changed_total:,} change)",
            "value": round(taken, 2),
            "unit": "s",
            "target": "< 10",
            "met": taken < 10,
        }
    ]


def bench_queue() -> list[dict]:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="rheumatologist"))
    rows = []
    for page in (1, 100):
        url = f"/review/?page={page}"
        assert client.get(url).status_code == 200
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        taken = median_of(15, lambda url=url: seconds(lambda: client.get(url)))
        rows += [
            {
                "benchmark": "review queue",
                "figure": f"page {page}: queries",
                "value": len(queries),
                "unit": "queries",
                "target": "≤ 10, constant",
                "met": len(queries) <= 10,
            },
            {
                "benchmark": "review queue",
                "figure": f"page {page}: median",
                "value": round(taken * 1000, 1),
                "unit": "ms",
                "target": "< 100",
                "met": taken < 0.1,
            },
        ]
    return rows


# -- 5. intake submit, next to a bare form-save view --------------------------------------------


def bench_submit() -> list[dict]:
    from django.contrib.auth import get_user_model

    from tests.factories import example, form_data

    settings.ROOT_URLCONF = "bench.urls"
    client = Client()
    client.force_login(get_user_model().objects.get(username="staff"))

    def post(path: str, prefix: str) -> None:
        # Form-encoded, as a browser sends a form without file inputs (the test client's
        # default, multipart, costs both views ~6 ms more and hides the difference).
        data = form_data(example("V01"), mrn=f"{prefix}-{next(MRN_NUMBERS)}-{MRN_RUN}")
        # A browser follows the redirect, whose page shows (and so consumes) the "Intake
        # submitted" message; the test client does not, and would otherwise carry every
        # earlier submit's message in its cookie, decoded and encoded again on each request.
        client.cookies.pop("messages", None)
        body = urlencode(data, doseq=True)
        response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 302, response.status_code

    def submit():
        post("/intakes/new/", "B")

    def bare():
        post("/bench/bare-form/", "R")

    for warm in (submit, bare) * 5:
        warm()
    # Interleaved, so that both see the same machine (a shared 2-core box drifts).
    ours_runs, base_runs = [], []
    for _ in range(81):
        ours_runs.append(seconds(submit))
        base_runs.append(seconds(bare))
    ours, base = statistics.median(ours_runs), statistics.median(base_runs)
    return [
        {
            "benchmark": "intake submit",
            "figure": "validate, save, screen, redirect",
            "value": round(ours * 1000, 2),
            "unit": "ms",
        },
        {
            "benchmark": "intake submit",
            "figure": "bare view: validate a form of the same size, save one row",
            "value": round(base * 1000, 2),
            "unit": "ms",
        },
        {
            "benchmark": "intake submit",
            "figure": "submit ÷ bare view",
            "value": round(ours / base, 2),
            "unit": "×",  # no target since issue 14: the load scenario's p95 replaces it
        },
    ]


def bench_form_page() -> list[dict]:
    """GET /intakes/new/: the blank intake form, as staff open it before every submit."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.cache.utils import make_template_fragment_key

    from intake.forms import blank_form_cache_key

    client = Client()
    client.force_login(get_user_model().objects.get(username="staff"))

    def page():
        response = client.get("/intakes/new/")
        assert response.status_code == 200, response.status_code

    def cold_page():
        # The blank form's skeleton is cached (template fragment cache, keyed on the data
        # dictionary and the form's code); emptied first, the page is drawn in full.
        cache.delete(make_template_fragment_key("intake_form_blank", [blank_form_cache_key()]))
        page()

    for _ in range(5):
        page()
    warm = statistics.median(seconds(page) for _ in range(51))
    cold = statistics.median(seconds(cold_page) for _ in range(21))
    size = len(client.get("/intakes/new/").content)
    return [
        {
            "benchmark": "intake form page",
            "figure": f"GET /intakes/new/, skeleton drawn ({size // 1024} KB of HTML)",
            "value": round(cold * 1000, 2),
            "unit": "ms",
        },
        {
            "benchmark": "intake form page",
            "figure": "GET /intakes/new/, skeleton from the cache",
            "value": round(warm * 1000, 2),
            "unit": "ms",
        },
    ]


# -- the run ------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute(
            "select version()" if connection.vendor == "postgresql" else "select sqlite_version()"
        )
        database = f"{connection.vendor} {cursor.fetchone()[0].split(' on ')[0]}"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "platform": platform.platform(),
    }


def use_bench_database() -> None:
    """A database of our own, created with the migrations and kept between runs."""
    test = connection.settings_dict["TEST"]
    if connection.vendor == "postgresql":
        test["NAME"] = f"{connection.settings_dict['NAME']}_bench"
    else:
        test["NAME"] = str(Path(tempfile.gettempdir()) / "amps_screen_bench.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username="staff").exists():
        call_command("seed_demo", stdout=io.StringIO())


def print_table(rows: list[dict], notes: list[str], about: dict) -> None:
    print(
        f"\namps_screen benchmarks — {about['cpu']} ({about['cores']} cores), "
        f"Python {about['python']}, Django {about['django']}, {about['database']}\n"
    )
    width = max(len(r["figure"]) for r in rows) + 2
    print(f"{'benchmark':<18}{'figure':<{width}}{'value':>12}  {'unit':<10}{'target':<16}met")
    print("-" * (18 + width + 12 + 2 + 10 + 16 + 3))
    for row in rows:
        met = "" if "met" not in row else ("yes" if row["met"] else "NO")
        print(
            f"{row['benchmark']:<18}{row['figure']:<{width}}{row['value']:>12}  {row['unit']:<10}"
            f"{row.get('target', ''):<16}{met}"
        )
    for note in notes:
        print(f"note: {note}")


def main() -> int:
    use_bench_database()
    rows, notes = [], []
    print("engine…", flush=True)
    rows += bench_engine()
    print("evaluate_intakes…", flush=True)
    rows += bench_evaluate_intakes()
    if connection.vendor == "postgresql":
        seed_large()
        print("impact preview…", flush=True)
        rows += bench_impact()
        print("review queue…", flush=True)
        rows += bench_queue()
    else:
        notes.append(
            "impact preview and review queue skipped: they are measured on PostgreSQL "
            "(set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/amps_screen)."
        )
    print("intake form page…", flush=True)
    rows += bench_form_page()
    print("intake submit…", flush=True)
    rows += bench_submit()
    about = machine()
    print_table(rows, notes, about)
    RESULTS.write_text(
        json.dumps(
            {"machine": about, "results": rows, "notes": notes}, indent=1, ensure_ascii=False
        )
    )
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")
    return 0 if all(row.get("met", True) for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
