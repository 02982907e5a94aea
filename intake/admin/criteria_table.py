"""The criteria of a set as one compact table: a row per criterion, grouped by kind, each
expression's check result beside it, and the problems of a failed save named by criterion."""

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS

from intake.forms import CriterionAdminForm
from intake.models import CriterionKind
from intake.rules import language

GROUP_LABELS = {
    CriterionKind.RED_FLAG: "Red flags",
    CriterionKind.AMPS_PATHWAY: "AMPS pathways",
    CriterionKind.CAVEAT: "Caveats",
}


@dataclass
class CriterionRow:
    """One criterion's row: its form, where it is on the page (`anchor`), what it is called
    now, and its expression's check (`problems` empty when the expression checks)."""

    form: object
    anchor: str
    editable: bool
    kind: str
    code: str
    name: str
    expression: str
    active: bool
    problems: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """ "rf_labs (Abnormal labs)", or "New criterion" before it has a code."""
        if not self.code:
            return "New criterion"
        return f"{self.code} ({self.name})" if self.name else self.code

    def shows(self, name: str) -> bool:
        """Whether a field applies to this row's kind (others are kept hidden)."""
        every = ("message", "rationale", "source")
        return name in CriterionAdminForm.KIND_FIELDS.get(self.kind, every)

    @property
    def instance(self):
        return self.form.instance


@dataclass
class CriteriaTable:
    groups: list[tuple[str, str, list[CriterionRow]]]
    new_rows: list[CriterionRow]
    problems: list[tuple[str, str]]  # (anchor, "code (name): problem")
    count: int = 0
    active_count: int = 0

    @property
    def new_has_errors(self) -> bool:
        return any(row.form.errors for row in self.new_rows)


def criteria_table(inline_admin_formset) -> CriteriaTable:
    """The table of an inline formset of criteria (editable or read-only)."""
    formset = inline_admin_formset.formset
    editable = bool(inline_admin_formset.has_change_permission)
    by_kind: dict[str, list[CriterionRow]] = {kind: [] for kind in GROUP_LABELS}
    new_rows: list[CriterionRow] = []
    problems: list[tuple[str, str]] = []
    for index, form in enumerate(formset.forms):
        row = _row(form, f"{formset.prefix}-{index}", editable)
        if form.instance.pk is None:
            new_rows.append(row)
        else:
            by_kind.setdefault(row.kind, []).append(row)
        problems += [(row.anchor, f"{row.title}: {problem}") for problem in _form_problems(row)]
    problems += [("criteria-table", str(error)) for error in formset.non_form_errors()]
    saved = [row for rows in by_kind.values() for row in rows]
    return CriteriaTable(
        groups=[
            (kind, GROUP_LABELS.get(kind, kind), rows) for kind, rows in by_kind.items() if rows
        ],
        new_rows=new_rows,
        problems=problems,
        count=len(saved),
        active_count=sum(row.active for row in saved),
    )


def _row(form, anchor: str, editable: bool) -> CriterionRow:
    instance = form.instance
    if editable and form.is_bound:
        values = {name: form[name].value() for name in ("kind", "code", "name", "expression")}
        active = bool(form["active"].value())
    else:
        values = {name: getattr(instance, name) for name in ("kind", "code", "name", "expression")}
        active = instance.active
    row = CriterionRow(
        form=form,
        anchor=anchor,
        editable=editable,
        kind=values["kind"] or "",
        code=values["code"] or "",
        name=values["name"] or "",
        expression=values["expression"] or "",
        active=active,
    )
    if form.is_bound and form.errors.get("expression"):
        row.problems = list(form.errors["expression"])
    elif row.expression.strip() or instance.pk is not None:
        row.problems = [str(error) for error in language.check_expression(row.expression)]
    if editable and "expression" in form.fields:
        # The check shown under the expression describes it (for a screen reader too).
        attrs = form.fields["expression"].widget.attrs
        attrs["aria-describedby"] = f"{anchor}-check"
        # As many lines as the expression needs (about 36 characters a line at 1280 px): the
        # whole expression is shown, never cut off (at most MAX_EXPRESSION_LENGTH, 14 lines);
        # the stylesheet lets the box follow what is typed where the browser can.
        attrs["rows"] = max(1, -(-len(row.expression) // EXPRESSION_CHARS_PER_LINE))
        if row.problems:
            attrs["aria-invalid"] = "true"
    return row


#: About how many characters of an expression fit a line of the table's box at 1280 px.
EXPRESSION_CHARS_PER_LINE = 36


def _form_problems(row: CriterionRow) -> list[str]:
    """Every error of a row's form, in words: the expression's as they are, another field's
    after its label."""
    form = row.form
    if not form.is_bound or not form.errors:
        return []
    problems = []
    for name, errors in form.errors.items():
        for error in errors:
            if name in ("expression", NON_FIELD_ERRORS):
                problems.append(str(error))
            else:
                label = form.fields[name].label if name in form.fields else name
                problems.append(f"{label}: {error}")
    return problems
