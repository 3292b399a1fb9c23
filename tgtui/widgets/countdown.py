"""A line that counts down a wait (FLOOD_WAIT, a retry) second by second."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from textual.timer import Timer
from textual.widgets import Static


class Countdown(Static):
    """Shows ``template`` with ``{seconds}`` ticking down; calls ``on_done`` at zero."""

    DEFAULT_CLASSES = "countdown"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._deadline = 0.0
        self._template = ""
        self._on_done: Callable[[], None] | None = None
        self._timer: Timer | None = None
        self.display = False

    @property
    def running(self) -> bool:
        """Whether a countdown is in progress."""
        return self._timer is not None

    @property
    def remaining(self) -> int:
        """Whole seconds left (rounded up)."""
        return max(0, math.ceil(self._deadline - time.monotonic()))

    def start(
        self, seconds: float, template: str, on_done: Callable[[], None] | None = None
    ) -> None:
        """Count ``seconds`` down, showing ``template.format(seconds=...)``."""
        self.stop()
        self._deadline = time.monotonic() + seconds
        self._template = template
        self._on_done = on_done
        self.display = True
        self._tick()
        self._timer = self.set_interval(0.25, self._tick)

    def stop(self) -> None:
        """Stop and hide."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.display = False

    def _tick(self) -> None:
        left = self.remaining
        self.update(self._template.format(seconds=left))
        if left <= 0:
            done = self._on_done
            self.stop()
            if done is not None:
                done()
