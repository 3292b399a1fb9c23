"""One line of progress on stderr for the commands: kept up to date in place on a terminal,
written as a new line every few seconds otherwise (a log file, a cron mail)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from tgtui.untrusted import clean

TERMINAL_EVERY = 0.25  # seconds between redraws on a terminal
LOG_EVERY = 5.0  # seconds between lines in a log


class StatusLine:
    """``show(text)`` as often as you like; it draws at a steady pace (in a log, from one
    interval after the first call). ``end()`` clears it."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = every if every is not None else (TERMINAL_EVERY if self.tty else LOG_EVERY)
        self.clock = clock
        self.last: float | None = None
        self.width = 0

    def show(self, text: str, *, now: bool = False) -> None:
        """Show ``text`` (cleaned of anything a terminal would act on) if it is time."""
        moment = self.clock()
        if self.last is None and not self.tty:
            self.last = moment  # in a log the first line waits an interval: short runs add none
        if not now and self.last is not None and moment - self.last < self.every:
            return
        self.last = moment
        line = clean(text, limit=200)
        if self.tty:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def end(self) -> None:
        """Clear the line on a terminal (a log keeps its lines)."""
        if self.tty and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0
