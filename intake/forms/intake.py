"""The intake form: every data-dictionary field under its own name, with a fixed encoding.

Fields are built from the fact registry (`intake.rules.facts`), so a range or a code list
is written once. On "submit" the whole intake is checked with the same validator the JSON
format uses (`intake.rules.validation`), so a rule is enforced identically everywhere.
"""

import functools
import hashlib
import re
import uuid
from datetime import date
from pathlib import Path

from crispy_forms.bootstrap import InlineRadios, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Fieldset, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.functional import cached_property

from amps_screen import fields as strict
from intake.models import (
    IDENTITY_FIELDS,
    INTAKE_FACT_FIELDS,
    PATIENT_FIELDS,
    Intake,
    IntakeStatus,
    Patient,
    VisitType,
    code_choices,
    completed_years,
)
from intake.rules import facts, validation

ACTION_SUBMIT = "submit"
ACTION_DRAFT = "draft"

# A new intake's identity handed over by another page (the EHR launch of a child we do not
# know yet), in the session: taken once by the next new-intake form, which checks it as typed.
IDENTITY_PREFILL = "_amps_intake_identity_prefill"

MRN_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,20}$")
# A known patient's identity on the form: shown, never changed (corrected on the patient page).
# What a follow-up visit starts from: what does not change between visits. Never red flags,
# examination findings, pain scores, labs or FDI: those are asked again at every visit.
PREFILLED_FROM_LAST_VISIT = ("pain_sites", "triggers")
# Data dictionary: age at the intake date under 22 years; intake dates from 1990.
MAX_AGE_YEARS = 21
FIRST_INTAKE_DATE = date(1990, 1, 1)


def action_of(data) -> str:
    """The form's action: "submit" only when exactly that one value was sent. Anything else
    (no button value, as when a script posts the form; an empty, unknown, differently cased or
    repeated value) is at most a draft save: it never screens the intake."""
    return ACTION_SUBMIT if _action_values(data) == [ACTION_SUBMIT] else ACTION_DRAFT


def _action_values(data) -> list:
    if hasattr(data, "getlist"):
        return data.getlist("action")
    value = data.get("action")
    return value if isinstance(value, list) else [value]


def new_form_token() -> uuid.UUID:
    return uuid.uuid4()


YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_NOT_DONE = [("yes", "Yes"), ("no", "No"), ("not_done", "Not done")]
TRI_STATE_LABS = ("ldh_raised", "blasts_on_film", "ck_raised")
# Red-flag questions answered yes or no (radios, neither pre-selected).
YES_NO_FIELDS = tuple(
    name for name in facts.RED_FLAG_FIELDS if facts.INPUT_FACTS[name].type == facts.BOOL
)
# The red-flag details (data dictionary §5a): asked under their red flag when it is yes.
DETAIL_FIELDS = facts.RED_FLAG_DETAIL_FIELDS
# Details answered yes or no (radios, like the red flags).
YES_NO_DETAIL_FIELDS = tuple(
    name for name in DETAIL_FIELDS if facts.INPUT_FACTS[name].type == facts.BOOL
)
# Details that may stay blank while their red flag is yes (null is an answer: not measured).
OPTIONAL_DETAILS = ("highest_temperature_c",)

# Questions of the red-flag section that refer no child by themselves (a safeguarding concern
# is a caveat, followed on its own pathway): they do not open the emergency pathway.
NOT_A_REFERRAL = frozenset({"safeguarding_concern"})
# What the emergency pathway lets staff leave blank (any red flag answered yes).
EMERGENCY_OPTIONAL_FIELDS = frozenset(
    name for names in facts.EMERGENCY_OPTIONAL_SECTIONS.values() for name in names
)

# Explanations shown beside fields where the wording decides the clinical meaning.
HELP_TEXTS = {
    "oedema_observed": (
        "Diffuse, regional soft-tissue oedema that crosses joint lines. Swelling confined to a "
        "joint, or an effusion you cannot exclude, is joint swelling (a red flag), never oedema."
    ),
    "joint_swelling_observed": (
        "Examiner-observed swelling confined to a joint, or an effusion that cannot be excluded. "
        "Diffuse oedema crossing joint lines belongs in the Budapest grid instead."
    ),
    "pain_duration_weeks": "Completed weeks (0 = under a week). 3 months counts as 13 weeks.",
    "morning_stiffness_minutes": "0 when there is none.",
    "haemoglobin_g_dl": "Leave blank when not done.",
    "fdi_score": "Functional Disability Inventory, 0-60. Leave blank when not done.",
    "non_weight_bearing_days": "Days since the child stopped bearing weight (0 = today).",
    "joint_swelling_weeks": "Completed weeks since the swelling began (0 = under a week).",
    "fever_days": "Day 1 is the first day of fever; recurrent fevers count from the first.",
    "highest_temperature_c": "The highest measured, one decimal. Leave blank when not measured.",
    "kawasaki_features": "Tick every feature seen, or “None of these”.",
    "petechiae_or_purpura": (
        "Non-blanching petechiae or purpura seen on examination (asked when rash or pallor, "
        "bruising or bleeding is yes)."
    ),
    "hepatosplenomegaly": "Liver or spleen enlarged on examination (not nodes alone).",
    "sphincter_or_saddle_signs": (
        "New bladder or bowel dysfunction, urinary retention, or saddle anaesthesia."
    ),
    "bulbar_or_respiratory_weakness": (
        "Difficulty swallowing, a changed voice, or difficulty breathing."
    ),
    "dark_urine": "Dark (cola-coloured) urine.",
}


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


def _number_widget(fact: facts.Fact, step: str) -> forms.NumberInput:
    attrs = {"step": step, "inputmode": "decimal" if step != "1" else "numeric"}
    if fact.minimum is not None:
        attrs["min"] = fact.minimum
    if fact.maximum is not None:
        attrs["max"] = fact.maximum
    return forms.NumberInput(attrs=attrs)


def field_for_fact(fact: facts.Fact) -> forms.Field:
    """The form field of one input fact, with the encoding the data dictionary fixes."""
    options = {"label": fact.label, "required": False, "help_text": HELP_TEXTS.get(fact.name, "")}
    if fact.type == facts.CODES:
        return forms.MultipleChoiceField(
            choices=code_choices(fact.name),
            widget=forms.CheckboxSelectMultiple,
            **options,
        )
    if fact.type == facts.BOOL and fact.name in TRI_STATE_LABS:
        return forms.TypedChoiceField(
            choices=YES_NO_NOT_DONE,
            coerce=_yes_no,
            empty_value=None,
            widget=forms.RadioSelect,
            initial="not_done",
            **options,
        )
    if fact.name in YES_NO_FIELDS or fact.name in YES_NO_DETAIL_FIELDS:
        # Drawn as a compact Yes/No pair per question (intake/_red_flags.html): real radios,
        # so Tab reaches each question and the arrow keys choose.
        return forms.TypedChoiceField(
            choices=YES_NO,
            coerce=_yes_no,
            empty_value=None,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            **options,
        )
    if fact.type == facts.BOOL:
        return forms.BooleanField(
            widget=forms.CheckboxInput(attrs={"class": "form-check-input"}), **options
        )
    if fact.type == facts.INT:
        return strict.IntegerField(
            min_value=fact.minimum,
            max_value=fact.maximum,
            widget=_number_widget(fact, "1"),
            **options,
        )
    if fact.type == facts.DECIMAL:
        places = fact.decimal_places or 2
        return strict.DecimalField(
            min_value=fact.minimum,
            max_value=fact.maximum,
            decimal_places=places,
            widget=_number_widget(fact, "0.1" if places == 1 else "0.01"),
            **options,
        )
    if fact.type == facts.CHOICE:
        return forms.ChoiceField(
            choices=code_choices(fact.name),
            widget=forms.RadioSelect,
            initial=fact.default,
            **options,
        )
    raise ValueError(f"No form field for fact type {fact.type!r}")


class IntakeForm(forms.Form):
    """One page: patient, pain, Budapest grid, severity, red flags, labs, function, notes."""

    mrn = forms.CharField(label="MRN", max_length=20)
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = strict.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sex = forms.ChoiceField(label="Sex", choices=[("", "Choose…"), *code_choices("sex")])
    intake_date = strict.DateField(
        label="Intake date",
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    clinical_notes = forms.CharField(
        label="Clinical notes",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Stored with the intake; never read by the criteria.",
    )
    # One per drawn form: the same form posted twice is saved once (services.save_intake).
    form_token = forms.UUIDField(
        required=False,
        initial=new_form_token,
        widget=forms.HiddenInput,
        error_messages={"invalid": "This form's token is damaged: save again."},
    )

    def __init__(
        self,
        *args,
        action: str | None = None,
        intake: Intake | None = None,
        patient: Patient | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if action is None:
            action = action_of(self.data) if self.is_bound else ACTION_DRAFT
        self.action = action
        # Whether the POST chose one of the two actions (if not, it is saved as a draft, and
        # the user is told so).
        self.action_chosen = self.is_bound and _action_values(self.data) in (
            [ACTION_DRAFT],
            [ACTION_SUBMIT],
        )
        self.intake = intake  # the intake being edited (None for a new one)
        # The known patient: given for an intake being edited or a new visit of a known
        # patient (then the identity is shown read-only: it is corrected on the patient's
        # page, with a reason), else found by clean() from the MRN typed.
        self.patient: Patient | None = patient
        self.known_patient = patient
        self.prefilled_from: Intake | None = None
        if patient is not None:
            for name in PATIENT_FIELDS:
                self.fields[name].disabled = True
                self.initial[name] = getattr(patient, name)
        if intake is not None and intake.status == IntakeStatus.SUBMITTED:
            # A submitted intake may be in the queue and read by a reviewer: a change says why,
            # and is kept in the intake's history with the reason.
            self.fields["change_reason"] = forms.CharField(
                label="Reason for changing this submitted intake",
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Kept in the intake's history and shown on its page. Submitting "
                "screens the intake again; the earlier screening is kept.",
                error_messages={
                    "required": "Say why this submitted intake is changed: the reason is kept "
                    "in its history."
                },
            )

    @cached_property
    def helper(self) -> "IntakeFormHelper":
        """The layout, built only when the form is drawn (never for a successful submit)."""
        return IntakeFormHelper()

    @classmethod
    def for_intake(cls, intake: Intake, **kwargs) -> "IntakeForm":
        """An unbound form showing a stored intake."""
        initial = {}
        for name in INTAKE_FACT_FIELDS:
            value = getattr(intake, name)
            if name in TRI_STATE_LABS:
                value = {True: "yes", False: "no", None: "not_done"}[value]
            elif name in YES_NO_FIELDS or name in YES_NO_DETAIL_FIELDS:
                value = {True: "yes", False: "no", None: None}[value]
            initial[name] = value
        initial.update(intake_date=intake.intake_date, clinical_notes=intake.clinical_notes)
        return cls(initial=initial, intake=intake, patient=intake.patient, **kwargs)

    @classmethod
    def for_new_visit(cls, patient: Patient, previous: Intake | None, **kwargs) -> "IntakeForm":
        """An unbound form for a known patient's next visit: a follow-up, with what does not
        change between visits (PREFILLED_FROM_LAST_VISIT) copied from their last submitted
        intake and marked as such. Red flags, findings, scores, labs and FDI are asked
        again: a red flag that was not asked is not a no."""
        initial = {"visit_type": VisitType.FOLLOW_UP}
        form = cls(initial=initial, patient=patient, **kwargs)
        form.prefill_from(previous)
        return form

    def prefill_from(self, previous: Intake | None) -> None:
        """Copy the values that do not change between visits from an earlier intake (on an
        unbound form), and say beside each field which visit it came from."""
        self.prefilled_from = previous
        if previous is None:
            return
        for name in PREFILLED_FROM_LAST_VISIT:
            if not self.is_bound:
                self.initial[name] = getattr(previous, name)
            self.fields[name].help_text = (
                f"Copied from the {previous.get_visit_type_display().lower()} of "
                f"{previous.intake_date:%-d %b %Y}: a starting point, check it with the "
                "patient."
            )

    def red_flag_fields(self) -> list:
        """The yes/no red-flag questions, in data-dictionary order."""
        return [self[name] for name in YES_NO_FIELDS]

    def red_flag_rows(self) -> list[tuple]:
        """Each yes/no red flag with its details (§5a) as (red flag, [(detail, the red flags
        that ask it, comma-separated)]), in data-dictionary order."""
        return [
            (
                self[name],
                [
                    (self[detail], ",".join(facts.INPUT_FACTS[detail].asked_when))
                    for detail in facts.RED_FLAG_DETAILS.get(name, ())
                ],
            )
            for name in YES_NO_FIELDS
        ]

    def budapest_rows(self) -> list[tuple[str, list, list]]:
        """The Budapest grid: (category, reported fields, observed fields) per row."""
        return [
            (
                category.label,
                [self[name] for name in category.reported],
                [self[name] for name in category.observed],
            )
            for category in facts.BUDAPEST_CATEGORIES
        ]

    def fields_in_page_order(self) -> list[str]:
        """Every field's name in the order the page shows it: the layout's order, with the
        fields that its included templates draw (body map, Budapest grid, red flags) in
        their place. The error summary lists the errors in this order."""
        drawn_by = {
            "intake/_pain_section.html": ["pain_sites"],
            "intake/_budapest_grid.html": [
                field.name
                for _, reported, observed in self.budapest_rows()
                for field in (*reported, *observed)
            ],
            "intake/_red_flags.html": [
                name
                for flag, details in self.red_flag_rows()
                for name in (flag.name, *(detail.name for detail, _ in details))
            ],
        }
        order: list[str] = ["change_reason"] if "change_reason" in self.fields else []

        def walk(node) -> None:
            if isinstance(node, str):
                order.append(node)
            elif isinstance(node, HTML):
                for template, names in drawn_by.items():
                    if template in node.html:
                        order.extend(names)
            else:
                for child in getattr(node, "fields", ()):
                    walk(child)

        walk(self.helper.layout)
        return order

    # -- one field at a time ------------------------------------------------------------------

    def clean_mrn(self) -> str:
        mrn = self.cleaned_data["mrn"].strip()
        if not MRN_PATTERN.match(mrn):
            raise forms.ValidationError("Use 1-20 letters, digits or hyphens.", code="invalid_mrn")
        return mrn

    def clean_given_name(self) -> str:
        return self.cleaned_data["given_name"].strip()

    def clean_family_name(self) -> str:
        return self.cleaned_data["family_name"].strip()

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth is in the future.", code="future")
        return born

    def clean_intake_date(self) -> date:
        day = self.cleaned_data["intake_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("The intake date is in the future.", code="future")
        if day < FIRST_INTAKE_DATE:
            raise forms.ValidationError(
                "The intake date is before 1990: check the year.", code="too_early"
            )
        return day

    # -- the whole form -------------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        born, day = cleaned.get("date_of_birth"), cleaned.get("intake_date")
        # A known patient's date of birth is read-only here: the intake date is what to fix.
        dated = "date_of_birth" if self.known_patient is None else "intake_date"
        if born and day:
            if born > day:
                self.add_error(
                    dated,
                    forms.ValidationError(
                        "The date of birth is after the intake date.", code="after_intake"
                    ),
                )
            elif completed_years(born, day) > MAX_AGE_YEARS:
                self.add_error(
                    dated,
                    forms.ValidationError(
                        "The patient must be under 22 years old on the intake date.",
                        code="too_old",
                    ),
                )
        if "form_token" in self.errors:
            self._renew_token()  # drawn again with a sound one, so that saving again works
        if self.known_patient is None:
            self._check_known_patient(cleaned)
        else:
            self._refuse_identity_changes()
        self._check_details(cleaned)
        if self.action == ACTION_SUBMIT:
            self._check_complete_intake(cleaned)
        return cleaned

    def _check_details(self, cleaned) -> None:
        """The red-flag details (§5a): a value given while none of its red flags is yes is
        refused beside it (whatever the action: it was not asked); on submit, a detail whose
        red flag is yes must be answered (the highest temperature may stay blank: not
        measured)."""
        for name in DETAIL_FIELDS:
            if name in self.errors:
                continue
            value = cleaned.get(name)
            given = value not in (None, "", [])
            flags = facts.INPUT_FACTS[name].asked_when
            answers = [cleaned.get(flag) for flag in flags]
            if given and True not in answers and False in answers and None not in answers:
                labels = " or ".join(f"“{self.fields[flag].label}”" for flag in flags)
                self.add_error(
                    name,
                    forms.ValidationError(
                        "Asked only when %(flags)s is yes: clear it, or answer yes above.",
                        code="detail_not_asked",
                        params={"flags": labels},
                    ),
                )
            elif (
                self.action == ACTION_SUBMIT
                and not given
                and True in answers
                and name not in OPTIONAL_DETAILS
            ):
                self.add_error(
                    name,
                    forms.ValidationError(
                        "Required when %(flag)s is yes.",
                        code="required",
                        params={"flag": f"“{self.fields[flags[answers.index(True)]].label}”"},
                    ),
                )

    def _refuse_identity_changes(self) -> None:
        """A known patient's identity is read-only here: a changed value posted anyway (an
        old page, another tool) is refused beside its field, never dropped silently."""
        patient = self.known_patient
        for name in PATIENT_FIELDS:
            posted = self.data.get(name)
            stored = getattr(patient, name)
            stored = stored.isoformat() if name == "date_of_birth" else stored
            if posted not in (None, "") and posted.strip() != stored:
                self.add_error(
                    None if name in self.errors else name,
                    forms.ValidationError(
                        "%(label)s cannot be changed on an intake: correct it on the "
                        "patient's page (Correct identity), with the reason.",
                        code="identity_read_only",
                        params={"label": self.fields[name].label},
                    ),
                )

    def _check_known_patient(self, cleaned) -> None:
        """A known MRN: its patient, whose identity this form may change only when the patient
        is this intake's own (no other intake); otherwise a change is refused on its field."""
        mrn = cleaned.get("mrn")
        if not mrn:
            return
        patient = self.patient = Patient.objects.filter(mrn=mrn).first()
        if patient is None:
            return
        changed = [
            name
            for name in IDENTITY_FIELDS
            if name in cleaned and cleaned[name] != getattr(patient, name)
        ]
        if changed and not patient.identity_editable_from(self.intake):
            own = self.intake is not None and self.intake.patient_id == patient.pk
            self.report_identity_kept(patient, changed, own=own)

    def report_identity_kept(self, patient: Patient, fields, *, own: bool) -> None:
        """Identity changes that are not saved from an intake, each on its field: the patient
        has other visits (own), or the MRN is another patient's."""
        for name in fields:
            if name in self.errors:
                continue
            params = {
                "mrn": patient.mrn,
                "field": self.fields[name].label.lower(),
                "recorded": getattr(patient, name),
            }
            if name == "sex":
                params["recorded"] = patient.get_sex_display().lower()
            if not own and name == "date_of_birth":
                self.report_other_patient(patient.mrn)
            elif own:
                message = (
                    "This patient has other visits; identity is corrected on the patient "
                    "record, not on an intake. The recorded %(field)s is %(recorded)s."
                )
                self.add_error(
                    name,
                    forms.ValidationError(message, code="identity_has_other_visits", params=params),
                )
            else:
                message = (
                    "MRN %(mrn)s belongs to a patient whose %(field)s is recorded as "
                    "%(recorded)s. Check the MRN; identity is corrected on the patient "
                    "record, not on an intake."
                )
                self.add_error(
                    name,
                    forms.ValidationError(message, code="mrn_identity_mismatch", params=params),
                )

    def report_token_refused(self) -> None:
        """The form's token was used by someone else or for another intake: nothing was saved;
        the form is drawn again with a token of its own."""
        self.add_error(
            None,
            forms.ValidationError(
                "This form was already used for another intake or by another user, so nothing "
                "was saved. Check what it holds and save it again.",
                code="token_refused",
            ),
        )
        self._renew_token()

    def _renew_token(self) -> None:
        self.data = self.data.copy()
        self.data["form_token"] = str(new_form_token())

    def report_other_patient(self, mrn: str) -> None:
        """The MRN belongs to a patient born on another day (found here, or registered by
        someone else between this check and the save)."""
        self.add_error(
            "date_of_birth",
            forms.ValidationError(
                "MRN %(mrn)s belongs to a patient with a different date of birth. "
                "Check the MRN and the date of birth.",
                code="mrn_dob_mismatch",
                params={"mrn": mrn},
            ),
        )

    @property
    def emergency_pathway(self) -> bool:
        """Whether a red flag was answered yes: then the sections of
        facts.EMERGENCY_OPTIONAL_SECTIONS may be left blank to submit (the child is seen now;
        the rest can wait). Values that are given are still checked."""
        return any(
            self.cleaned_data.get(name) is True
            for name in YES_NO_FIELDS
            if name not in NOT_A_REFERRAL
        )

    def _check_complete_intake(self, cleaned) -> None:
        """Submit: every rule of the data dictionary, through the shared validator (on the
        emergency pathway, without requiring the sections it lets staff skip)."""
        # Every rule in one round, even when the identity has errors: the age is then
        # unknown, and the date of birth's own errors say what is wrong with it.
        born, day = cleaned.get("date_of_birth"), cleaned.get("intake_date")
        candidate = {"age_years": completed_years(born, day) if born and day else 0}
        candidate["sex"] = cleaned.get("sex") or None
        for name in INTAKE_FACT_FIELDS:
            if name in self.errors:
                continue  # already reported on its field
            value = cleaned.get(name)
            fact = facts.INPUT_FACTS[name]
            if value in ("", None) or (fact.type == facts.CODES and not value):
                continue  # absent: the validator reports it when it is required
            candidate[name] = float(value) if fact.type == facts.DECIMAL else value
        _, errors = validation.validate_intake(candidate)
        skippable = EMERGENCY_OPTIONAL_FIELDS if self.emergency_pathway else frozenset()
        for error in errors:
            if error.field == "age_years":
                continue  # the date of birth's checks above say it beside the field
            if error.code == "required" and error.field in skippable:
                continue  # left blank on the emergency pathway
            field = error.field if error.field in self.fields else None
            if field and field in self.errors:
                continue
            message = (
                REQUIRED_MESSAGES.get(field, "Required to submit.")
                if error.code == "required"
                else error.message
            )
            self.add_error(field, forms.ValidationError(message, code=error.code))

    def intake_values(self) -> dict:
        """The cleaned values to store on the Intake (a lab radio left empty = not done)."""
        values = {}
        for name in INTAKE_FACT_FIELDS:
            value = self.cleaned_data.get(name)
            fact = facts.INPUT_FACTS[name]
            fact_type = fact.type
            if fact.asked_when:
                asked = any(self.cleaned_data.get(flag) is not False for flag in fact.asked_when)
                # A detail not asked (its red flags all no) is null, and so is an empty list.
                value = value if asked and value not in ("", []) else None
                if value is not None and fact_type == facts.CODES:
                    value = list(value)
            elif fact_type == facts.CODES:
                value = list(value or [])
            elif fact_type == facts.CHOICE:
                value = value or facts.INPUT_FACTS[name].default or ""
            values[name] = value
        values["intake_date"] = self.cleaned_data["intake_date"]
        values["clinical_notes"] = self.cleaned_data.get("clinical_notes", "")
        return values

    def token(self) -> uuid.UUID | None:
        return self.cleaned_data.get("form_token")

    def patient_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in PATIENT_FIELDS}


# The data-dictionary fields, built once from the registry (Django copies them for each form).
IntakeForm.base_fields.update(
    {name: field_for_fact(facts.INPUT_FACTS[name]) for name in INTAKE_FACT_FIELDS}
)

REQUIRED_MESSAGES = dict.fromkeys(
    YES_NO_FIELDS, "Answer yes or no: a red flag that was not asked is not a no."
)
REQUIRED_MESSAGES.update(
    pain_sites="Mark at least one pain site on the body map or in the list.",
    triggers="Choose at least one trigger, or “None”.",
    inflammatory_disease="Choose none, in remission or active.",
    morning_stiffness_minutes="Enter the minutes of morning stiffness (0 when there is none).",
)


# What the blank form's HTML is drawn from besides the data dictionary: this module and the
# intake templates its layout may include (every partial, so that a new one is never missed).
_SKELETON_SOURCES = ("intake/forms/intake.py", "templates/intake/_*.html")


@functools.cache
def skeleton_version() -> str:
    """A hash of everything the blank intake form's HTML depends on (every field of every fact
    in the data dictionary's registry, this module, the intake partials), computed once per
    process: a deployment that changes any of them draws the form anew, whatever is in the
    shared cache."""
    digest = hashlib.sha256()
    for fact in facts.FACTS.values():
        digest.update(repr(fact).encode())
    root = Path(__file__).resolve().parents[2]
    for pattern in _SKELETON_SOURCES:
        for path in sorted(root.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def blank_form_cache_key() -> str:
    """The template fragment cache key of today's blank intake form (its intake date is today)."""
    return f"{skeleton_version()}:{timezone.localdate().isoformat()}"


class IntakeFormHelper(FormHelper):
    """The crispy-forms layout: the sections of the data dictionary, in order."""

    form_tag = False
    disable_csrf = True

    def __init__(self):
        super().__init__()
        self.layout = Layout(
            Fieldset(
                "Patient",
                # form_token is drawn by the template, outside the cached blank skeleton.
                Row(
                    Column("mrn", css_class="col-md-3"),
                    Column("given_name", css_class="col-md-3"),
                    Column("family_name", css_class="col-md-3"),
                    Column("date_of_birth", css_class="col-md-3"),
                ),
                Row(
                    Column("sex", css_class="col-md-3"),
                    Column("intake_date", css_class="col-md-3"),
                    Column(InlineRadios("visit_type"), css_class="col-md-6"),
                ),
                css_id="section-patient",
            ),
            Fieldset(
                "Pain",
                HTML('{% include "intake/_pain_section.html" %}'),
                Row(
                    Column("pain_duration_weeks", css_class="col-md-4"),
                    Column(InlineRadios("pain_pattern"), css_class="col-md-8"),
                ),
                InlineRadios("pain_scale"),
                Row(
                    Column("pain_now", css_class="col-md-3"),
                    Column("pain_worst", css_class="col-md-3"),
                ),
                Field("pain_out_of_proportion"),
                Div("triggers", css_class="checkbox-columns"),
                css_id="section-pain",
            ),
            Fieldset(
                "Sensory and autonomic findings (Budapest)",
                HTML('{% include "intake/_budapest_grid.html" %}'),
                Row(Column("temperature_difference_c", css_class="col-md-4")),
                css_id="section-budapest",
            ),
            Fieldset(
                "Symptom severity",
                Row(
                    Column("fatigue", css_class="col-md-4"),
                    Column("waking_unrefreshed", css_class="col-md-4"),
                    Column("cognitive_symptoms", css_class="col-md-4"),
                ),
                Row(
                    Column("headache_6mo", css_class="col-md-4"),
                    Column("lower_abdominal_pain_6mo", css_class="col-md-4"),
                    Column("depression_6mo", css_class="col-md-4"),
                ),
                Row(
                    Column("sleep_disturbance", css_class="col-md-4"),
                    Column("anxiety", css_class="col-md-4"),
                ),
                css_id="section-severity",
            ),
            Fieldset(
                "Red flags",
                HTML(
                    '<p class="small text-body-secondary">Answer every question: a red flag '
                    "that was not asked is not a no.</p>"
                ),
                HTML('{% include "intake/_red_flags.html" %}'),
                Row(
                    Column("morning_stiffness_minutes", css_class="col-md-4"),
                    Column(InlineRadios("inflammatory_disease"), css_class="col-md-8"),
                ),
                css_id="section-red-flags",
            ),
            Fieldset(
                "Laboratory results",
                HTML(
                    '<p class="small text-body-secondary">Leave a value blank when the test '
                    "was not done.</p>"
                ),
                Row(
                    *[
                        Column(name, css_class="col-md-4 col-lg-2")
                        for name in facts.LAB_FIELDS
                        if name not in TRI_STATE_LABS
                    ]
                ),
                Row(*[Column(InlineRadios(name), css_class="col-md-4") for name in TRI_STATE_LABS]),
                css_id="section-labs",
            ),
            Fieldset(
                "Function",
                Row(
                    Column("school_days_missed_4wk", css_class="col-md-4"),
                    Column("fdi_score", css_class="col-md-4"),
                    Column("mobility_aid", css_class="col-md-4"),
                ),
                css_id="section-function",
            ),
            Fieldset("Notes", "clinical_notes", css_id="section-notes"),
            Div(
                StrictButton(
                    "Submit and screen",
                    type="submit",
                    name="action",
                    value=ACTION_SUBMIT,
                    css_class="btn btn-primary btn-lg",
                ),
                StrictButton(
                    "Save as draft",
                    type="submit",
                    name="action",
                    value=ACTION_DRAFT,
                    css_class="btn btn-outline-secondary btn-lg",
                    formnovalidate=True,
                ),
                css_class="d-flex flex-wrap gap-2 mt-4 form-actions",
            ),
        )


class IntakeSearchForm(forms.Form):
    q = forms.CharField(label="MRN or name", max_length=100, required=False)


def error_summary(form: forms.Form) -> list[dict]:
    """Every error of a bound form, each with the anchor of the control it belongs to."""
    if not form.is_bound or not form.errors:
        return []
    summary = []
    page_order = getattr(form, "fields_in_page_order", None)
    position = {name: n for n, name in enumerate(page_order() if page_order else form.fields)}
    # Errors of the form as a whole first, then each field's where the page shows it (a
    # field the page order does not know goes last, in the order the form declares it).
    names = sorted(
        form.errors,
        key=lambda name: (
            name != forms.forms.NON_FIELD_ERRORS,
            position.get(name, len(position)),
        ),
    )
    for name in names:
        errors = form.errors[name]
        if name == forms.forms.NON_FIELD_ERRORS:
            summary.extend({"label": "", "message": e, "anchor": "form-errors"} for e in errors)
            continue
        field = form.fields[name]
        grouped = isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
        anchor = f"id_{name}_0" if grouped else f"id_{name}"
        summary.extend({"label": field.label, "message": e, "anchor": anchor} for e in errors)
    return summary
