"""The state of one client's link to Telegram, for the UI and the CLI to show.

Telethon mends a dropped connection by itself: its sender opens the connection again, up to
`connection_retries` times ``retry_delay`` s apart, and keeps the requests in flight until
then (after that it gives up, and they fail with ConnectionError, which `tgtui.retry`
retries). None of that is visible from outside; the connection class is (each connect of
every connection the client opens: `tgtui.telegram.through_proxy._Paced`). It reports here
what it sees, once per attempt, never per packet:

- `trying` (an attempt began), `failed` (it did not open: why), `paused` (the next waits
  that long), `opened` (it did); and from whoever connects again once Telethon gave up,
  `waiting` (its next try).

From that the link is ``connecting`` (never opened yet), ``connected``, ``reconnecting``
(since when, the last failure in `tgtui.telegram.errors.explain`'s words, when the next try
is) or ``offline`` (no one is trying now: Telethon gave up; the next request, or the app,
connects again). A drop that mends at once is not told: only a trouble (attempts failing,
or one still under way) that has lasted `GRACE`. Listeners hear each change on the event
loop, synchronously.

A client has several connections (its home DC's, others' for files): a failure opens the
trouble, a success of any of them closes it (a failure of an attempt that began before that
success is old news). A trouble nobody reports on for `STALE` s while the client's main
sender is connected was another DC's connection that Telethon gave up on: it is closed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from loguru import logger

from tgtui.proxy import Proxy
from tgtui.telegram.errors import explain

Phase = Literal["connecting", "connected", "reconnecting", "offline"]
Listener = Callable[["LinkStatus"], None]

# A trouble is told once it has lasted this long (s): more than Telethon's pause between two
# attempts, so one failed attempt right before a success (a proxy starting) is not a loss.
GRACE = 1.5
STALE = 3.0  # s past the time the next report was due, with none: no one is trying


@dataclass(frozen=True)
class LinkStatus:
    """The link as it is now (times are `time.monotonic()`'s)."""

    phase: Phase
    since: float | None = None  # when the trouble began (None: none)
    error: str | None = None  # the last failure, in the one error table's words
    next_try: float | None = None  # when the next attempt starts (None: not known)
    trying: bool = False  # an attempt is under way

    @property
    def down(self) -> bool:
        """Whether the link was up and is not now."""
        return self.phase in ("reconnecting", "offline")

    def next_try_in(self, now: float) -> float | None:
        """Seconds until the next attempt (None: not known; 0: due, or under way)."""
        if self.next_try is None:
            return None
        return max(0.0, self.next_try - now)


def _words(error: BaseException, proxy: Proxy | None) -> str:
    """A connect failure in the error table's words: through a proxy, what the proxy did
    where that is clear (`through_proxy.classify`: not there, its host unknown, the password,
    timed out, cannot reach Telegram); else any OSError is "cannot reach"."""
    from tgtui.telegram import through_proxy as proxied

    if proxy is not None and not isinstance(error, proxied.ProxyProblem):
        problem = proxied.classify(proxy, error)
        if not isinstance(problem, proxied.ProxyWrongKind | proxied.ProxyClosed):
            error = problem  # (an unclear one mid-run is told as the network's)
    if isinstance(error, proxied.ProxyProblem):
        return explain(error).text
    if not isinstance(error, ConnectionError | TimeoutError):
        error = ConnectionError(str(error))  # unreachable network, unknown host...
    return explain(error).text


class LinkState:
    """One client's link: fed by its connections (`trying`, `failed`, `paused`, `ended`,
    `opened`), read as `status`, told to listeners on every change."""

    def __init__(
        self, *, retry_delay: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.retry_delay = retry_delay  # Telethon's pause after a failed attempt
        self._clock = clock
        self._listeners: list[Listener] = []
        self._alive: Callable[[], bool] = lambda: True
        self._ever = False  # opened once
        self._opened_at = 0.0  # the last success
        self._since: float | None = None  # the trouble began
        self._told = False  # it has lasted GRACE s: the link is down
        self._error: str | None = None
        self._next_try: float | None = None
        self._expected = 0.0  # the next report is due by then (while anyone tries)
        self._offline = False
        self._reported = 0.0  # the last report of a connection
        self._in_flight: dict[int, tuple[float, bool]] = {}  # attempt: (began, again)
        self._timer: asyncio.TimerHandle | None = None
        self._status = LinkStatus("connecting")
        self.proxy: Proxy | None = None  # the proxy its connections go through, if any

    # --- reading -----------------------------------------------------------------------

    @property
    def status(self) -> LinkStatus:
        """The link now."""
        return self._status

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with each new status; returns what stops it."""
        self._listeners.append(listener)

        def stop() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return stop

    def bind(self, alive: Callable[[], bool]) -> None:
        """Whether the client's main sender is connected (or reconnecting) now: its
        `is_connected`, which tells a sender that gave up from one between two tries."""
        self._alive = alive

    # --- reports from the connections ----------------------------------------------------

    def trying(self, way: object, *, again: bool) -> None:
        """An attempt of ``way`` (a connection) begins; ``again``: it was open before
        (Telethon mends a drop), told if still under way after GRACE s."""
        now = self._clock()
        self._in_flight[id(way)] = (now, again)
        self._reported = now
        self._offline = False  # someone is trying
        self._look()

    def failed(self, way: object, error: BaseException) -> None:
        """The attempt of ``way`` failed with ``error``; Telethon tries again after its
        retry delay (or gives up)."""
        now = self._clock()
        began, _ = self._in_flight.pop(id(way), (now, False))
        self._reported = now
        logger.debug("connecting failed: {}: {}", type(error).__name__, error)
        if not (self._ever and began < self._opened_at):  # else old news: began before
            # Telethon's longest pause between two attempts: two delays.
            self._trouble(began, error, now + self.retry_delay, now + 2 * self.retry_delay)
        self._look()

    def paused(self, way: object, seconds: float, error: BaseException) -> None:
        """``way`` waits ``seconds`` before its next attempt: its last connection closed
        right after it opened, unanswered (``error`` says so)."""
        now = self._clock()
        self._in_flight.pop(id(way), None)
        self._reported = now
        if self.proxy is not None:  # the proxy took it and closed it: Telegram is out of reach
            from tgtui.telegram import through_proxy as proxied

            mtproxy = self.proxy.kind == "mtproxy"
            kind = proxied.MTProxyClosed if mtproxy else proxied.ProxyCannotReachTelegram
            error = kind(self.proxy, str(error))
        self._trouble(now, error, now + seconds, now + seconds)
        self._look()

    def waiting(self, seconds: float) -> None:
        """Whoever connects again (a retry of `TelegramService.connect`, after Telethon gave
        up) tries in ``seconds``: the link is down but not forgotten, its next try then."""
        if self._since is None:
            return
        now = self._clock()
        self._reported = now
        self._next_try = self._expected = now + seconds
        self._offline = False
        self._look()

    def ended(self, way: object) -> None:
        """The attempt of ``way`` is over without news: cancelled, or open but not yet
        answered (after a pause, only an answer is a success)."""
        self._in_flight.pop(id(way), None)
        self._look()

    def opened(self, way: object) -> None:
        """``way`` is open again (or, after a pause, answered)."""
        now = self._clock()
        self._in_flight.pop(id(way), None)
        self._reported = self._opened_at = now
        if self._since is not None and self._told:
            logger.info("connected again after {:.1f} s", now - self._since)
        self._ever = True
        self._clear()
        self._look()

    # --- the state ---------------------------------------------------------------------

    def _trouble(
        self, began: float, error: BaseException, next_try: float, expected: float
    ) -> None:
        """A failure (or a pause): the trouble begins (at ``began``) or goes on."""
        if self._since is None:
            self._since, self._told = began, False
        self._error = _words(error, self.proxy)
        self._next_try = next_try
        self._expected = expected  # the next report, at the latest, if anyone still tries
        self._offline = False

    def _clear(self) -> None:
        self._since = self._error = self._next_try = None
        self._told = self._offline = False

    def _look(self) -> None:
        """Work out the state now, tell listeners if it changed, and look again when it
        could change with no report: a trouble (or a reconnect under way) that reaches
        GRACE s is told; a told trouble nobody reports on for STALE s after the next report
        was due is over if the main sender is connected (it was another DC's connection,
        given up), else the link is offline (Telethon gave up: the next request, or the
        app, connects again)."""
        now = self._clock()
        again = [began for began, again in self._in_flight.values() if again]
        slow = min(again) if again and self._ever else None  # a reconnect under way
        if self._since is None and slow is not None and now - slow >= GRACE:
            self._since, self._told, self._expected = slow, True, now
        if self._since is not None and not self._told and now - self._since >= GRACE:
            self._told = True
        if self._told and not self._in_flight and now >= self._expected + STALE:
            if self._alive():
                logger.info("no connection reported trouble for {:.0f} s: connected", STALE)
                self._clear()
            elif not self._offline:
                self._offline = True
                self._next_try = None
        self._publish()
        self._schedule(now, again)

    def _schedule(self, now: float, again: list[float]) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._since is None:
            at = min(again) + GRACE if again and self._ever else None  # a slow reconnect
        elif not self._told:
            at = self._since + GRACE
        elif self._offline:
            at = None  # until someone reports again
        elif self._in_flight:
            at = now + STALE
        else:
            at = self._expected + STALE
        if at is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # reported outside a loop (a test's own clock): no timer
            return
        self._timer = loop.call_later(max(0.0, at - now), self._look)

    def _publish(self) -> None:
        if not self._ever:
            phase: Phase = "connecting"
        elif self._since is None or not self._told:
            phase = "connected"
        else:
            phase = "offline" if self._offline else "reconnecting"
        told = self._since is not None and (self._told or not self._ever)
        status = LinkStatus(
            phase,
            self._since if told else None,
            self._error if told else None,
            self._next_try if told else None,
            trying=told and bool(self._in_flight),
        )
        if status == self._status:
            return
        self._status = status
        for listener in list(self._listeners):
            listener(status)
