"""The review queue right after a signature, in a clinic's steady state (issue 27):
`DATABASE_URL=postgres://…/<name>_clinic_100000_90 .venv/bin/python bench/queue_signing.py`.

Against an existing database (bench/load.py seeds `<name>_clinic_<N>_<P>`), in one process
through Django's test client (the whole middleware stack): QUEUE_ROUNDS times, sign one
waiting case (the review service, not timed), then time `GET /review/` as a rheumatologist
and count its statements and those that read the review table. Prints the median and the
largest time, the statements per page, and the reviews in the database. The cases it signs
stay signed (the database is a bench copy)."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amps_screen.settings")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("AMPS_REQUIRE_2FA", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from intake import services  # noqa: E402
from intake.models import Intake, Review  # noqa: E402

settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ROUNDS = int(os.environ.get("QUEUE_ROUNDS", "15"))


def main() -> int:
    reviewer = get_user_model().objects.get(username="rheumatologist")
    client = Client()
    client.force_login(reviewer)
    review_table = connection.ops.quote_name(Review._meta.db_table)
    client.get("/review/")  # warm: templates, permissions
    times, statements, reading_reviews = [], [], []
    waiting = Intake.objects.awaiting_review().select_related("current_screening")
    for intake in waiting[:ROUNDS]:
        services.record_review(screening=intake.current_screening, reviewer=reviewer,
                               decision="agree", disposition="other_referral")  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/review/")
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        statements.append(len(queries))
        reading_reviews.append(sum(review_table in q["sql"] for q in queries))
    print(f"{connection.settings_dict['NAME']}: {Review.objects.count():,} signed reviews, "
          f"{Intake.objects.count():,} intakes")  # fmt: skip
    print(f"GET /review/ right after a signature, {len(times)} rounds: median "
          f"{statistics.median(times):.0f} ms, max {max(times):.0f} ms; statements "
          f"{sorted(set(statements))}, reading the review table "
          f"{sorted(set(reading_reviews))}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
