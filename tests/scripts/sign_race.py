"""Run by tests/test_database_resilience.py in a fresh interpreter on a file SQLite database
(DATABASE_URL=sqlite:///…): two rheumatologists sign the same case at the same moment, each
in its own thread and connection. Prints what each got: "signed", "already signed", or the
error."""

import json
import os
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amps_screen.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.signals import pre_save  # noqa: E402

from intake import services  # noqa: E402
from intake.models import Review  # noqa: E402
from tests.factories import IntakeFactory, UserFactory  # noqa: E402

call_command("migrate", verbosity=0)
first, second = UserFactory(username="rheum1"), UserFactory(username="rheum2")
screening = services.screen_intake(intake=IntakeFactory())
connection.close()

# Both signers have read the case before either writes: wait for each other just before the
# review is written (a second, at most: a signer that is held back until the other commits
# never arrives, which is the point).
both_read = threading.Barrier(2)


def wait_for_the_other(sender, **kwargs):
    try:
        both_read.wait(timeout=1)
    except threading.BrokenBarrierError:
        pass


pre_save.connect(wait_for_the_other, sender=Review)
outcomes = {}


def sign(user):
    try:
        services.record_review(
            screening=screening, reviewer=user, decision="agree", disposition="no_further_action"
        )
        outcomes[user.username] = "signed"
    except services.AlreadySigned:
        outcomes[user.username] = "already signed"
    except Exception as error:  # noqa: BLE001 -- reported to the test
        outcomes[user.username] = f"{type(error).__name__}: {error}"
    finally:
        connection.close()


threads = [threading.Thread(target=sign, args=(user,)) for user in (first, second)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"outcomes": outcomes, "reviews": Review.objects.count()}))
