#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amps_screen.settings")
    # Commands load without DJANGO_SECRET_KEY (nothing is signed with an empty key); serving
    # through wsgi.py does not.
    os.environ["AMPS_MANAGEMENT_COMMAND"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
