"""Charts drawn on the server as SVG geometry, for templates/admin/analytics.html.

No chart library: a chart here is a list of rectangles with a title each
(the browser shows it on hover, screen readers read it) scaled to the largest
value; colours come from CSS classes, so both admin themes apply. Every chart
on the page also has a table with the same figures.
"""

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 200
LEFT, BOTTOM, TOP_PAD = 48, 24, 8


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Chart:
    bars: list
    ticks: list
    labels: list  # (x, text) under the plot, a few only
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM


def _nice_max(value):
    """The smallest of 1, 2, 5 x 10^n at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def grouped_bars(rows, *, series, fmt=str, label_every=7, width=WIDTH):
    """`rows` are (label, value, value, ...); `series` names each value (and its CSS class)."""
    top = _nice_max(max((max(r[1:]) for r in rows), default=0))
    plot_height = HEIGHT - BOTTOM - TOP_PAD
    chart_width = width
    slot = (chart_width - LEFT) / max(len(rows), 1)
    width = max(slot * 0.8 / len(series), 1)
    bars, labels = [], []
    for i, row in enumerate(rows):
        x0 = LEFT + i * slot + slot * 0.1
        for j, (name, css) in enumerate(series):
            value = row[1 + j]
            height = plot_height * value / top
            bars.append(
                Bar(
                    x=round(x0 + j * width, 2),
                    y=round(HEIGHT - BOTTOM - height, 2),
                    width=round(width, 2),
                    height=round(height, 2),
                    css=css,
                    title=f"{row[0]}: {fmt(value)} {name}",
                )
            )
        if i % label_every == 0:
            labels.append((round(x0, 2), row[0]))
    ticks = [Tick(y=round(HEIGHT - BOTTOM - plot_height * f, 2), label=fmt(top * f)) for f in (0, 0.5, 1)]
    return Chart(bars=bars, ticks=ticks, labels=labels, width=chart_width)


def horizontal_bars(rows, *, css="series-a", fmt=str):
    """`rows` are (label, value): one bar per row, longest = widest."""
    top = max((r[1] for r in rows), default=0) or 1
    row_height, left, width = 28, 180, 480
    bars = [
        Bar(
            x=left,
            y=i * row_height + 4,
            width=round((width - left - 60) * value / top, 2),
            height=row_height - 8,
            css=css,
            title=f"{label}: {fmt(value)}",
        )
        for i, (label, value) in enumerate(rows)
    ]
    labels = [
        (i * row_height + row_height / 2 + 5, label, fmt(value), round(left + bar.width + 6, 2))
        for i, ((label, value), bar) in enumerate(zip(rows, bars, strict=True))
    ]
    return Chart(
        bars=bars, ticks=[], labels=labels, width=width, height=max(len(rows), 1) * row_height, left=left
    )
