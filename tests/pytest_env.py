"""Loaded with `-p tests.pytest_env` before Django starts: the environment tests run in.

The settings refuse to start without a secret key unless DEBUG is on; tests run with
DEBUG off (as production does) and a throw-away key.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
