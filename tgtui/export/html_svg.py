"""Charts as inline SVG for the HTML export's statistics pages: columns over time, the hour x
weekday heat map and ranked bars, drawn by hand (no JavaScript, no library, nothing fetched).

Each chart is an `<svg>` with its size (width, height and viewBox: it scales down to the
page's width), a `<title>` and `<desc>` saying what it shows, every axis labelled with its
unit, and a `<title>` on each bar or cell with its exact figure (a browser shows it on
hover). Colours come from the page's style sheet (``var(--accent)``...), so a chart follows
the light or dark scheme the page does.

Every text (a sender's name, a word, a domain) comes from a backup and is escaped (`esc`)
and cut to a length; nothing given becomes markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tgtui.untrusted import html_text as esc

WIDTH = 720  # a chart's width in its own units (pixels at full size)
_CHAR = 6.6  # about how wide a character of a label is, at the labels' size (11 px)
LABEL_CHARS = 26  # a ranked bar's label is cut to this many characters
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Column:
    """One column of a chart over time: its value, its label under the axis (shown when there
    is room: "" for none) and its tooltip (the whole figure in words)."""

    value: int
    label: str
    tip: str


@dataclass(frozen=True)
class Row:
    """One bar of a ranked chart: its name, its value and the value as shown beside it."""

    name: str
    value: int
    shown: str


def number(value: float) -> str:
    """A count with thousands separated: 12,345."""
    return f"{round(value):,}"


def cut(text: str, chars: int = LABEL_CHARS) -> str:
    """``text`` on one line, at most ``chars`` characters (an ellipsis where it is cut)."""
    line = " ".join(text.split())
    return line if len(line) <= chars else line[: chars - 1].rstrip() + "…"


def nice_step(top: float, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) for an axis up to ``top`` in about
    ``ticks`` steps; at least 1."""
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 1
    while power * 10 <= raw:
        power *= 10
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power  # not reached: 10 x power >= raw by the loop above


def _open(width: int, height: int, title: str, desc: str, kind: str) -> str:
    return (
        f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" role="img"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{esc(title)}</title><desc>{esc(desc)}</desc>"
    )


def columns(bars: Sequence[Column], title: str, unit: str) -> str:
    """Columns over time (months, days, years), the y axis in ``unit`` ("messages") with
    round ticks, as many labels under the columns as fit without overlapping."""
    height, left, right, top, bottom = 240, 64, 8, 24, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    highest = max((bar.value for bar in bars), default=0)
    step = nice_step(highest)
    ceiling = max(step, -(-highest // step) * step)
    out = [_open(WIDTH, height, title, f"{title}, in {unit}", "columns")]
    out.append(f'<text class="unit" x="{left}" y="12">{esc(unit)}</text>')
    for tick in range(0, ceiling + 1, step):
        y = top + plot_h - tick * plot_h / ceiling
        out.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{number(tick)}</text>"
        )
    count = max(len(bars), 1)
    slot = plot_w / count
    gap = min(2.0, slot * 0.2)
    shown_to = -1e9  # where the last label shown ends
    for at, bar in enumerate(bars):
        x = left + at * slot
        h = bar.value * plot_h / ceiling
        out.append(
            f'<rect class="col" x="{x + gap / 2:.2f}" y="{top + plot_h - h:.2f}"'
            f' width="{max(slot - gap, 0.5):.2f}" height="{h:.2f}">'
            f"<title>{esc(bar.tip)}</title></rect>"
        )
        if bar.label:
            middle = x + slot / 2
            half = len(bar.label) * _CHAR / 2
            start = max(middle - half, left - 20)
            if start >= shown_to + 8 and start + 2 * half <= WIDTH + 20:
                shown_to = start + 2 * half
                out.append(
                    f'<text class="tick" x="{start + half:.1f}" y="{height - bottom + 16}"'
                    f' text-anchor="middle">{esc(bar.label)}</text>'
                )
    out.append(
        f'<line class="axis" x1="{left}" x2="{WIDTH - right}" y1="{top + plot_h}"'
        f' y2="{top + plot_h}"/></svg>'
    )
    return "".join(out)


def heat_map(hours: Sequence[Sequence[int]], title: str, zone: str) -> str:
    """Messages by hour of day (columns, 0 to 23, in ``zone``) and weekday (rows, Monday
    first): the darker a cell, the more messages; a legend from 0 to the busiest hour."""
    cell_w, cell_h, left, top = 26, 22, 92, 22
    rows = [list(row[:24]) + [0] * (24 - len(row[:24])) for row in hours[:7]]
    rows += [[0] * 24 for _ in range(7 - len(rows))]
    highest = max((value for row in rows for value in row), default=0)
    height = top + 7 * cell_h + 56
    out = [
        _open(
            WIDTH,
            height,
            title,
            f"{title}: messages in each hour of each weekday, time zone {zone}",
            "heat",
        )
    ]
    for hour in range(0, 24, 3):
        x = left + hour * cell_w + cell_w / 2
        out.append(f'<text class="tick" x="{x}" y="14" text-anchor="middle">{hour}:00</text>')
    for day, row in enumerate(rows):
        y = top + day * cell_h
        out.append(
            f'<text class="tick" x="{left - 8}" y="{y + 15}" text-anchor="end">'
            f"{WEEKDAYS[day]}</text>"
        )
        for hour, value in enumerate(row):
            level = value / highest if highest else 0.0
            tip = f"{WEEKDAYS[day]}, {hour:02}:00 to {hour:02}:59: {number(value)} messages"
            shade = (
                ' class="cell none"'
                if not value
                else (f' class="cell" fill-opacity="{0.15 + 0.85 * level:.3f}"')
            )
            out.append(
                f'<rect{shade} x="{left + hour * cell_w + 1}" y="{y + 1}" width="{cell_w - 2}"'
                f' height="{cell_h - 2}" rx="3"><title>{tip}</title></rect>'
            )
    legend_y = top + 7 * cell_h + 20
    out.append(
        f'<text class="tick" x="{left - 8}" y="{legend_y + 12}" text-anchor="end">'
        "messages</text>"
        f'<text class="tick" x="{left}" y="{legend_y + 12}">0</text>'
    )
    for n in range(6):
        opacity = "" if n == 0 else f' fill-opacity="{0.15 + 0.17 * n:.2f}"'
        kind = "cell none" if n == 0 else "cell"
        out.append(
            f'<rect class="{kind}"{opacity} x="{left + 16 + n * 22}" y="{legend_y}"'
            f' width="20" height="16" rx="3"/>'
        )
    out.append(
        f'<text class="tick" x="{left + 16 + 6 * 22 + 4}" y="{legend_y + 12}">'
        f"{number(highest)} (the busiest hour)</text>"
        f'<text class="tick" x="{WIDTH - 8}" y="{legend_y + 12}" text-anchor="end">'
        f"hours in {esc(zone or 'local time')}</text></svg>"
    )
    return "".join(out)


def ranked(rows: Sequence[Row], title: str, unit: str) -> str:
    """Horizontal bars, longest first as given: each row's name (cut to `LABEL_CHARS`), its
    bar as long as its value is among them, and its value as shown, in ``unit``."""
    row_h, left, right, top = 24, 200, 150, 6
    height = top + max(len(rows), 1) * row_h + 22
    highest = max((row.value for row in rows), default=0)
    plot_w = WIDTH - left - right
    out = [_open(WIDTH, height, title, f"{title}, in {unit}", "ranked")]
    for at, row in enumerate(rows):
        y = top + at * row_h
        w = row.value * plot_w / highest if highest else 0
        name = esc(cut(row.name))
        out.append(
            f'<text class="label" x="{left - 8}" y="{y + 16}" text-anchor="end">{name}</text>'
            f'<rect class="col" x="{left}" y="{y + 3}" width="{max(w, 1 if row.value else 0):.2f}"'
            f' height="{row_h - 6}" rx="2"><title>{esc(row.name)}: {esc(row.shown)}</title></rect>'
            f'<text class="value" x="{left + w + 6:.2f}" y="{y + 16}">{esc(row.shown)}</text>'
        )
    out.append(f'<text class="unit" x="{left}" y="{height - 6}">{esc(unit)}</text></svg>')
    return "".join(out)
