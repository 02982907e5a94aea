"""The criteria admin's forms: criteria, reference cases, try it, publish."""

import json

from django import forms
from django.forms.fields import InvalidJSONInput, JSONString

from amps_screen import fields as strict
from intake.forms.intake import TRI_STATE_LABS, YES_NO_FIELDS, field_for_fact
from intake.models import (
    INTAKE_FACT_FIELDS,
    CriteriaSet,
    CriteriaSetStatus,
    Criterion,
    CriterionKind,
    Outcome,
    ReferenceCase,
    code_choices,
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
        field_classes = {"expression": ExpressionField, "order": strict.IntegerField}
        widgets = {
            "code": forms.TextInput(attrs={"class": "criteria-code", "spellcheck": "false"}),
            "name": forms.TextInput(attrs={"class": "criteria-name"}),
            "order": forms.NumberInput(attrs={"class": "criteria-order", "min": 0}),
            "expression": _code_textarea(2, "criteria-expression"),
            "message": forms.Textarea(attrs={"rows": 2, "class": "criteria-wide"}),
            "rationale": forms.Textarea(attrs={"rows": 3, "class": "criteria-wide"}),
            "source": forms.Textarea(attrs={"rows": 2, "class": "criteria-wide"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's own words for a caveat without a message (the form would say only
        # "This field is required.", since the model's error has the code "required").
        self.fields["message"].error_messages["required"] = "A caveat needs a message."
        # The model says why a red flag needs one (the form would say "required").
        self.fields["urgency"].error_messages["required"] = (
            "A red flag needs an urgency: emergency (same day), urgent or routine."
        )

    def clean(self):
        cleaned = super().clean()
        # An urgency is hidden for any kind but a red flag, so it cannot be cleared by hand:
        # a criterion that stops being a red flag loses its urgency here.
        if cleaned.get("kind") != CriterionKind.RED_FLAG:
            cleaned["urgency"] = ""
        return cleaned

    #: The fields each kind of criterion uses besides code, name, kind, expression, active
    #: and order; the others are kept (as hidden inputs) but not shown for that kind.
    KIND_FIELDS = {
        CriterionKind.RED_FLAG: ("urgency", "rationale", "source"),
        CriterionKind.AMPS_PATHWAY: ("rationale", "source"),
        CriterionKind.CAVEAT: ("message", "rationale", "source"),
    }


class ReferenceCaseAdminForm(forms.ModelForm):
    """A reference case: its intake as indented JSON in a monospace textarea (checked by the
    model field's validator, once, when the JSON could be read)."""

    class Meta:
        model = ReferenceCase
        fields = (
            "criteria_set",
            "name",
            "description",
            "expected_outcome",
            "expected_urgency",
            "active",
            "intake",
            "notes",
        )
        field_classes = {"intake": IntakeJSONField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2, "class": "criteria-wide"}),
            "intake": _code_textarea(24, "json-input"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class TryItForm(forms.Form):
    """An intake to evaluate under a criteria set: pasted JSON, or a reference case's intake.
    A chosen reference case (one of the set's own) wins over the text. Nothing is saved."""

    reference_case = forms.ModelChoiceField(
        queryset=ReferenceCase.objects.none(),
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

    def __init__(self, *args, criteria_set=None, **kwargs):
        super().__init__(*args, **kwargs)
        if criteria_set is not None:
            self.fields["reference_case"].queryset = criteria_set.reference_cases.order_by("name")

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


class TryItCaseForm(forms.Form):
    """A past intake, by its case number (the number the impact preview lists)."""

    case_number = strict.IntegerField(
        label="Case number",
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.NumberInput(attrs={"class": "criteria-order", "inputmode": "numeric"}),
        error_messages={"required": "Enter a case number, e.g. 12 for case #12."},
    )


class TryItFactsForm(forms.Form):
    """The facts of an intake, typed: the intake form's own fields (built by the same code
    from the fact registry), grouped by the data dictionary's sections, with the age in years
    instead of a date of birth and no identity at all."""

    prefix = "facts"
    age_years = strict.IntegerField(
        label="Age (years)",
        min_value=0,
        max_value=21,
        required=False,
        widget=forms.NumberInput(attrs={"class": "criteria-order", "min": 0, "max": 21}),
    )
    sex = forms.ChoiceField(
        label="Sex", choices=[("", "Choose…"), *code_choices("sex")], required=False
    )

    def sections(self) -> list[tuple[str, list]]:
        """(section, bound fields) in the data dictionary's order, as the intake groups them."""
        return [
            (section, [self[name] for name in names if name in self.fields])
            for section, names in facts.SECTIONS.items()
        ]

    @classmethod
    def from_intake(cls, intake: dict) -> "TryItFactsForm":
        """An unbound form showing a JSON intake's values."""
        initial = {}
        for name in facts.INPUT_FACTS:
            value = intake.get(name)
            if name in TRI_STATE_LABS:
                value = {True: "yes", False: "no"}.get(value, "not_done")
            elif name in YES_NO_FIELDS:
                value = {True: "yes", False: "no"}.get(value)
            initial[name] = value
        return cls(initial=initial)

    def clean(self):
        cleaned = super().clean()
        candidate = {}
        for name in facts.INPUT_FACTS:
            value = cleaned.get(name)
            fact = facts.INPUT_FACTS[name]
            if name in self.errors or value in ("", None):
                continue
            if fact.type == facts.CODES:
                if not value:
                    continue
                value = list(value)
            elif fact.type == facts.DECIMAL:
                value = float(value)
            candidate[name] = value
        inputs, errors = validation.validate_intake(candidate)
        for error in errors:
            if error.field in self.errors:
                continue
            field = error.field if error.field in self.fields else None
            message = "Required." if error.code == "required" else error.message
            self.add_error(field, forms.ValidationError(message, code=error.code))
        if not errors:
            cleaned["intake"] = candidate
            cleaned["facts"] = facts.derive(inputs)
        return cleaned


TryItFactsForm.base_fields.update(
    {name: field_for_fact(facts.INPUT_FACTS[name]) for name in INTAKE_FACT_FIELDS}
)


class SaveReferenceCaseForm(forms.Form):
    """A try-it run's intake (facts only) saved as a reference case, in one click."""

    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="What it tests", max_length=500, required=False, widget=forms.TextInput
    )
    expected_outcome = forms.ChoiceField(label="Expected outcome", choices=Outcome.choices)
    intake_json = forms.CharField(
        widget=forms.HiddenInput, max_length=TRY_IT_MAX_CHARS, strip=False
    )

    def clean_intake_json(self) -> dict:
        data, problem = parse_json_text(self.cleaned_data["intake_json"])
        if problem:
            raise forms.ValidationError(problem, code="invalid_json")
        if isinstance(data, dict):  # the facts only, whatever else came with them
            data = {name: data[name] for name in facts.INPUT_FACTS if name in data}
        _, errors = validation.validate_intake(data)
        if errors:
            raise forms.ValidationError(
                [forms.ValidationError(str(error), code=error.code) for error in errors[:10]]
            )
        return data


class CompareVersionsForm(forms.Form):
    """Two versions of the criteria, by version number (?old=1&new=2)."""

    old = forms.ModelChoiceField(
        queryset=CriteriaSet.objects.order_by("-version"),
        to_field_name="version",
        label="Version",
        empty_label=None,
    )
    new = forms.ModelChoiceField(
        queryset=CriteriaSet.objects.order_by("-version"),
        to_field_name="version",
        label="compared with version",
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old", "new"):
            self.fields[name].label_from_instance = _version_label

    @staticmethod
    def with_default_old(data):
        """?new=3 alone: compared with the published version, or with the version before it
        when 3 is the published one."""
        if "new" not in data or "old" in data:
            return data
        data = data.copy()
        published = CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).first()
        if published is not None and str(published.version) != data["new"]:
            data["old"] = str(published.version)
        elif data["new"].isascii() and data["new"].isdigit() and len(data["new"]) <= 9:
            earlier = CriteriaSet.objects.filter(version__lt=int(data["new"])).first()
            data["old"] = str(earlier.version if earlier else data["new"])
        return data

    @staticmethod
    def default_pair() -> tuple[CriteriaSet | None, CriteriaSet | None]:
        """The published version and the open draft; else the published one and the one
        before it."""
        sets = {s.status: s for s in CriteriaSet.objects.exclude(status=CriteriaSetStatus.RETIRED)}
        published, draft = sets.get(CriteriaSetStatus.PUBLISHED), sets.get(CriteriaSetStatus.DRAFT)
        if published and draft:
            return published, draft
        if published:
            earlier = CriteriaSet.objects.filter(version__lt=published.version).first()
            return earlier, published
        return None, draft


def _version_label(criteria_set: CriteriaSet) -> str:
    return f"{criteria_set.version} ({criteria_set.get_status_display().lower()})"


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
