"""Fault injection: flood limits, latency, bandwidth caps, drops, 500s, expiring references...

A `Faults` object is live: tests may change it while clients run.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import dataclass, field

SPEC_HELP = """\
Fault specs (repeat --fault for several):
  flood:METHOD=COUNT/SECONDS   at most COUNT calls of METHOD per SECONDS, then FLOOD_WAIT_X
  latency=MS                   delay every answer by MS milliseconds
  bandwidth=BYTES_PER_SECOND   cap each connection's send rate (suffix K or M allowed)
  drop-after=N                 close each connection after it has carried N requests
  drop-rate=P                  close the connection before answering, with probability P
  rpc500=P | rpc500:METHOD=P   answer 500 INTERNAL with probability P
  file-ref-ttl=SECONDS         file references older than this get FILE_REFERENCE_EXPIRED
  private=PEER_ID[,PEER_ID]    these chats answer CHANNEL_PRIVATE / CHAT_FORBIDDEN
  withheld=PEER_ID[,PEER_ID]   these chats' history leaves out every tenth message (ids
                               ending in 0), still counted, as Telegram does with messages
                               it may not show in a country
  takeout-delay=SECONDS        account.initTakeoutSession answers TAKEOUT_INIT_DELAY_X
  corrupt=P                    flip one byte of an upload.getFile answer with probability P
"""


class FaultSpecError(ValueError):
    """A --fault value that cannot be understood."""


@dataclass
class FloodLimit:
    """A sliding-window limit: ``count`` calls per ``seconds`` per account and method."""

    count: int
    seconds: float


@dataclass
class Faults:
    """All faults of one sandbox run. Every field may be changed at any time."""

    flood: dict[str, FloodLimit] = field(default_factory=dict)
    latency: float = 0.0
    bandwidth: int | None = None
    drop_after: int | None = None
    drop_rate: float = 0.0
    rpc500: dict[str, float] = field(default_factory=dict)  # method or "*" -> probability
    file_reference_ttl: float | None = None
    private: set[int] = field(default_factory=set)  # Telethon-marked peer ids
    withheld: set[int] = field(default_factory=set)  # Telethon-marked peer ids
    takeout_delay: int | None = None
    corrupt: float = 0.0  # probability that a getFile answer has one byte flipped
    seed: int = 1
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _calls: dict[tuple[int, str], deque[float]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def flood_wait(self, account: int, method: str, now: float | None = None) -> int:
        """Seconds the caller must wait, or 0 after counting this call against the limit."""
        limit = self.flood.get(method)
        if limit is None:
            return 0
        now = time.monotonic() if now is None else now
        calls = self._calls.setdefault((account, method), deque())
        while calls and calls[0] <= now - limit.seconds:
            calls.popleft()
        if len(calls) >= limit.count:
            return max(1, math.ceil(calls[0] + limit.seconds - now))
        calls.append(now)
        return 0

    def should_drop(self) -> bool:
        """Seeded coin toss for drop-rate."""
        return self.drop_rate > 0 and self._rng.random() < self.drop_rate

    def damage(self, data: bytes) -> bytes:
        """``data``, with one byte flipped if the corrupt fault strikes (seeded)."""
        if not data or self.corrupt <= 0 or self._rng.random() >= self.corrupt:
            return data
        at = self._rng.randrange(len(data))
        return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]

    def should_fail(self, method: str) -> bool:
        """Seeded coin toss for rpc500."""
        p = self.rpc500.get(method, self.rpc500.get("*", 0.0))
        return p > 0 and self._rng.random() < p

    def apply(self, spec: str) -> None:
        """Apply one textual spec (see SPEC_HELP)."""
        name, sep, value = spec.partition("=")
        if not sep:
            raise FaultSpecError(f"{spec!r}: expected NAME=VALUE")
        kind, _, method = name.partition(":")
        try:
            if kind == "flood" and method:
                count, _, seconds = value.partition("/")
                self.flood[method] = FloodLimit(int(count), float(seconds))
            elif kind == "latency":
                self.latency = float(value.removesuffix("ms")) / 1000
            elif kind == "bandwidth":
                self.bandwidth = _size(value)
            elif kind == "drop-after":
                self.drop_after = int(value)
            elif kind == "drop-rate":
                self.drop_rate = float(value)
            elif kind == "rpc500":
                self.rpc500[method or "*"] = float(value)
            elif kind == "file-ref-ttl":
                self.file_reference_ttl = float(value)
            elif kind == "private":
                self.private.update(int(x) for x in value.split(","))
            elif kind == "withheld":
                self.withheld.update(int(x) for x in value.split(","))
            elif kind == "takeout-delay":
                self.takeout_delay = int(value)
            elif kind == "corrupt":
                self.corrupt = float(value)
            else:
                raise FaultSpecError(f"{spec!r}: unknown fault {name!r}")
        except ValueError as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(f"{spec!r}: {exc}") from exc


def _size(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    factor = {"K": 1024, "M": 1024 * 1024}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * factor)
