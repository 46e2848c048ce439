"""Chart geometry for server-rendered SVG: the numbers here become <rect> and <line> elements in
templates/dashboards/_bars.html and _columns.html. No JavaScript, nothing fetched; every chart
also has its figures in a table beside it, for screen readers and for copying."""

from dataclasses import dataclass, field

WIDTH = 720
LABEL_WIDTH = 190
VALUE_WIDTH = 70
BAR = 18
GAP = 8
COLUMN_HEIGHT = 160
AXIS = 22


@dataclass
class Segment:
    x: float
    y: float
    width: float
    height: float
    value: float
    series: int
    name: str


@dataclass
class Bar:
    label: str
    y: float
    total: float
    text: str
    segments: list = field(default_factory=list)
    marker_x: float | None = None


def _scale(maximum):
    return maximum if maximum and maximum > 0 else 1


def bars(rows, series=("",), maximum=None, fmt=None, markers=None, texts=None):
    """Horizontal bars, stacked when there is more than one series.

    rows: [(label, [value per series])]; maximum: the value of a full bar (the largest total when
    not given; 1 for rates); fmt: how the total is written; markers: a value per row drawn as a
    tick (e.g. last period's rate), or None; texts: what to write beside each bar instead of
    its formatted total (e.g. a dash for a rate that has no cases behind it).
    """
    fmt = fmt or (lambda value: f"{value:,.0f}")
    totals = [sum(values) for _, values in rows]
    full = _scale(maximum if maximum is not None else max(totals, default=0))
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    out = []
    for index, (label, values) in enumerate(rows):
        y = index * (BAR + GAP)
        text = texts[index] if texts else fmt(totals[index])
        bar = Bar(label=label, y=y, total=totals[index], text=text)
        x = LABEL_WIDTH
        for number, value in enumerate(values):
            width = span * min(value, full) / full
            if width > 0:
                bar.segments.append(Segment(x, y, width, BAR, value, number, series[number]))
            x += width
        marker = markers[index] if markers else None
        if marker is not None:
            bar.marker_x = LABEL_WIDTH + span * min(marker, full) / full
        out.append(bar)
    return {
        "width": WIDTH,
        "height": max(len(rows), 1) * (BAR + GAP),
        "label_x": LABEL_WIDTH - 6,
        "value_x": WIDTH - VALUE_WIDTH + 6,
        "bars": out,
        "legend": [(number, name) for number, name in enumerate(series) if name],
    }


def columns(points, series):
    """Stacked vertical columns over time. points: [(label, [value per series])], oldest first.
    Every seventh label is written under the axis (and the last one), so 90 days stay legible."""
    count = max(len(points), 1)
    step = (WIDTH - VALUE_WIDTH) / count
    full = _scale(max((sum(values) for _, values in points), default=0))
    out = []
    for index, (label, values) in enumerate(points):
        x = index * step
        y = COLUMN_HEIGHT
        column = {"label": label, "x": x, "width": max(step - 2, 1), "total": sum(values), "segments": []}
        for number, value in enumerate(values):
            height = COLUMN_HEIGHT * value / full
            y -= height
            if height > 0:
                column["segments"].append(Segment(x, y, column["width"], height, value, number, series[number]))
        column["show_label"] = index % 7 == 0 or index == len(points) - 1
        out.append(column)
    return {
        "width": WIDTH,
        "height": COLUMN_HEIGHT + AXIS,
        "plot_height": COLUMN_HEIGHT,
        "axis_y": COLUMN_HEIGHT + AXIS - 6,
        "maximum": full,
        "columns": out,
        "legend": list(enumerate(series)),
    }


def percent(value):
    return "\u2013" if value is None else f"{100 * value:.0f} %"
