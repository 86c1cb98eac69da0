"""Server-rendered SVG charts: a balance waterfall and horizontal bars, drawn from numbers, no JavaScript.

Each chart is one `<svg role="img">` with a <title> and <desc>; the page shows
the same numbers in a table beside it, which is what screen readers read. The
geometry (`Bar`s) is kept with the markup so tests can check it against the numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

POSITIVE, NEGATIVE, TOTAL, INK = "#2f6fb0", "#b4462f", "#4b5563", "#1f2933"


@dataclass(frozen=True)
class Bar:
    """One drawn bar: the value it stands for, its rectangle (SVG units), and its label."""

    label: str
    value: Decimal
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass
class Chart:
    title: str
    desc: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    # Amount labels: (x, y, text, anchor).
    labels: list[tuple[float, float, str, str]] = field(default_factory=list)
    axis: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def svg(self) -> SafeString:
        rects = format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
            ((_n(b.x), _n(b.y), _n(b.width), _n(b.height), b.fill) for b in self.bars),
        )
        texts = format_html_join(
            "",
            '<text x="{}" y="{}" text-anchor="{}">{}</text>',
            ((_n(x), _n(y), anchor, text) for x, y, text, anchor in self.labels),
        )
        x1, y1, x2, y2 = self.axis
        return format_html(
            '<svg class="chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
            'preserveAspectRatio="xMinYMin meet" font-size="12" fill="{ink}">'
            "<title>{title}</title><desc>{desc}</desc>"
            '<g aria-hidden="true">{rects}'
            '<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{ink}" stroke-width="1"></line>'
            "{texts}</g></svg>",
            w=self.width,
            h=self.height,
            ink=INK,
            title=self.title,
            desc=self.desc,
            rects=rects,
            texts=texts,
            x1=_n(x1),
            y1=_n(y1),
            x2=_n(x2),
            y2=_n(y2),
        )


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


WATERFALL_WIDTH, WATERFALL_HEIGHT = 440, 240
_TOP, _BOTTOM, _SIDE = 24.0, 40.0, 12.0


Format = Callable[[Decimal], str]


def waterfall(title: str, steps: Sequence[tuple[str, Decimal]], fmt: Format, *, desc: str = "") -> Chart:
    """Start, the changes, end: `steps` are (label, value); the first and last are levels, the rest moves.

    A move's bar spans from the running level to the level after it; the last bar
    is drawn from zero to the sum of all the others, so it reads as the ending level.
    """
    start, *moves = [value for _, value in steps[:-1]]
    levels = [Decimal(0), start]
    for move in moves:
        levels.append(levels[-1] + move)
    end = levels[-1]
    lo, hi = min(levels), max(levels)
    span = (hi - lo) or Decimal(1)
    plot_h = WATERFALL_HEIGHT - _TOP - _BOTTOM
    slot = (WATERFALL_WIDTH - 2 * _SIDE) / len(steps)

    def y(v: Decimal) -> float:
        return _TOP + float(hi - v) / float(span) * plot_h

    zero = y(Decimal(0))
    chart = Chart(
        title, desc or title, WATERFALL_WIDTH, WATERFALL_HEIGHT, axis=(_SIDE, zero, WATERFALL_WIDTH - _SIDE, zero)
    )
    spans = [(Decimal(0), start)] + [(levels[i + 1], levels[i + 2]) for i in range(len(moves))] + [(Decimal(0), end)]
    for i, ((label, _), (a, b)) in enumerate(zip(steps, spans, strict=True)):
        value = b - a
        first_or_last = i in (0, len(steps) - 1)
        fill = TOTAL if first_or_last else (POSITIVE if value >= 0 else NEGATIVE)
        x = _SIDE + i * slot + slot * 0.15
        top, bottom = y(max(a, b)), y(min(a, b))
        chart.bars.append(Bar(label, value, x, top, slot * 0.7, bottom - top, fill))
        chart.labels.append((x + slot * 0.35, top - 6, fmt(value), "middle"))
        chart.labels.append((x + slot * 0.35, WATERFALL_HEIGHT - _BOTTOM + 16, label, "middle"))
    return chart


BARS_WIDTH, BAR_HEIGHT, _LABEL_W, _VALUE_W = 480, 22, 170.0, 90.0


def bars(title: str, items: Sequence[tuple[str, Decimal]], fmt: Format, *, desc: str = "") -> Chart:
    """One horizontal bar per (label, value), lengths proportional to the values; negatives go left of zero."""
    plot_w = BARS_WIDTH - _LABEL_W - _VALUE_W
    most = max((v for _, v in items if v > 0), default=Decimal(0))
    least = max((-v for _, v in items if v < 0), default=Decimal(0))
    span = (most + least) or Decimal(1)
    zero = _LABEL_W + float(least / span) * plot_w
    height = len(items) * BAR_HEIGHT + 8
    chart = Chart(title, desc or title, BARS_WIDTH, height, axis=(zero, 4, zero, height - 4))
    for i, (label, value) in enumerate(items):
        width = float(abs(value) / span) * plot_w
        top = 4 + i * BAR_HEIGHT
        x = zero if value >= 0 else zero - width
        chart.bars.append(Bar(label, value, x, top + 3, width, BAR_HEIGHT - 6, POSITIVE if value >= 0 else NEGATIVE))
        middle = top + BAR_HEIGHT / 2 + 4
        chart.labels.append((_LABEL_W - 8, middle, label, "end"))
        chart.labels.append((BARS_WIDTH - 4, middle, fmt(value), "end"))
    return chart
