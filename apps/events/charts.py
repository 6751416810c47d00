"""The home page's daily chart as geometry for a server-rendered SVG (no chart library): one
group of bars per day, a y axis rounded to a readable maximum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH = 640
HEIGHT = 180
LEFT = 36  # room for the y labels
BOTTOM = 22  # room for the day labels
TOP = 8


@dataclass(frozen=True)
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float
    value: int
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_bottom: float
    plot_right: int
    bars: list[Bar]
    x_labels: list[Label]
    y_labels: list[Label]  # the grid lines run at their y
    total: dict[str, int]


def nice_maximum(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50… at least `value` (and at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def daily_chart(days: list[date], series: dict[str, list[int]], nouns: dict[str, str]) -> Chart:
    """Bars for each series (in order) side by side within each day; `nouns` names the
    series' unit ("events") in each bar's tooltip."""
    top = nice_maximum(max((max(values, default=0) for values in series.values()), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(days), 1)
    bar_width = slot * 0.8 / max(len(series), 1)
    bars = []
    for day_index, day in enumerate(days):
        for series_index, (name, values) in enumerate(series.items()):
            value = values[day_index]
            height = plot_height * value / top
            bars.append(
                Bar(
                    series=name,
                    x=round(LEFT + day_index * slot + slot * 0.1 + series_index * bar_width, 2),
                    y=round(TOP + plot_height - height, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    value=value,
                    title=f"{day:%a} {day.day} {day:%b}: {value} {nouns.get(name, name)}",
                )
            )
    # Every other day is labelled, and always today (the last).
    x_labels = [
        Label(x=round(LEFT + index * slot + slot / 2, 2), y=HEIGHT - 6, text=f"{day.day} {day:%b}")
        for index, day in enumerate(days)
        if (len(days) - 1 - index) % 2 == 0
    ]
    y_labels = [
        Label(
            x=LEFT - 6,
            y=round(TOP + plot_height * (1 - fraction), 2),
            text=str(int(top * fraction)),
        )
        for fraction in (0, 0.5, 1)
        if fraction != 0.5 or top % 2 == 0
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_bottom=TOP + plot_height,
        plot_right=WIDTH,
        bars=bars,
        x_labels=x_labels,
        y_labels=y_labels,
        total={name: sum(values) for name, values in series.items()},
    )
