"""Numbers as people read them: sizes, durations, rates."""

from __future__ import annotations

import math

from tgtui.i18n import _, decimal


def human_bytes(count: float) -> str:
    """1,536 -> "1.5 KB" ("1,5 KB" in Portuguese); decimal units, as disks and networks count."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{decimal(value)} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def message_rate(per_second: float) -> str:
    """1234.4 -> "1,234 msg/s" ("1.234 msg/s" in Portuguese)."""
    return _("{rate} msg/s").format(rate=decimal(per_second, 0))


def duration(seconds: float) -> str:
    """75 -> "1:15"; 3,725 -> "1:02:05"."""
    whole = max(0, math.ceil(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def bar(fraction: float | None, width: int) -> str:
    """A text progress bar; an unknown fraction draws an empty track."""
    if width <= 0:
        return ""
    if fraction is None:
        return "╌" * width
    filled = fraction * width
    full = int(filled)
    half = "╸" if filled - full >= 0.5 and full < width else ""
    return "━" * full + half + "╌" * (width - full - len(half))


def percent(fraction: float) -> str:
    """A fraction as a whole percent, rounded down: "99%" until it is all there."""
    return f"{math.floor(fraction * 100 + 1e-9)}%"


def sizes(done: float, total: float | None, *, guess: bool = False) -> str:
    """Bytes received of bytes expected: "78.3/120 MB" (one unit when both share it),
    "950 KB/1.2 MB"; "≈" marks an expected size that is a guess."""
    if total is None:
        return human_bytes(done)
    mark = "≈" if guess else ""
    if not done:
        return f"0/{mark}{human_bytes(total)}"
    got, expected = human_bytes(done), human_bytes(total)
    value, _, unit = got.rpartition(" ")
    if expected.rpartition(" ")[2] == unit:
        return f"{value}/{mark}{expected}"
    return f"{got}/{mark}{expected}"
