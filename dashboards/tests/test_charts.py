"""Chart geometry: what the SVG templates draw."""

import pytest

from dashboards import charts

SPAN = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH


def test_bars_scale_to_the_largest_total_and_stack_their_series():
    chart = charts.bars([("a", [2, 2]), ("b", [1, 0])], series=["x", "y"])
    first, second = chart["bars"]
    assert [(s.x, s.width, s.series) for s in first.segments] == [
        (charts.LABEL_WIDTH, SPAN / 2, 0),
        (charts.LABEL_WIDTH + SPAN / 2, SPAN / 2, 1),
    ]
    # A zero value draws nothing; the second bar is a quarter of the first.
    assert [(s.width, s.series) for s in second.segments] == [(SPAN / 4, 0)]
    assert (first.text, second.y, chart["height"]) == ("4", charts.BAR + charts.GAP, 2 * (charts.BAR + charts.GAP))
    assert chart["legend"] == [(0, "x"), (1, "y")]


def test_rates_fill_against_a_fixed_maximum_with_a_marker_and_never_overflow():
    chart = charts.bars([("p", [0.5]), ("q", [1.7])], maximum=1, fmt=charts.percent, markers=[0.25, None])
    half, over = chart["bars"]
    assert (half.segments[0].width, half.text, half.marker_x) == (SPAN / 2, "50 %", charts.LABEL_WIDTH + SPAN / 4)
    assert (over.segments[0].width, over.marker_x) == (SPAN, None)


def test_a_bar_can_say_something_other_than_its_total():
    chart = charts.bars([("silent", [0]), ("busy", [0.5])], maximum=1, texts=["\u2013", "50 %"])
    silent, busy = chart["bars"]
    assert (silent.text, silent.segments, busy.text) == ("\u2013", [], "50 %")


def test_an_empty_chart_still_has_a_drawable_size():
    chart = charts.bars([])
    assert (chart["bars"], chart["height"]) == ([], charts.BAR + charts.GAP)


def test_columns_stack_upwards_and_label_every_seventh_day_and_the_last():
    points = [(f"d{n}", [n, 1]) for n in range(10)]
    chart = charts.columns(points, series=["actioned", "dismissed"])
    last = chart["columns"][-1]
    assert chart["maximum"] == 10
    bottom, top = last["segments"]
    tall = charts.COLUMN_HEIGHT
    assert (bottom.height, bottom.y) == (pytest.approx(tall * 0.9), pytest.approx(tall * 0.1))
    assert (top.y, top.height) == (pytest.approx(0), pytest.approx(charts.COLUMN_HEIGHT * 0.1))
    assert [column["label"] for column in chart["columns"] if column["show_label"]] == ["d0", "d7", "d9"]


def test_percent_writes_a_dash_when_there_is_no_rate():
    assert (charts.percent(None), charts.percent(0.0), charts.percent(2 / 3)) == ("\u2013", "0 %", "67 %")
