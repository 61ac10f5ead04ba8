"""Charts drawn on the server as inline SVG: no JavaScript, nothing loaded from elsewhere.

Pure functions from plain data to markup. Every chart names itself to screen readers
(``role="img"`` with ``<title>`` and ``<desc>``), every bar carries its figure as a tooltip
(``<title>``), and the pages show the same figures as a table beside the chart. Colours come
from CSS classes (``console-chart-N``, connector/static/connector/console.css) that follow the
admin's light and dark theme. Amounts stay ``Decimal``; only pixel positions are floats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from math import floor, log10

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PALETTE = 8  # colour classes console-chart-0 … -7
WIDTH = 640
PLOT_LEFT = 64  # room for the value axis labels
PLOT_RIGHT = 8
PLOT_TOP = 8
LABEL_ROWS = 22  # below the plot: category labels
LEGEND_ROW = 18

Formatter = Callable[[Decimal], str]


def _px(value: float) -> float:
    """A coordinate, to a tenth of a pixel."""
    return round(value, 1)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above ``value`` (0 for nothing to show)."""
    if value <= 0:
        return 0.0
    magnitude = 10 ** floor(log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop ends at 10


def _svg_open(chart_id: str, title: str, description: str, height: float) -> SafeString:
    return format_html(
        '<svg class="console-chart" id="{0}" role="img" aria-labelledby="{0}-title {0}-desc" '
        'viewBox="0 0 {1} {2}" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>',
        chart_id,
        WIDTH,
        round(height),
        title,
        description,
    )


def _legend(names: Sequence[str], y: float) -> SafeString:
    """One row of colour swatches and names (as many as fit; every name is in the table)."""
    parts = []
    x = float(PLOT_LEFT)
    for n, name in enumerate(names):
        if x > WIDTH - 60:
            break
        parts.append(
            format_html(
                '<rect class="console-chart-{}" x="{}" y="{}" width="10" height="10"/>'
                '<text class="console-chart-text" x="{}" y="{}">{}</text>',
                n % PALETTE,
                _px(x),
                _px(y),
                _px(x + 14),
                _px(y + 9),
                name,
            )
        )
        x += 24 + 6.5 * min(len(name), 40)
    return mark_safe("".join(parts))  # noqa: S308 - built from format_html parts only


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal]]],
    fmt: Formatter,
    label_every: int = 5,
    height: int = 200,
) -> SafeString:
    """Vertical bars, one per category (a day), stacked by series (a channel). Negative
    values (more credit notes than sales) stack below the zero line."""
    count = len(categories)  # 0: no day or run yet, the axes alone
    up = [sum((max(v[i], Decimal(0)) for _, v in series), Decimal(0)) for i in range(count)]
    down = [sum((min(v[i], Decimal(0)) for _, v in series), Decimal(0)) for i in range(count)]
    top = nice_ceiling(float(max(up, default=0)))
    bottom = -nice_ceiling(float(-min(down, default=0)))
    span = (top - bottom) or 1.0
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    slot = plot_width / max(count, 1)

    def y_of(value: float) -> float:
        return PLOT_TOP + (top - value) / span * height

    parts: list[str] = [
        _svg_open(chart_id, title, description, PLOT_TOP + height + LABEL_ROWS + LEGEND_ROW)
    ]
    parts.append(_value_axis(top, bottom, y_of, fmt))
    for n, (name, values) in enumerate(series):
        bars = []
        for i, value in enumerate(values):
            if not value:
                continue
            below = sum((s[1][i] for s in series[:n] if (s[1][i] > 0) == (value > 0)), Decimal(0))
            y1, y2 = y_of(float(below)), y_of(float(below + value))
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}"><title>{}: {}: {}</title></rect>',
                    _px(PLOT_LEFT + i * slot + slot * 0.1),
                    _px(min(y1, y2)),
                    _px(slot * 0.8),
                    _px(max(abs(y2 - y1), 0.5)),
                    categories[i],
                    name,
                    fmt(value),
                )
            )
        parts.append(
            format_html(
                '<g class="console-chart-{}" data-series="{}">{}</g>',
                n % PALETTE,
                name,
                mark_safe("".join(bars)),  # noqa: S308 - format_html parts only
            )
        )
    parts.append(_category_labels(categories, slot, PLOT_TOP + height, label_every))
    parts.append(_legend([name for name, _ in series], PLOT_TOP + height + LABEL_ROWS))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 - format_html parts only


def _value_axis(top: float, bottom: float, y_of: Callable[[float], float], fmt: Formatter) -> str:
    lines = []
    for value in sorted({top, 0.0, bottom, top / 2}):
        y = y_of(value)
        lines.append(
            format_html(
                '<line class="console-chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="console-chart-text" x="{}" y="{}" text-anchor="end">{}</text>',
                PLOT_LEFT,
                WIDTH - PLOT_RIGHT,
                _px(y),
                _px(y),
                PLOT_LEFT - 4,
                _px(y + 4),
                fmt(Decimal(str(value))),
            )
        )
    return "".join(lines)


def _category_labels(categories: Sequence[str], slot: float, y: float, every: int) -> str:
    return format_html_join(
        "",
        '<text class="console-chart-text" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (_px(PLOT_LEFT + i * slot + slot / 2), _px(y + 15), label)
            for i, label in enumerate(categories)
            if i % every == 0 or i == len(categories) - 1
        ),
    )


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, Decimal]],
    fmt: Formatter,
    label_width: int = 240,
) -> SafeString:
    """One horizontal bar per row with its label on the left and its amount at its end;
    negative amounts are drawn in their own colour from the same zero line."""
    bar_height, gap = 18, 6
    height = max(len(rows), 1) * (bar_height + gap) + gap
    largest = max((abs(float(v)) for _, v in rows), default=0.0) or 1.0
    room = WIDTH - label_width - 110  # the amount's text after the bar
    parts: list[str] = [_svg_open(chart_id, title, description, height)]
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_height + gap)
        length = max(abs(float(value)) / largest * room, 1.0)
        short = label if len(label) <= 38 else label[:37] + "…"
        parts.append(
            format_html(
                '<g class="console-chart-{}"><text class="console-chart-text" x="{}" y="{}" '
                'text-anchor="end">{}</text><rect x="{}" y="{}" width="{}" height="{}">'
                '<title>{}: {}</title></rect><text class="console-chart-text" x="{}" y="{}">'
                "{}</text></g>",
                0 if value >= 0 else 1,
                label_width - 6,
                y + 13,
                short,
                label_width,
                y,
                _px(length),
                bar_height,
                label,
                fmt(value),
                _px(label_width + length + 6),
                y + 13,
                fmt(value),
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 - format_html parts only
