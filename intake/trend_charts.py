"""Trend charts of a patient's visits, drawn as SVG on the server (no script, no inline style:
the Content Security Policy stays strict). Each chart comes with the same figures as a table.

Everything numeric is worked out here; the template only places what it is given.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.dateformat import format as format_date

from intake.models import Disposition, Outcome

WIDTH = 640
PLOT_LEFT, PLOT_RIGHT = 48, 620
PLOT_TOP, PLOT_BOTTOM = 16, 176
DATE_ROW = 194  # date labels under the axis
SUGGESTION_ROW = 214  # suggestion markers on the time axis
DISPOSITION_ROW = 236  # disposition markers
HEIGHT = 250
MAX_DATE_LABELS = 6

# (chart key, title, [(fact, series label)], y maximum)
CHARTS = (
    ("pain", "Pain (0-10)", (("pain_now", "Pain now"), ("pain_worst", "Worst pain")), 10),
    ("fdi", "Functional Disability Inventory (0-60)", (("fdi_score", "FDI"),), 60),
    ("wpi", "Widespread Pain Index (0-19)", (("wpi", "WPI"),), 19),
    ("sss", "Symptom Severity Scale (0-12)", (("sss", "SSS"),), 12),
    (
        "school",
        "School days missed (past 4 weeks, 0-20)",
        (("school_days_missed_4wk", "School days missed"),),
        20,
    ),
)
OUTCOME_LETTERS = {Outcome.REFER: "R", Outcome.CONSIDER_AMPS: "A", Outcome.INDETERMINATE: "I"}
DISPOSITION_LETTERS = {
    Disposition.AMPS_PROGRAMME: "P",
    Disposition.INFLAMMATORY_WORKUP: "W",
    Disposition.OTHER_REFERRAL: "O",
    Disposition.NO_FURTHER_ACTION: "N",
}
SUGGESTION_LEGEND = [(OUTCOME_LETTERS[o], o.label, o.value) for o in Outcome]
DISPOSITION_LEGEND = [(DISPOSITION_LETTERS[d], d.label, d.value) for d in Disposition]


# Coordinates are whole SVG units given as text, and dates are formatted once per visit, so
# that drawing twenty visits in five charts costs the template nothing but placing strings
# (a number would be localised by the template, each time).


@dataclass
class Point:
    x: str
    y: str
    title: str


@dataclass
class Series:
    label: str
    css: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass
class Marker:
    x: str
    left: str  # the x of the marker's 16-unit box, centred on the visit
    letter: str
    title: str
    css: str


@dataclass
class Chart:
    key: str
    title: str
    series: list[Series]
    gridlines: list[tuple[str, str]]
    date_labels: list[tuple[str, str]]
    suggestions: list[Marker]
    dispositions: list[Marker]
    rows: list[dict] = field(default_factory=list)  # the table alternative
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM
    date_row: int = DATE_ROW
    suggestion_row: int = SUGGESTION_ROW
    disposition_row: int = DISPOSITION_ROW
    suggestion_top: int = SUGGESTION_ROW - 8
    disposition_top: int = DISPOSITION_ROW - 8
    tick_x: int = PLOT_LEFT - 6

    @property
    def points_count(self) -> int:
        return sum(len(series.points) for series in self.series)


def _x_positions(days: list[date]) -> list[int]:
    """Each visit's x by its date (several visits on one day are spread evenly apart)."""
    if len(days) == 1:
        return [(PLOT_LEFT + PLOT_RIGHT) // 2]
    first, last = days[0], days[-1]
    span = (last - first).days
    inner_left, inner_right = PLOT_LEFT + 12, PLOT_RIGHT - 12
    if span == 0:
        step = (inner_right - inner_left) / (len(days) - 1)
        return [round(inner_left + i * step) for i in range(len(days))]
    width = inner_right - inner_left
    return [round(inner_left + (day - first).days / span * width) for day in days]


def _y(value: float, maximum: int) -> int:
    return round(PLOT_BOTTOM - value / maximum * (PLOT_BOTTOM - PLOT_TOP))


def trend_charts(visits) -> list[Chart]:
    """One chart per measure over the charted visits (oldest first), with the suggestion
    and the disposition of each visit marked on the time axis."""
    visits = sorted((v for v in visits if v.charted), key=lambda v: (v.intake.intake_date,))
    if not visits:
        return []
    days = [v.intake.intake_date for v in visits]
    shown = [format_date(day, "j M Y") for day in days]
    xs = _x_positions(days)
    step = max(1, -(-len(visits) // MAX_DATE_LABELS))
    date_labels = [(str(xs[i]), format_date(days[i], "j M y")) for i in range(0, len(visits), step)]
    suggestions, dispositions = [], []
    for x, visit, day in zip(xs, visits, shown, strict=True):
        if visit.screening is not None:
            outcome = Outcome(visit.screening.outcome)
            title = f"{day}: suggestion {outcome.label}"
            suggestions.append(
                Marker(str(x), str(x - 8), OUTCOME_LETTERS[outcome], title, outcome.value)
            )
        if visit.review is not None:
            disposition = Disposition(visit.review.disposition)
            title = f"{day}: disposition {disposition.label}"
            dispositions.append(
                Marker(
                    str(x), str(x - 8), DISPOSITION_LETTERS[disposition], title, disposition.value
                )
            )
    about_visits = [
        {
            "day": day,
            "suggestion": visit.screening.get_outcome_display() if visit.screening else "",
            "disposition": visit.review.get_disposition_display() if visit.review else "",
        }
        for visit, day in zip(visits, shown, strict=True)
    ]
    charts = []
    for key, title, measures, maximum in CHARTS:
        series = []
        for index, (name, label) in enumerate(measures):
            points = [
                Point(
                    str(x),
                    str(_y(visit.facts[name], maximum)),
                    f"{day}: {label} {visit.facts[name]}",
                )
                for x, visit, day in zip(xs, visits, shown, strict=True)
                if visit.facts.get(name) is not None
            ]
            series.append(Series(label=label, css=f"series-{index}", points=points))
        rows = [
            {**about, "values": [visit.facts.get(name) for name, _ in measures]}
            for visit, about in zip(visits, about_visits, strict=True)
        ]
        charts.append(
            Chart(
                key=key,
                title=title,
                series=series,
                gridlines=[(str(_y(v, maximum)), str(v)) for v in (0, maximum // 2, maximum)],
                date_labels=date_labels,
                suggestions=suggestions,
                dispositions=dispositions,
                rows=rows,
            )
        )
    return charts
