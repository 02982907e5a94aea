"""The criteria admin's forms: criteria, reference cases, try it, publish."""

import json

from django import forms
from django.forms.fields import InvalidJSONInput, JSONString

from intake.models import (
    Criterion,
    ReferenceCase,
)
from intake.rules import facts, validation
from intake.rules.syntax import MAX_EXPRESSION_LENGTH

#: The longest JSON intake the admin reads (reference cases, "Try it"): the JSON intake limit.
TRY_IT_MAX_CHARS = validation.MAX_INTAKE_CHARS


def too_large_error() -> forms.ValidationError:
    return forms.ValidationError(validation.TOO_LARGE_MESSAGE, code="too_large")


def bounded(text, limit: int):
    """Text as drawn back into its field: at most `limit` characters, so that a refused
    megabyte is never sent back whole (the field says it is too long)."""
    return text[:limit] if isinstance(text, str) and len(text) > limit else text


def json_text(value, **options) -> str:
    """JSON as text to show: non-ASCII characters as they are, except a lone surrogate
    (which no page can carry), written as its escape."""
    text = json.dumps(value, ensure_ascii=False, **options)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, **options)
    return text


def parse_json_text(text: str) -> tuple[object, str | None]:
    """JSON typed or pasted by a person: (the value, None), or (None, the problem in words with
    its line and column). Never raises, whatever the text."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, (
            f"This is not valid JSON: {error.msg.lower()} at line {error.lineno}, "
            f"column {error.colno}."
        )
    except (ValueError, RecursionError):
        return None, "This is not valid JSON: a number is too long or the nesting is too deep."


class IntakeJSONField(forms.JSONField):
    """A JSON intake in a textarea: shown indented, and invalid JSON reported with its line and
    column (Django's own field says only "Enter a valid JSON")."""

    def to_python(self, value):
        if self.disabled or value in self.empty_values:
            return None if value in self.empty_values else value
        if isinstance(value, list | dict | int | float | JSONString):
            return value
        if len(value) > TRY_IT_MAX_CHARS:
            raise too_large_error()
        data, problem = parse_json_text(value)
        if problem:
            raise forms.ValidationError(problem, code="invalid")
        return JSONString(data) if isinstance(data, str) else data

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        if len(data) > TRY_IT_MAX_CHARS:
            return InvalidJSONInput(bounded(data, TRY_IT_MAX_CHARS))
        value, problem = parse_json_text(data)
        return InvalidJSONInput(data) if problem else value

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return json_text(value, indent=2)


class ExpressionField(forms.CharField):
    """A criterion's expression; one far over the language's limit is drawn back cut short
    (the language reports its length on the field)."""

    def bound_data(self, data, initial):
        return bounded(super().bound_data(data, initial), 2 * MAX_EXPRESSION_LENGTH)


class BoundedTextField(forms.CharField):
    """Text with a limit that is drawn back cut to the limit when it is over it."""

    def bound_data(self, data, initial):
        return bounded(super().bound_data(data, initial), self.max_length)


def _code_textarea(rows: int, css_class: str) -> forms.Textarea:
    """A monospace textarea (the class is styled in admin_criteria.css) with no autocorrect."""
    return forms.Textarea(
        attrs={
            "rows": rows,
            "class": css_class,
            "spellcheck": "false",
            "autocapitalize": "off",
            "autocomplete": "off",
        }
    )


class CriterionAdminForm(forms.ModelForm):
    """One criterion in its set's admin page; Criterion.clean() reports expression problems on
    the expression field, with the column."""

    class Meta:
        model = Criterion
        fields = (
            "code",
            "name",
            "kind",
            "urgency",
            "expression",
            "message",
            "rationale",
            "source",
            "active",
            "order",
        )
        field_classes = {"expression": ExpressionField}
        widgets = {
            "expression": _code_textarea(2, "criteria-expression"),
            "message": forms.Textarea(attrs={"rows": 2, "class": "criteria-wide"}),
            "rationale": forms.Textarea(attrs={"rows": 3, "class": "criteria-wide"}),
            "source": forms.Textarea(attrs={"rows": 2, "class": "criteria-wide"}),
        }


class ReferenceCaseAdminForm(forms.ModelForm):
    """A reference case: its intake as indented JSON in a monospace textarea."""

    class Meta:
        model = ReferenceCase
        fields = ("name", "expected_outcome", "expected_urgency", "active", "intake", "notes")
        field_classes = {"intake": IntakeJSONField}
        widgets = {
            "intake": _code_textarea(24, "json-input"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_intake(self):
        """Every problem of the intake, each naming its field."""
        data = self.cleaned_data["intake"]
        _, errors = validation.validate_intake(data)
        if errors:
            raise forms.ValidationError(
                [forms.ValidationError(str(error), code=error.code) for error in errors]
            )
        return data

    def _post_clean(self):
        # The intake's own problems are reported above, by clean_intake. The model's check
        # would only repeat them (with "required" turned into "This field is required") or
        # judge the value the form did not accept, so its intake errors are dropped.
        checked = list(self._errors["intake"].data) if "intake" in self._errors else None
        super()._post_clean()
        if checked is not None:
            self._errors["intake"].data = checked


class TryItForm(forms.Form):
    """An intake to evaluate under a criteria set: pasted JSON, or a reference case's intake.
    A chosen reference case wins over the text. Nothing is saved."""

    reference_case = forms.ModelChoiceField(
        queryset=ReferenceCase.objects.order_by("name"),
        required=False,
        empty_label="None: use the JSON below",
        label="Reference case",
    )
    intake_json = BoundedTextField(
        label="Intake (JSON, data-dictionary format)",
        required=False,
        strip=False,
        max_length=TRY_IT_MAX_CHARS,
        widget=_code_textarea(18, "json-input"),
        error_messages={"max_length": validation.TOO_LARGE_MESSAGE},
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        case, text = cleaned.get("reference_case"), cleaned.get("intake_json", "")
        if case is not None:
            data, field = case.intake, "reference_case"
        elif text.strip():
            data, problem = parse_json_text(text)
            if problem:
                self.add_error("intake_json", forms.ValidationError(problem, code="invalid_json"))
                return cleaned
            field = "intake_json"
        else:
            raise forms.ValidationError(
                "Paste an intake in JSON, or choose a reference case.", code="required"
            )
        inputs, errors = validation.validate_intake(data)
        for error in errors:
            self.add_error(field, forms.ValidationError(str(error), code=error.code))
        if not errors:
            cleaned["intake"] = data
            cleaned["facts"] = facts.derive(inputs)
        return cleaned


class PublishForm(forms.Form):
    """The confirmation of a publication: a required note, and an explicit confirmation when
    the draft's red flags raise the safety warning."""

    note = forms.CharField(
        label="Publication note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What changed and why. Kept with the version and in its history.",
        error_messages={"required": "Write a publication note: what changed and why."},
    )
    confirm_no_red_flags = forms.BooleanField(
        label="I have read the red-flag warning and confirm this draft should be published.",
        required=False,
    )

    def __init__(self, *args, needs_confirmation: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_confirmation:
            field = self.fields["confirm_no_red_flags"]
            field.required = True
            field.error_messages["required"] = (
                "Tick this box to confirm the red-flag warning, or change the draft."
            )
        else:
            del self.fields["confirm_no_red_flags"]
