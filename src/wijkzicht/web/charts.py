"""Line charts of a series over the years as inline SVG, drawn on the server.

No script and nothing from elsewhere: the chart is part of the page, prints as it shows, and WeasyPrint puts
it in the factsheet PDF as it is. The drawing scales with its `viewBox`, so one chart fits a 390 px phone and
a laptop alike. The SVG is an image with a text title and description (`role="img"`); the page beside it
gives the same figures as a table, for a screen reader and for whoever wants the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from wijkzicht.i18n import format_number

WIDTH, HEIGHT = 320, 176
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 20, 26  # room for the value axis, the last label and the years
INSET = 26  # the first and last year stand this far inside the plot, so their value labels fit
LINE = "#154273"  # the site's blue: 10:1 against white
INK = "#1a1a1a"
GRID = "#c8c8c8"
MAX_YEAR_LABELS = 6  # more years than this: label every other one, so labels never overlap on a phone


@dataclass(frozen=True)
class Scale:
    """The value axis: from `low` to `high` with gridlines every `step`."""

    low: float
    high: float
    step: float

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return TOP + (1 - share) * (HEIGHT - TOP - BOTTOM)

    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(count + 1)]


def nice_scale(values: Sequence[float], fixed: tuple[float, float] | None = None) -> Scale:
    """Round bounds around the values with 3 to 5 gridlines; `fixed` (a score's 0..100) is kept as given.

    The axis always reaches zero: a cut-off axis makes a change of a few tenths look like a collapse, and the
    value labels give the precise figures."""
    if fixed is not None:
        return Scale(fixed[0], fixed[1], (fixed[1] - fixed[0]) / 4)
    low, high = min(*values, 0.0), max(*values, 0.0)
    if high == low:  # all zero: a unit either side
        low, high = low - 1, high + 1
    step = _nice_step((high - low) / 4)
    return Scale(math.floor(low / step) * step, math.ceil(high / step) * step, step)


def _nice_step(rough: float) -> float:
    magnitude = 10 ** math.floor(math.log10(rough))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= rough)


def line_chart(
    points: Sequence[tuple[int, float | None]],
    *,
    chart_id: str,
    title: str,
    description: str,
    language: str,
    suffix: str = "",
    fixed: tuple[float, float] | None = None,
) -> Markup:
    """The series as an SVG line chart; a missing value breaks the line. At least one value is needed.

    `suffix` follows each value label ("%"); `fixed` fixes the value axis (scores run from 0 to 100)."""
    known = [(period, value) for period, value in points if value is not None]
    if not known:
        raise ValueError("a chart needs at least one value")
    scale = nice_scale([value for _, value in known], fixed)
    years = [period for period, _ in points]
    first, last = min(years), max(years)

    def x(period: int) -> float:
        if first == last:
            return (LEFT + WIDTH - RIGHT) / 2
        return LEFT + INSET + (period - first) / (last - first) * (WIDTH - LEFT - RIGHT - 2 * INSET)

    def number(value: float) -> str:
        return format_number(value, language)

    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, Arial, sans-serif" font-size="11">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for tick in scale.ticks():
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{scale.y(tick):.1f}" y2="{scale.y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 5}" y="{scale.y(tick) + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(number(tick))}</text>"
        )
    every = 1 if len(years) <= MAX_YEAR_LABELS else 2
    labelled = {year for position, year in enumerate(years) if position % every == 0 or year == last}
    for year in sorted(labelled):
        parts.append(
            f'<text x="{x(year):.1f}" y="{HEIGHT - 8}" text-anchor="middle" fill="{INK}">{year}</text>'
        )
    parts.extend(
        f'<polyline points="{" ".join(f"{x(p):.1f},{scale.y(v):.1f}" for p, v in run)}" fill="none" '
        f'stroke="{LINE}" stroke-width="2.5" stroke-linejoin="round"/>'
        for run in _runs(points)
        if len(run) > 1
    )
    for period, value in known:
        parts.append(f'<circle cx="{x(period):.1f}" cy="{scale.y(value):.1f}" r="3.5" fill="{LINE}"/>')
        if period in labelled:  # the value of every labelled year; the table beside gives them all
            parts.append(
                f'<text x="{x(period):.1f}" y="{max(scale.y(value) - 7, 10):.1f}" text-anchor="middle" '
                f'fill="{INK}" font-weight="600">{escape(number(value) + suffix)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _runs(points: Sequence[tuple[int, float | None]]) -> list[list[tuple[int, float]]]:
    """The stretches of consecutive known values: a gap in the data is a gap in the line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for period, value in points:
        if value is None:
            runs.append([])
        else:
            runs[-1].append((period, value))
    return [run for run in runs if run]
