"""What several browser journeys do: fill the intake form from a shared example, run axe-core."""

from functools import cache
from importlib import resources

from playwright.sync_api import Page, expect

from tests.factories import birth_date_for, example, form_data

PATIENT_FIELDS = ("mrn", "given_name", "family_name", "date_of_birth", "sex", "intake_date")
# WCAG 2.0 and 2.1, levels A and AA: what the audit holds every page to.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")


def intake_values(example_id: str, **overrides) -> dict:
    """The values a clinician types for a shared example, as the form's controls expect them."""
    data = example(example_id, **overrides)
    values = form_data(data, mrn="MRN-E2E-1", given_name="Ada", family_name="Lovelace")
    values["date_of_birth"] = birth_date_for(data["age_years"]).isoformat()
    values.pop("action")
    return values


def control_types(page: Page) -> dict[str, str]:
    """Each named control of the intake form and its type (text, number, radio, select…)."""
    return page.evaluate(
        """() => Object.fromEntries(
            [...document.querySelectorAll('#intake-form [name]')]
              .map(el => [el.name, el.type || el.tagName.toLowerCase()]))"""
    )


def fill_intake(page: Page, values: dict, *, skip=(), at_once: bool = False) -> None:
    """Fill every control of the intake form with `values` (as `intake_values` gives them),
    through the controls themselves: typing, choosing, ticking. Names in `skip` are left alone.

    `at_once` sets every control in one step, for journeys about something else than typing
    (the browser still posts the form as a person's would)."""
    if at_once:
        page.evaluate(FILL_AT_ONCE, {k: v for k, v in values.items() if k not in skip})
        return
    types = control_types(page)
    for name, value in values.items():
        if name in skip or name not in types:
            continue
        kind = types[name]
        if kind == "radio":
            page.locator(f'input[name="{name}"][value="{value}"]').check()
        elif kind == "checkbox":
            codes = value if isinstance(value, list) else [value]
            boxes = page.locator(f'input[name="{name}"]')
            if boxes.count() == 1 and codes == ["on"]:
                boxes.check()
                continue
            for code in codes:
                page.locator(f'input[name="{name}"][value="{code}"]').check()
        elif kind.startswith("select"):
            page.locator(f'select[name="{name}"]').select_option(value)
        else:
            page.locator(f'[name="{name}"]').fill(str(value))


FILL_AT_ONCE = """(values) => {
    const form = document.getElementById('intake-form');
    for (const [name, value] of Object.entries(values)) {
        const wanted = (Array.isArray(value) ? value : [value]).map(String);
        for (const el of form.querySelectorAll(`[name="${name}"]`)) {
            if (el.type === 'radio' || el.type === 'checkbox') {
                el.checked = wanted.includes(el.value);
            } else {
                el.value = wanted[0];
            }
            el.dispatchEvent(new Event('change', {bubbles: true}));
        }
    }
}"""


def region(page: Page, site: str, view: str = "front"):
    """A body-map region (in the front view unless said otherwise)."""
    return page.locator(f'svg[data-bm-view="{view}"] .bm-region[data-site="{site}"]')


def site_box(page: Page, site: str):
    return page.locator(f'input[name="pain_sites"][value="{site}"]')


def expect_no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth, "
        "[...document.querySelectorAll('body *')].filter(el => "
        "el.getBoundingClientRect().right > window.innerWidth + 1 && "
        "getComputedStyle(el).position !== 'fixed').slice(0, 5).map(el => "
        "el.tagName + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.'))]"
    )
    scroll_width, inner_width, wide = widths
    assert scroll_width <= inner_width, f"{scroll_width}px wide in a {inner_width}px window: {wide}"


@cache
def axe_script() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical WCAG 2 A/AA violations on the page as it is now.

    axe is evaluated in the page by the DevTools protocol: the Content Security Policy, which
    would refuse an injected <script>, does not apply to it."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    results = page.evaluate(
        """async (tags) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        WCAG_TAGS,
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


def expect_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe(violations)}"


def expect_checked_sites(page: Page, sites) -> None:
    for site in sites:
        expect(site_box(page, site)).to_be_checked()
