"""The SVG charts' geometry matches their numbers: bar lengths in proportion, the waterfall's end = the sum of its steps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reporting import charts


def fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def test_waterfall_steps_from_start_through_the_moves_to_the_end():
    steps = [("Start", Decimal(100)), ("Activity", Decimal(250)), ("Payouts", Decimal(-300)), ("End", Decimal(50))]

    chart = charts.waterfall("Balance", steps, fmt)

    start, activity, payouts, end = chart.bars
    per_unit = start.height / 100
    assert activity.height == pytest.approx(250 * per_unit)
    assert payouts.height == pytest.approx(300 * per_unit)
    # The end bar stands from zero to start + activity + payouts (payouts signed as in the file).
    assert end.value == Decimal(50)
    assert end.height == pytest.approx(50 * per_unit)
    assert end.y + end.height == pytest.approx(start.y + start.height)  # both on the zero line
    # Each move starts where the level before it ended: activity on top of start, payouts hanging from its top.
    assert activity.y + activity.height == pytest.approx(start.y)
    assert payouts.y == pytest.approx(activity.y)
    assert (activity.fill, payouts.fill) == (charts.POSITIVE, charts.NEGATIVE)


def test_waterfall_below_zero_keeps_the_zero_line_inside():
    chart = charts.waterfall("Balance", [("Start", Decimal(0)), ("Activity", Decimal(-40)), ("End", Decimal(-40))], fmt)

    _, activity, end = chart.bars
    assert activity.y == pytest.approx(chart.axis[1])  # drops from zero
    assert end.height == pytest.approx(activity.height)
    assert chart.axis[1] >= 0
    assert end.y + end.height <= chart.height


def test_bars_are_proportional_and_negatives_go_left_of_zero():
    chart = charts.bars("Net", [("charge", Decimal(300)), ("fee", Decimal(150)), ("refund", Decimal(-75))], fmt)

    charge, fee, refund = chart.bars
    assert fee.width == pytest.approx(charge.width / 2)
    assert refund.width == pytest.approx(charge.width / 4)
    zero = chart.axis[0]
    assert charge.x == fee.x == zero
    assert refund.x + refund.width == pytest.approx(zero)


def test_svg_has_its_title_and_desc_and_hides_the_drawing():
    svg = charts.bars("Net <by> category", [("charge", Decimal(1))], fmt, desc="charge 1.00").svg()

    assert svg.startswith('<svg class="chart" role="img"')
    assert "<title>Net &lt;by&gt; category</title><desc>charge 1.00</desc>" in svg
    assert '<g aria-hidden="true">' in svg
