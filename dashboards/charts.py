"""The staff analytics' charts: pygal SVG drawn on the server, inlined in the admin page.

No JavaScript and nothing from elsewhere: pygal's own script element (its tooltips' settings,
which would load its scripts from a CDN) is removed from the SVG, so a chart is a plain picture
whose data is also in the table beside it. Titles, series names and labels are translated in the
active language, and numbers use its formats.

Right to left: in Arabic (``translation.get_language_bidi()``) the categories and days run from
right to left, the first day at the right-hand edge, as an Arabic reader reads a time line; the
legend sits under the chart. pygal cannot move the value axis to the right, so it stays at the
left edge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pygal
from django.utils import formats, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from dashboards.analytics import AnalyticsReport, Table

MAX_BARS = 15
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#262626",
    foreground_strong="#262626",
    foreground_subtle="#777",
    font_family="inherit",
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    colors=("#007d7e", "#e9b04d", "#cd4444", "#5b5b8f", "#3a7d44", "#8f5b8f"),
)


def _number(value: float) -> str:
    if value == int(value):
        return formats.number_format(int(value), use_l10n=True, force_grouping=True)
    return formats.number_format(round(value, 1), decimal_pos=1, use_l10n=True)


def _config(chart_class: type, title: str, *, percent: bool = False, many: bool = False) -> Any:
    """A pygal chart of ours: no script, legend below, labels rotated when there are many."""
    chart = chart_class(
        style=STYLE,
        title=title,
        js=[],
        disable_xml_declaration=True,
        width=800,
        height=360,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        x_label_rotation=30 if many else 0,
        truncate_label=40,
        truncate_legend=40,
        value_formatter=(lambda v: f"{_number(v * 100)}%") if percent else _number,
        no_data_text=_("No data in this period"),
        print_values=False,
        include_x_axis=True,
    )
    return chart


def _render(chart: Any) -> SafeString:
    """The chart's SVG without pygal's script element (see the module docstring)."""
    svg = chart.render(is_unicode=True)
    # pygal builds the SVG with an XML serializer: every label is escaped, so the markup is safe.
    return mark_safe(_SCRIPT.sub("", svg))  # noqa: S308


def _ordered(labels: Sequence[str], series: dict[str, list[float]]) -> tuple[list, dict]:
    """Labels and values in reading order: reversed in a right-to-left language."""
    if not translation.get_language_bidi():
        return list(labels), series
    return list(reversed(labels)), {name: list(reversed(values)) for name, values in series.items()}


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, list[float]],
    *,
    line: bool = False,
    percent: bool = False,
) -> SafeString:
    """A bar (or line) chart of ``series`` over ``labels``, mirrored in right-to-left languages."""
    labels, series = _ordered(labels, series)
    chart = _config(pygal.Line if line else pygal.Bar, title, percent=percent, many=len(labels) > 8)
    chart.x_labels = labels
    if line and len(labels) > 8:
        # About seven day labels whatever the period; every day stays a point on the line.
        chart.x_labels_major = labels[:: -(-len(labels) // 7)]
        chart.show_minor_x_labels = False
    if percent:
        chart.range = (0, 1)
    if any(values for values in series.values()):
        for name, values in series.items():
            chart.add(name, values)
    return _render(chart)


def _column(table: Table, index: int, limit: int | None = None) -> list[Any]:
    rows = table.rows[:limit] if limit else table.rows
    return [row[index] for row in rows]


def report_charts(report: AnalyticsReport) -> dict[str, SafeString]:
    """One SVG per chart of the dashboard, keyed by the table it draws."""
    tables = report.tables
    daily = tables["daily"]
    days = [formats.date_format(day, "j M") for day in _column(daily, 0)]
    latency = tables["latency"]
    endpoints = [f"{row[1]} {row[0]}" for row in latency.rows[:MAX_BARS]]
    payments = tables["payments"]
    rated = [row for row in payments.rows if row[5] is not None]
    categories = tables["categories"]
    return {
        "daily": bar_chart(
            _("Sign-ups, offers and swaps per day"),
            days,
            {
                _("Sign-ups"): _column(daily, 1),
                _("Offers created"): _column(daily, 2),
                _("Swaps requested"): _column(daily, 3),
            },
            line=True,
        ),
        "swaps": bar_chart(
            _("Swaps by state"),
            _column(tables["swaps"], 0),
            {_("Swaps"): _column(tables["swaps"], 1)},
        ),
        "points_issued": bar_chart(
            _("Points issued, by source"),
            _column(tables["points_issued"], 0, MAX_BARS),
            {_("Points"): _column(tables["points_issued"], 1, MAX_BARS)},
        ),
        "points_spent": bar_chart(
            _("Points spent, by reason"),
            _column(tables["points_spent"], 0, MAX_BARS),
            {_("Points"): _column(tables["points_spent"], 1, MAX_BARS)},
        ),
        "payments": bar_chart(
            _("Payment success rate by gateway"),
            [row[0] for row in rated],
            {_("Success rate"): [row[5] for row in rated]},
            percent=True,
        ),
        "categories": bar_chart(
            _("Top categories"),
            _column(categories, 0, MAX_BARS),
            {
                _("Offers"): _column(categories, 1, MAX_BARS),
                _("Swaps"): _column(categories, 2, MAX_BARS),
            },
        ),
        "latency": bar_chart(
            _("API latency p50 and p95 (ms), slowest first"),
            endpoints,
            {
                _("p50 (ms)"): [row[3] for row in latency.rows[:MAX_BARS]],
                _("p95 (ms)"): [row[4] for row in latency.rows[:MAX_BARS]],
            },
        ),
    }
