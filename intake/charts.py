"""Charts drawn on the server as SVG geometry (no script): the template draws the shapes."""

from dataclasses import dataclass

WIDTH, BAR_HEIGHT, GAP, LABEL_WIDTH, VALUE_WIDTH = 480, 22, 10, 90, 110


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    width: int
    text_y: int
    value_x: int  # where the value is written: beside the bar, or inside an empty track


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    plot_x: int
    plot_width: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[int, str], ...]


def agreement_chart(rows: list[dict]) -> BarChart:
    """Horizontal bars of the agreement rate per criteria-set version (0–100%); a version
    with too few reviews for a rate (rate None) gets no bar, only its number."""
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, row in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        rate = row["rate"]
        bars.append(
            Bar(
                label=f"Version {row['version']}",
                value_text=f"n = {row['total']}, too few for a rate"
                if rate is None
                else f"{round(rate * 100)}% of {row['total']}",
                y=y,
                width=0 if rate is None else round(rate * plot_width),
                text_y=y + BAR_HEIGHT // 2 + 5,
                value_x=LABEL_WIDTH + (8 if rate is None else plot_width + 8),
            )
        )
    height = GAP + len(rows) * (BAR_HEIGHT + GAP) + 18
    ticks = tuple(
        (LABEL_WIDTH + round(plot_width * percent / 100), f"{percent}%") for percent in (0, 50, 100)
    )
    return BarChart(WIDTH, height, LABEL_WIDTH, plot_width, tuple(bars), ticks)
