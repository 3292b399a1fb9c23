"""One line about the link to Telegram while it is down: "Waiting for the network: next try
in N s", counted down second by second as `Countdown` does, then "Connected again" for a
moment. A drop that mends within `SHOW_AFTER` shows nothing.

It listens to the service's `tgtui.telegram.link_state.LinkState` (on the app's loop, where
Telethon runs) and ticks only while it shows a countdown.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from textual.timer import Timer
from textual.widgets import Static

from tgtui.i18n import _
from tgtui.telegram.link_state import LinkState, LinkStatus

SHOW_AFTER = 1.0  # s the link is down before the line shows
AGAIN_FOR = 3.0  # s "Connected again." stays


class LinkLine(Static):
    """The link's line: hidden while connected, a countdown while reconnecting."""

    DEFAULT_CSS = """
    LinkLine {
        height: auto;
        padding: 0 1;
        color: $warning;
        text-style: bold;
        background: $warning 20%;
    }
    LinkLine.-again {
        color: $success;
        background: $success 15%;
    }
    """

    def __init__(self, link: LinkState, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.link = link
        self.display = False
        self._status = link.status
        self._shown = False  # the waiting line is (or was, until connected) on screen
        self._stop_listening: Callable[[], None] | None = None
        self._ticking: Timer | None = None
        self._later: Timer | None = None  # shows the line, or hides "Connected again."

    def on_mount(self) -> None:
        """Listen to the link from now on."""
        self._stop_listening = self.link.listen(self._changed)
        self._changed(self.link.status)

    def on_unmount(self) -> None:
        """Stop listening."""
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None

    def _changed(self, status: LinkStatus) -> None:
        self._status = status
        self._cancel_later()
        if not status.down:
            self._stop_ticking()
            if self._shown:
                self._shown = False
                self.set_class(True, "-again")
                self.update(_("Connected again."))
                self._later = self.set_timer(AGAIN_FOR, self._hide)
            elif self.has_class("-again"):  # still saying so: for a moment more
                self._later = self.set_timer(AGAIN_FOR, self._hide)
            else:
                self.display = False
            return
        now = time.monotonic()
        down_for = now - (status.since if status.since is not None else now)
        if not self._shown and down_for < SHOW_AFTER:
            self._later = self.set_timer(SHOW_AFTER - down_for, self._show)
            return
        self._show()

    def _show(self) -> None:
        self._later = None
        if not self._status.down:
            return
        self._shown = True
        self.set_class(False, "-again")
        self.display = True
        self._tick()
        if self._ticking is None:
            self._ticking = self.set_interval(0.25, self._tick)

    def _tick(self) -> None:
        status = self._status
        wait = status.next_try_in(time.monotonic())
        if status.phase == "offline":
            text = _("Waiting for the network…")
        elif status.trying or wait is None or wait < 0.5:
            text = _("Waiting for the network: connecting…")
        else:
            text = _("Waiting for the network: next try in {seconds} s").format(
                seconds=math.ceil(wait)
            )
        reason = f"{text} · {status.error}" if status.error else text
        room = self.size.width - 2  # the padding
        self.update(reason if 0 < len(reason) <= room else text)

    def _hide(self) -> None:
        self._later = None
        self.set_class(False, "-again")
        self.display = False

    def _stop_ticking(self) -> None:
        if self._ticking is not None:
            self._ticking.stop()
            self._ticking = None

    def _cancel_later(self) -> None:
        if self._later is not None:
            self._later.stop()
            self._later = None
