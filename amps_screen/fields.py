"""Form fields for numbers and dates that refuse what Django's own would quietly take.

Django's number and date fields read any Unicode digit (`int("٥")` is 5, `int("５")` is 5,
`strptime` reads `٢٠١٢-01-01`), so a value nobody meant could be saved; and without bounds a
number too large for the database, or a date in year 1 or 9999 (which overflows when moved
by a day or into a time zone), would be a 500 later. Every form of ours uses these
(tests/test_input_classes.py checks it): a value with anything but ASCII digits, signs and
separators is an error beside the field, like any other bad input.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

NOT_ASCII_MESSAGE = "Type the number with the digits 0-9."
NOT_ASCII_DATE_MESSAGE = "Type the date with the digits 0-9 (YYYY-MM-DD)."
# What a 32-bit signed integer column holds (the narrowest integer column of our models).
SMALLEST_INTEGER = -(2**31)
LARGEST_INTEGER = 2**31 - 1
# Years 1 and 9999 overflow when a date is shifted or moved into a time zone; anything this
# far out is a typing mistake. A form's own checks (not in the future, not too old) come on top.
EARLIEST_DATE = date(1000, 1, 1)
LATEST_DATE = date(8999, 12, 31)
OUT_OF_RANGE_MESSAGE = "This date is out of range: check the year."


class AsciiDigitsMixin:
    """Refuse a typed value with any character outside ASCII before Django parses it."""

    not_ascii_message = NOT_ASCII_MESSAGE

    def to_python(self, value):
        # Surrounding white space (a pasted non-breaking space) is Django's to strip, as its own
        # fields do; a non-ASCII character inside the value is refused.
        if isinstance(value, str) and not value.strip().isascii():
            raise ValidationError(self.not_ascii_message, code="not_ascii")
        return super().to_python(value)


class IntegerField(AsciiDigitsMixin, forms.IntegerField):
    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        super().__init__(
            min_value=SMALLEST_INTEGER if min_value is None else min_value,
            max_value=LARGEST_INTEGER if max_value is None else max_value,
            **kwargs,
        )


class DecimalField(AsciiDigitsMixin, forms.DecimalField):
    def __init__(self, *, max_digits=None, **kwargs):
        super().__init__(max_digits=max_digits or 15, **kwargs)


class FloatField(AsciiDigitsMixin, forms.FloatField):
    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        super().__init__(
            min_value=-1e15 if min_value is None else min_value,
            max_value=1e15 if max_value is None else max_value,
            **kwargs,
        )


class DateField(AsciiDigitsMixin, forms.DateField):
    """A date in the years 1000-8999 (narrower bounds are the form's own to add)."""

    not_ascii_message = NOT_ASCII_DATE_MESSAGE
    default_validators = [
        MinValueValidator(EARLIEST_DATE, OUT_OF_RANGE_MESSAGE),
        MaxValueValidator(LATEST_DATE, OUT_OF_RANGE_MESSAGE),
    ]


class DateTimeField(AsciiDigitsMixin, forms.DateTimeField):
    not_ascii_message = NOT_ASCII_DATE_MESSAGE

    def validate(self, value):
        super().validate(value)
        if value is not None and not EARLIEST_DATE.year <= value.year <= LATEST_DATE.year:
            raise ValidationError(OUT_OF_RANGE_MESSAGE, code="out_of_range")


# The Django fields these replace (tests/test_input_classes.py finds any left in our forms).
REPLACED = (
    forms.IntegerField,
    forms.DecimalField,
    forms.FloatField,
    forms.DateField,
    forms.DateTimeField,
)
STRICT = (IntegerField, DecimalField, FloatField, DateField, DateTimeField)
