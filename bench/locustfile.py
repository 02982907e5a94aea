"""Load scenario (locust): clinic staff submitting intakes and rheumatologists working the
review queue at once. Run through bench/load.py, which prepares the database, the users and
gunicorn, then prints the figures. LOAD_TARGET=bare posts the same form to the bare
form-save view instead (the baseline for submit throughput)."""

import itertools
import os
import random
import re
import secrets

import django
from locust import HttpUser, between, task

# The form data comes from the test factories (the data dictionary's examples): Django first.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amps_screen.settings")
django.setup()

from tests.factories import example, form_data  # noqa: E402

PASSWORD = os.environ.get("LOAD_PASSWORD", "load-test-password-0123")
STAFF_USERS = int(os.environ.get("LOAD_STAFF_USERS", "8"))
RHEUM_USERS = int(os.environ.get("LOAD_RHEUM_USERS", "8"))
TARGET = os.environ.get("LOAD_TARGET", "app")
# Each user's pause between two actions, in seconds ("0.5-1.5"; "0-0" saturates the server).
WAIT = tuple(float(part) for part in os.environ.get("LOAD_WAIT", "0.5-1.5").split("-"))
RUN = secrets.token_hex(3)
NUMBERS = itertools.count(1)
STAFF_NAMES = itertools.cycle(f"load_staff_{n}" for n in range(STAFF_USERS))
RHEUM_NAMES = itertools.cycle(f"load_rheum_{n}" for n in range(RHEUM_USERS))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE = re.compile(r'href="(/review/[0-9a-f-]{36}/)"')
EXAMPLES = ("V01", "V06", "V16", "V33", "V17")


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    username = ""

    def on_start(self):
        # Production cookies are Secure, which requests never sends over plain HTTP (between
        # the load generator and gunicorn here): they are kept and sent by hand.
        self.kept_cookies = {}
        self.client.hooks["response"].append(self._keep_cookies)
        page = self.client.get("/accounts/login/", name="GET /accounts/login/")
        self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            },
            name="POST /accounts/login/",
        )

    def _keep_cookies(self, response, *args, **kwargs):
        for cookie in response.cookies:
            self.kept_cookies[cookie.name] = cookie.value
        self.client.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.kept_cookies.items())


class Staff(SignedIn):
    weight = 1

    def on_start(self):
        self.username = next(STAFF_NAMES)
        super().on_start()

    @task(4)
    def submit_an_intake(self):
        page = self.client.get("/intakes/new/", name="GET /intakes/new/")
        data = form_data(example(random.choice(EXAMPLES)), mrn=f"L{RUN}-{next(NUMBERS)}")  # noqa: S311
        data["csrfmiddlewaretoken"] = CSRF.search(page.text).group(1)
        path = "/bench/bare-form/" if TARGET == "bare" else "/intakes/new/"
        with self.client.post(
            path, data, name=f"POST {path} (submit)", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return
        # Both land on the page the submit redirects to (the bare one shows the saved row).
        landing = "GET /bench/bare-form/<pk>/" if TARGET == "bare" else "GET /intakes/<uuid>/"
        self.client.get(response.headers["Location"], name=landing)

    @task(1)
    def intake_list(self):
        self.client.get("/intakes/", name="GET /intakes/")


class Rheumatologist(SignedIn):
    weight = 1

    def on_start(self):
        self.username = next(RHEUM_NAMES)
        super().on_start()

    @task(3)
    def open_the_queue_and_a_case(self):
        queue = self.client.get("/review/", name="GET /review/")
        cases = CASE.findall(queue.text)
        if cases:
            self.client.get(random.choice(cases), name="GET /review/<uuid>/")  # noqa: S311

    @task(1)
    def queue_filtered(self):
        self.client.get("/review/?outcome=refer&page=2", name="GET /review/?outcome&page=2")
