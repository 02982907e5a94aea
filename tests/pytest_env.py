"""Loaded with `-p tests.pytest_env` before Django starts: the environment tests run in.

The settings refuse to start without a secret key unless DEBUG is on; tests run with
DEBUG off (as production does) and a throw-away key.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Two-factor authentication is tested on its own (tests/test_two_factor.py turns it on);
# elsewhere a forced login stands for a fully verified session.
os.environ.setdefault("AMPS_REQUIRE_2FA", "0")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
# Background tasks run inside the request that starts them (Django's ImmediateBackend), so a
# page shows a task's result at once; tests of the real worker set the database backend.
os.environ.setdefault("AMPS_TASKS_BACKEND", "immediate")
