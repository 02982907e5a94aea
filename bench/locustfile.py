"""Load scenario (locust), a clinic's day: clinic staff open the form and submit intakes with
its one-time form_token, look at the intake list, find patients by part of a name and open
their page; rheumatologists work the review queue: open it, open a case and sign it with their
password (now and then a filtered deeper page, or the agreement figures); a criteria editor
looks at the criteria sets and a data manager at the exports. Each user pauses LOAD_WAIT
seconds after every page (LOAD_PAUSE=page, the default: a person reads a page before the next
click) or only between two tasks (LOAD_PAUSE=task: a task's pages back to back, the scenario
before 7 Dec 2026). Run through bench/load.py, which prepares the database (a steady state:
LOAD_INTAKES intakes, LOAD_SIGNED percent signed), the users and gunicorn, then prints the
figures. LOAD_TARGET=bare posts the same form to the bare form-save view instead (the
baseline for submit throughput)."""

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
RHEUM_USERS = int(os.environ.get("LOAD_RHEUM_USERS", "6"))
EDITOR_USERS = int(os.environ.get("LOAD_EDITOR_USERS", "1"))
DATA_USERS = int(os.environ.get("LOAD_DATA_USERS", "1"))
PAUSE_EVERY_PAGE = os.environ.get("LOAD_PAUSE", "page") == "page"
TARGET = os.environ.get("LOAD_TARGET", "app")
# Each user's pause between two actions, in seconds ("0.5-1.5"; "0-0" saturates the server).
WAIT = tuple(float(part) for part in os.environ.get("LOAD_WAIT", "0.5-1.5").split("-"))
RUN = secrets.token_hex(3)
NUMBERS = itertools.count(1)
STAFF_NAMES = itertools.cycle(f"load_staff_{n}" for n in range(STAFF_USERS))
RHEUM_NAMES = itertools.cycle(f"load_rheum_{n}" for n in range(RHEUM_USERS))
EDITOR_NAMES = itertools.cycle(f"load_editor_{n}" for n in range(max(EDITOR_USERS, 1)))
DATA_NAMES = itertools.cycle(f"load_data_{n}" for n in range(max(DATA_USERS, 1)))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE = re.compile(r'href="(/review/[0-9a-f-]{36}/)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
PATIENT = re.compile(r'href="(/patients/[0-9a-f-]{36}/)"')
CRITERIA_SET = re.compile(r'href="(/admin/intake/criteriaset/\d+/change/)"')
# Parts of the synthetic names (intake/demo.py), as a clinic searches them.
NAME_PARTS = ("ross", "ibra", "tana", "ines ibrahim", "maya", "chen", "nova", "okaf")
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

    def read(self):
        """The pause after a page that leads on to another within a task (LOAD_PAUSE=page)."""
        if PAUSE_EVERY_PAGE:
            self.wait()

    def _keep_cookies(self, response, *args, **kwargs):
        for cookie in response.cookies:
            self.kept_cookies[cookie.name] = cookie.value
        self.client.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.kept_cookies.items())


class Staff(SignedIn):
    fixed_count = STAFF_USERS

    def on_start(self):
        self.username = next(STAFF_NAMES)
        super().on_start()

    @task(4)
    def submit_an_intake(self):
        page = self.client.get("/intakes/new/", name="GET /intakes/new/")
        self.read()
        data = form_data(example(random.choice(EXAMPLES)), mrn=f"L{RUN}-{next(NUMBERS)}")  # noqa: S311
        data["csrfmiddlewaretoken"] = CSRF.search(page.text).group(1)
        token = FORM_TOKEN.search(page.text)
        if token:
            data["form_token"] = token.group(1)
        path = "/bench/bare-form/" if TARGET == "bare" else "/intakes/new/"
        with self.client.post(
            path, data, name=f"POST {path} (submit)", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return
        self.read()
        # Both land on the page the submit redirects to (the bare one shows the saved row).
        landing = "GET /bench/bare-form/<pk>/" if TARGET == "bare" else "GET /intakes/<uuid>/"
        self.client.get(response.headers["Location"], name=landing)

    @task(1)
    def intake_list(self):
        self.client.get("/intakes/", name="GET /intakes/")

    @task(1)
    def find_a_patient(self):
        if TARGET == "bare":
            return
        page = self.client.get("/patients/", name="GET /patients/")
        self.read()
        data = {
            "q": random.choice(NAME_PARTS),
            "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
        }  # noqa: S311
        self.client.post("/patients/", data, name="POST /patients/ (search)", allow_redirects=False)
        results = self.client.get("/patients/", name="GET /patients/ (results)")
        patients = PATIENT.findall(results.text)
        if patients:
            self.read()
            self.client.get(random.choice(patients), name="GET /patients/<uuid>/")  # noqa: S311


class Rheumatologist(SignedIn):
    fixed_count = RHEUM_USERS

    def on_start(self):
        self.username = next(RHEUM_NAMES)
        super().on_start()

    @task(3)
    def open_the_queue_and_sign_a_case(self):
        queue = self.client.get("/review/", name="GET /review/")
        cases = CASE.findall(queue.text)
        if not cases:
            return
        case = random.choice(cases)  # noqa: S311
        self.read()
        page = self.client.get(case, name="GET /review/<uuid>/")
        if TARGET == "bare" or page.status_code != 200:
            return
        self.read()
        overriding = random.random() < 0.1  # noqa: S311
        data = {
            "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            "decision": "override" if overriding else "agree",
            "override_reason": "clinical_judgement" if overriding else "",
            "disposition": "other_referral",  # allowed with every decision and suggestion
            "comment": "",
            "note": "",
            "password": PASSWORD,
            "action": "sign",
        }
        with self.client.post(
            case, data, name="POST /review/<uuid>/ (sign)", allow_redirects=False,
            catch_response=True,
        ) as response:  # fmt: skip
            # Signed (or, rarely, signed by another reviewer a moment before: also a 302).
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return
        self.read()
        self.client.get(response.headers["Location"], name="GET after signing")

    @task(1)
    def queue_filtered(self):
        self.client.get("/review/?outcome=refer&page=2", name="GET /review/?outcome&page=2")

    @task(1)
    def agreement_figures(self):
        if TARGET != "bare":
            self.client.get("/review/agreement/", name="GET /review/agreement/")


class CriteriaEditor(SignedIn):
    """Looks at the criteria sets in the admin and opens one (a staff user, Criteria editor)."""

    fixed_count = EDITOR_USERS

    def on_start(self):
        self.username = next(EDITOR_NAMES)
        super().on_start()

    @task
    def criteria_sets(self):
        listing = self.client.get("/admin/intake/criteriaset/", name="GET /admin/…/criteriaset/")
        sets = CRITERIA_SET.findall(listing.text)
        if sets:
            self.read()
            self.client.get(random.choice(sets), name="GET /admin/…/criteriaset/<id>/")  # noqa: S311


class DataManager(SignedIn):
    """Opens the exports page and downloads the data dictionary (Data manager)."""

    fixed_count = DATA_USERS

    def on_start(self):
        self.username = next(DATA_NAMES)
        super().on_start()

    @task
    def exports(self):
        self.client.get("/exports/", name="GET /exports/")
        self.read()
        self.client.get(
            "/exports/data-dictionary.csv?profile=deidentified&layout=repeating",
            name="GET /exports/data-dictionary.csv",
        )
