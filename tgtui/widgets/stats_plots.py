"""The statistics screen's plots: messages over time (plotext, through textual-plotext), the
hour x weekday heat map and the top senders' bars.

Each is drawn at the width it has when drawn, in the app's theme: the plot's canvas and text
follow the theme (textual-plotext), its bars and the heat map's and senders' marks take the
theme's `$primary` (component classes, so a change of theme redraws them). The heat map and
the bars use shades and lengths as well as colour, so they read on a monochrome terminal.
Names from the backup are cleaned (`tgtui.untrusted.clean`) and cut by terminal cells (a
wide name cannot push a column), and nothing is ever parsed as markup.
"""

from __future__ import annotations

import math
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget
from textual_plotext import PlotextPlot

from tgtui.i18n import _, decimal, number
from tgtui.stats.figures import Ranked
from tgtui.stats.wording import WEEKDAYS
from tgtui.untrusted import clean

SHADES = "░▒▓█"  # a heat map cell, from a few messages to the most
EIGHTHS = " ▏▎▍▌▋▊▉"  # the end of a bar, in eighths of a cell
NAME_CELLS = 22  # the widest sender name in the bars


def nice_step(top: float, ticks: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) that cuts 0..top in about ``ticks``."""
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def fit(text: str, cells: int) -> str:
    """``text`` cut or padded to ``cells`` terminal cells (an ellipsis where it is cut)."""
    if cell_len(text) > cells:
        return set_cell_size(text, cells - 1) + "…"
    return set_cell_size(text, cells)


def theme_rgb(style: Style) -> tuple[int, int, int] | None:
    """The colour of ``style`` (a component class's) as red, green, blue."""
    if style.color is None:
        return None
    triplet = style.color.get_truecolor()
    return triplet.red, triplet.green, triplet.blue


class TimePlot(PlotextPlot):
    """Messages over time: a bar a month (or day) while they fit side by side, else a line
    (braille dots). The y axis is in messages, its numbers in the user's language."""

    DEFAULT_CSS = """
    TimePlot {
        height: 10;
        width: 1fr;
    }
    TimePlot > .time-plot--bar {
        color: $primary;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"time-plot--bar"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series: list[tuple[str, int]] = []  # (label on the axis, messages)

    def show(self, series: list[tuple[str, int]]) -> None:
        """Draw ``series``: its labels in order, each with its count."""
        self.series = series
        self.refresh()

    def render(self) -> RenderResult:
        """The plot at the size the widget has now."""
        plt = self.plt
        plt.clear_figure()
        counts = [count for _label, count in self.series]
        if not counts:
            return Text("")
        top = max(counts)
        step = nice_step(top, max(2, (self.size.height - 3) // 2))  # a tick every 2 rows
        ticks = list(range(0, top + step, step))
        labels = [number(tick) for tick in ticks]
        y_width = max(len(label) for label in labels) + 2
        room = max(10, self.size.width - y_width - 2)  # the canvas, inside its frame
        xs = list(range(len(counts)))
        color = theme_rgb(self.get_component_rich_style("time-plot--bar")) or "blue"
        if len(counts) * 2 <= room:  # bars at least two cells wide; a gap from three
            plt.bar(xs, counts, color=color, width=0.7 if len(counts) * 3 <= room else 1.0)
        else:
            plt.plot(xs, counts, color=color, marker="braille")
        widest = max(cell_len(label) for label, _count in self.series)
        shown = max(1, room // (widest + 2))
        every = max(1, math.ceil(len(xs) / shown))
        marks = xs[::every]
        plt.xticks([float(x) for x in marks], [""] * len(marks))  # labelled below
        plt.yticks([float(tick) for tick in ticks], labels)
        plt.ylim(0, ticks[-1])
        plt.xlim(-0.5, len(xs) - 0.5)
        drawn = super().render()
        assert isinstance(drawn, Text)
        return self._labelled(drawn, [self.series[x][0] for x in marks])

    def _labelled(self, drawn: Text, labels: list[str]) -> Text:
        """``drawn`` with ``labels`` centred under its x axis' tick marks, left to right, each
        one that fits whole without touching the one before (plotext's own placement of
        them moves them by a cell from one run to the next)."""
        lines = drawn.split("\n", allow_blank=True)
        axis = next((n for n, line in enumerate(lines) if "└" in line.plain), None)
        if axis is None or axis + 1 >= len(lines):
            return drawn
        marks = [col for col, char in enumerate(lines[axis].plain) if char == "┬"]
        width = cell_len(lines[axis].plain)
        row = [" "] * width
        end = -1
        for col, label in zip(marks, labels, strict=False):
            start = min(max(0, col - cell_len(label) // 2), width - cell_len(label))
            if start <= end + 1 or start < 0:
                continue
            row[start : start + len(label)] = list(label)
            end = start + cell_len(label) - 1
        style = lines[axis + 1].get_style_at_offset(self.app.console, 0)
        lines[axis + 1] = Text("".join(row), style=style, no_wrap=True)
        return Text("\n", no_wrap=True).join(lines)


class HeatMap(Widget):
    """Messages by hour of day (columns) and weekday (rows, Monday first): the more, the
    darker the cell (░ ▒ ▓ █), with each weekday's total and what the darkest stands for."""

    DEFAULT_CSS = """
    HeatMap {
        height: auto;
        width: 1fr;
    }
    HeatMap > .heat-map--cell {
        color: $primary;
    }
    HeatMap > .heat-map--label {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"heat-map--cell", "heat-map--label"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hours: list[list[int]] = [[0] * 24 for _ in range(7)]

    def show(self, hours: list[list[int]]) -> None:
        """Draw the 7 x 24 grid of message counts."""
        self.hours = hours
        self.refresh(layout=True)

    def render(self) -> RenderResult:
        """The grid, its hour scale above, its totals on the right, its legend below."""
        cell_style = self.get_component_rich_style("heat-map--cell", partial=True)
        label_style = self.get_component_rich_style("heat-map--label", partial=True)
        days = [_(day) for day in WEEKDAYS]
        left = max(cell_len(day) for day in days) + 1
        totals = [number(sum(row)) for row in self.hours]
        right = max(len(total) for total in totals) + 2
        cell = max(2, min(4, (self.size.width - left - right) // 24))
        every = 3 if cell == 2 else 2 if cell == 3 else 1
        scale = Text(" " * left, style=label_style, no_wrap=True)
        for hour in range(0, 24, every):
            scale.append(f"{hour:<{cell * every}}", style=label_style)
        lines = [scale]
        top = max((max(row) for row in self.hours), default=0)
        for day, row, total in zip(days, self.hours, totals, strict=True):
            line = Text(fit(day, left), style=label_style, no_wrap=True)
            for count in row:
                if not count or not top:
                    line.append("·".ljust(cell), style=label_style)
                    continue
                shade = SHADES[min(len(SHADES) - 1, math.ceil(count / top * len(SHADES)) - 1)]
                line.append(shade * (cell - 1) + " ", style=cell_style)
            line.append(total.rjust(right), style=label_style)
            lines.append(line)
        legend = Text(" " * left, style=label_style, no_wrap=True)
        legend.append(_("fewer") + " ", style=label_style)
        legend.append(" ".join(SHADES), style=cell_style)
        legend.append(
            " " + _("more (the darkest: {count} messages)").format(count=number(top)),
            style=label_style,
        )
        lines.append(legend)
        return Text("\n", no_wrap=True).join(lines)


class SenderBars(Widget):
    """The top senders: name, a bar as long as their messages are among them, the count and
    the share of all messages."""

    DEFAULT_CSS = """
    SenderBars {
        height: auto;
        width: 1fr;
    }
    SenderBars > .sender-bars--bar {
        color: $primary;
    }
    SenderBars > .sender-bars--count {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"sender-bars--bar", "sender-bars--count"}

    def __init__(self, *, id: str | None = None, rows: int = 10) -> None:
        super().__init__(id=id)
        self.rows = rows  # senders shown
        self.senders: list[Ranked] = []
        self.total = 0

    def show(self, senders: list[Ranked], total: int) -> None:
        """Draw ``senders`` (most first), their shares of ``total`` messages."""
        self.senders = senders[: self.rows]
        self.total = total
        self.refresh(layout=True)

    def render(self) -> RenderResult:
        """One line a sender."""
        if not self.senders:
            return Text("")
        bar_style = self.get_component_rich_style("sender-bars--bar", partial=True)
        count_style = self.get_component_rich_style("sender-bars--count", partial=True)
        names = [clean(s.name or s.key or _("unknown"), limit=60) for s in self.senders]
        name_cells = min(NAME_CELLS, max(cell_len(name) for name in names))
        counts = [
            _("{count} ({share}%)").format(
                count=number(s.count),
                share=decimal(100 * s.count / self.total) if self.total else "0",
            )
            for s in self.senders
        ]
        count_cells = max(len(count) for count in counts)
        room = max(4, self.size.width - name_cells - count_cells - 3)
        top = self.senders[0].count
        lines = []
        for sender, name, count in zip(self.senders, names, counts, strict=True):
            line = Text(fit(name, name_cells) + " ", no_wrap=True)
            eighths = round(sender.count / top * room * 8) if top else 0
            full, part = divmod(max(1, eighths), 8)
            bar = "█" * full + (EIGHTHS[part] if part else "")
            line.append(bar.ljust(room), style=bar_style)
            line.append(" " + count.rjust(count_cells), style=count_style)
            lines.append(line)
        return Text("\n", no_wrap=True).join(lines)
