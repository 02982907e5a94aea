"""Load a REDCap export of intakes (its data dictionary and its data, CSV) as historic intakes."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from imports.services import ImportRefused, run_import
from intake.management.progress import progress_bar

CLIENT = "manage.py import_redcap"


class Command(BaseCommand):
    help = (
        "Import a REDCap export of intakes: DICTIONARY (REDCap data dictionary, CSV) and DATA "
        "(the records, CSV, raw codes). Every row is validated like a JSON intake; nothing is "
        "saved unless every row is valid. Imported intakes are historic: screened with the "
        "published criteria at their own intake date, never queued for review."
    )

    def add_arguments(self, parser):
        parser.add_argument("dictionary", metavar="DICTIONARY")
        parser.add_argument("data", metavar="DATA")
        parser.add_argument(
            "--user",
            required=True,
            metavar="USERNAME",
            help="who imports (needs the import permission); recorded as the intakes' author",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check every row and list every error; save nothing",
        )

    def handle(self, *args, dictionary, data, user, dry_run, **options):
        importer = self._user(user)
        files = [self._read(dictionary), self._read(data)]
        bar = None

        def on_total(rows: int) -> None:
            nonlocal bar
            bar = progress_bar(total=rows, unit="rows", stream=self.stderr._out)

        def advance(count: int) -> None:
            if bar is not None:
                bar.update(count)

        try:
            outcome = run_import(
                dictionary=files[0],
                data=files[1],
                user=importer,
                dry_run=dry_run,
                on_total=on_total,
                progress=advance,
            )
        except ImportRefused as refused:
            raise CommandError(f"Refused: {refused}", returncode=2) from refused
        finally:
            if bar is not None:
                bar.close()
        if outcome.errors:
            for error in outcome.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(outcome.errors)} error{'s' if len(outcome.errors) != 1 else ''} in "
                f"{outcome.rows} rows: nothing was imported.",
                returncode=2,
            )
        counts = (
            f"{outcome.intakes} intake{'s' if outcome.intakes != 1 else ''} of "
            f"{outcome.patients} patient{'s' if outcome.patients != 1 else ''} "
            f"({outcome.known_patients} already here), {outcome.layout} layout"
        )
        if dry_run:
            self.stdout.write(f"Dry run: every row is valid; {counts} would be imported.")
        else:
            self.stdout.write(
                f"Imported {counts} as historic intakes, screened with criteria version "
                f"{outcome.criteria_version}."
            )

    def _read(self, path: str) -> bytes:
        file = Path(path)
        try:
            size = file.stat().st_size
            if size > settings.AMPS_IMPORT_MAX_BYTES:
                raise CommandError(
                    f"Refused: {path} is {size:,} bytes, over the limit of "
                    f"{settings.AMPS_IMPORT_MAX_BYTES:,} (AMPS_IMPORT_MAX_BYTES).",
                    returncode=2,
                )
            if file.suffix.lower() != ".csv":
                raise CommandError(f"Refused: {path} is not a .csv file (CSV only).", returncode=2)
            return file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error

    def _user(self, username: str):
        found = get_user_model().objects.filter(username=username, is_active=True).first()
        if found is None:
            raise CommandError(f"No active user {username!r}.")
        if not found.has_perm("imports.import_data"):
            raise CommandError(f"{username} may not import intakes (a data manager's role).")
        return found
