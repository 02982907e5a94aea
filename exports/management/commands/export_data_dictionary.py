"""Write the exports' data dictionary (REDCap column layout) as CSV."""

from django.core.management.base import BaseCommand, CommandError

from exports.columns import Layout, Profile
from exports.dictionary import write_dictionary_csv


class Command(BaseCommand):
    help = "Write the data dictionary of an export profile as CSV (REDCap's column layout)."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="FILE", help="'-' for stdout")
        parser.add_argument(
            "--profile",
            choices=list(Profile.values),
            default=Profile.IDENTIFIED,
            help="the profile whose fields to list (default: identified, every field)",
        )

        parser.add_argument(
            "--layout",
            choices=list(Layout.values),
            default=Layout.REPEATING,
            help="the export layout the dictionary describes (default: repeating)",
        )

    def handle(self, *args, output, profile, layout, **options):
        if output == "-":
            count = write_dictionary_csv(profile=profile, output=self.stdout, layout=layout)
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as file:
                count = write_dictionary_csv(profile=profile, output=file, layout=layout)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from error
        self.stdout.write(f"Wrote {count} fields ({profile}) to {output}.")
