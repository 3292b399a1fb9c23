"""Backup options as people type them (command line and backup screen): one parser each.

Each raises ValueError with a message that says what is expected.
"""

from __future__ import annotations

import datetime as dt
import math

from tgtui.backup.media import ALL_KINDS


def parse_date(text: str) -> dt.datetime:
    """YYYY-MM-DD or an ISO 8601 date-time; without an offset it is local time."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if value.tzinfo is None:
        value = value.astimezone()  # the user's local time zone
    return value


def parse_media_kinds(text: str) -> frozenset[str]:
    """Comma-separated media types ("all" for every type, "none" for none)."""
    words = frozenset(k.strip().lower() for k in text.split(",") if k.strip())
    if words == {"all"}:
        return ALL_KINDS
    if words == {"none"}:
        return frozenset()
    unknown = words - ALL_KINDS
    if unknown or not words:
        raise ValueError(
            f"unknown media type {', '.join(sorted(unknown)) or repr(text)}: "
            f"choose from {', '.join(sorted(ALL_KINDS))}"
        )
    return words


MAX_MEGABYTES = 4096 * 1024  # 4 TB: no Telegram file comes near it


def parse_megabytes(text: str) -> int:
    """A size in MB above 0, as bytes."""
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not math.isfinite(value) or value <= 0 or value > MAX_MEGABYTES:
        raise ValueError(f"expected a size in MB above 0 (at most {MAX_MEGABYTES:,}), got {text!r}")
    return int(value * 1024 * 1024)
