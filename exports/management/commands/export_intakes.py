"""Export intakes to a file: one row per intake, in CSV, XLSX or Parquet."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from exports import services
from exports.columns import Layout, Profile
from exports.pseudonyms import PseudonymKeyMissing
from exports.rows import DEFAULT_STATUSES, ExportOptions
from exports.writers import Format
from intake.models import IntakeStatus, Outcome

CLIENT = "manage.py export_intakes"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = (
        "Export intakes (one row per intake) to FILE; the export is written to the access log "
        "(as --user, or as this command)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--profile", required=True, choices=list(Profile.values))
        parser.add_argument("--format", required=True, choices=[code for code, _ in Format.CHOICES])
        parser.add_argument("--output", required=True, metavar="FILE")
        parser.add_argument(
            "--layout",
            choices=list(Layout.values),
            default=Layout.REPEATING,
            help="repeating: REDCap repeating instrument (default); events: REDCap events; "
            "flat: one row per visit",
        )
        parser.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
        parser.add_argument(
            "--status",
            action="append",
            choices=list(IntakeStatus.values),
            help="repeat for several (default: submitted and signed)",
        )
        parser.add_argument(
            "--suggestion", action="append", choices=list(Outcome.values), help="repeatable"
        )
        parser.add_argument("--criteria-version", type=int, metavar="N")
        parser.add_argument("--labels", action="store_true", help="labels instead of raw codes")
        parser.add_argument("--bom", action="store_true", help="CSV: start with a byte-order mark")
        parser.add_argument("--purpose", default="", help="required for --profile identified")
        parser.add_argument(
            "--user", metavar="USERNAME", help="who exports (checked against their role)"
        )

    def handle(self, *args, **opts):
        if opts["date_from"] and opts["date_to"] and opts["date_from"] > opts["date_to"]:
            raise CommandError("--from is after --to.")
        user = self._user(opts["user"])
        options = ExportOptions(
            profile=opts["profile"],
            layout=opts["layout"],
            labels=opts["labels"],
            date_from=opts["date_from"],
            date_to=opts["date_to"],
            statuses=tuple(opts["status"] or DEFAULT_STATUSES),
            outcomes=tuple(opts["suggestion"] or ()),
            criteria_version=opts["criteria_version"],
        )
        try:
            rows = services.export_to_file(
                user=user,
                options=options,
                fmt=opts["format"],
                path=opts["output"],
                bom=opts["bom"],
                purpose=opts["purpose"].strip(),
                client="" if user else CLIENT,
            )
        except (services.ExportNotAllowed, PseudonymKeyMissing) as refused:
            raise CommandError(str(refused)) from refused
        except OSError as error:
            raise CommandError(f"Cannot write {opts['output']}: {error.strerror}") from error
        self.stdout.write(f"Exported {rows} intakes ({options.profile}, {opts['format']}).")

    def _user(self, username: str | None):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user {username!r}.") from error
