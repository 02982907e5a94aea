"""Triage JSON intakes from a file or standard input (data-dictionary section 8)."""

import json
import sys

from django.core.management.base import BaseCommand

from intake.management.progress import progress_bar
from intake.models import CriteriaSet
from intake.rules import facts, validation
from intake.rules.explanation import explain

EXIT_INVALID = 2


class Command(BaseCommand):
    help = (
        "Evaluate JSON intakes (an object or an array of objects; '-' reads standard input) "
        "against the published criteria set and print a JSON array of results in input order. "
        "Invalid input: every error on standard error, nothing on standard output, exit 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a JSON file, or - for standard input")
        parser.add_argument(
            "--criteria-set",
            type=int,
            metavar="N",
            help="evaluate under criteria set version N instead of the published one",
        )

    def handle(self, *args, file, criteria_set=None, **options):
        items, problem = self._read(file)
        if problem:
            self._fail([problem])
        criteria, problem = self._criteria_set(criteria_set)
        if problem:
            self._fail([problem])

        inputs, errors = [], []
        for index, item in enumerate(items, start=1):
            values, item_errors = validation.validate_intake(item)
            label = self._label(item, index)
            errors.extend(
                f"{label}: {e.field}: {e.message}" if e.field else f"{label}: {e.message}"
                for e in item_errors
            )
            inputs.append(values)
        if errors:
            self._fail(errors)

        compiled = criteria.compiled()
        results = []
        bar = progress_bar(total=len(items), unit="intakes", stream=self.stderr._out)
        for item, values in zip(items, inputs, strict=True):
            bar.update(1)
            result = compiled.evaluate(facts.derive(values), trace=True)
            results.append(
                {
                    "id": item.get("id"),
                    "outcome": result.outcome,
                    "urgency": result.urgency,
                    "criteria_set": criteria.version,
                    "red_flags": result.red_flags,
                    "pathways": result.pathways,
                    "caveats": result.caveats,
                    "explanation": explain(result),
                }
            )
        bar.close()
        self.stdout.write(json.dumps(results, ensure_ascii=False, indent=1))

    def _read(self, file: str) -> tuple[list, str | None]:
        try:
            if file == "-":
                data = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as handle:
                    data = json.load(handle)
        except OSError as error:
            return [], f"{file}: cannot be read ({error.strerror})"
        except UnicodeDecodeError:
            return [], f"{file}: is not UTF-8 text"
        except json.JSONDecodeError as error:
            return (
                [],
                f"{file}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
            )
        except RecursionError:
            return [], f"{file}: not valid JSON: it is nested too deeply"
        except ValueError:  # Python's limit of 4,300 digits for a whole number
            return [], f"{file}: not valid JSON: a number is too long"
        if isinstance(data, dict):
            return [data], None
        if isinstance(data, list):
            return data, None
        return [], f"{file}: expected a JSON object or an array of objects"

    def _criteria_set(self, version: int | None) -> tuple[CriteriaSet | None, str | None]:
        if version is None:
            found = CriteriaSet.objects.filter(status="published").first()
            return found, None if found else "no criteria set is published"
        found = CriteriaSet.objects.filter(version=version).first()
        return (
            found,
            None if found else f"--criteria-set: there is no criteria set version {version}",
        )

    @staticmethod
    def _label(item, index: int) -> str:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return f"intake {validation.printable(item['id'][:100])} (#{index})"
        return f"intake #{index}"

    def _fail(self, errors: list[str]) -> None:
        for error in errors:
            self.stderr.write(validation.printable(error))
        raise SystemExit(EXIT_INVALID)
