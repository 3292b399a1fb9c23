"""Backup options as people type them (command line and backup screen): one parser each.

Each raises ValueError with a message that says what is expected.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from tgtui.format.media_paths import ALL_KINDS
from tgtui.i18n import PORTUGUESE, _, current, number

# A date as Brazilians write it, day first: 28/11/2026, 28/11/2026 14:05.
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2}))?")


def parse_date(text: str) -> dt.datetime:
    """YYYY-MM-DD or an ISO 8601 date-time (and, in Portuguese, DD/MM/YYYY with an optional
    HH:MM); without an offset it is local time."""
    written = text.strip()
    day_first = _DAY_FIRST.fullmatch(written) if current() == PORTUGUESE else None
    try:
        if day_first:
            day, month, year, hour, minute = day_first.groups()
            value = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
        else:
            value = dt.datetime.fromisoformat(written)
    except ValueError:
        raise ValueError(
            _("{text} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM").format(text=repr(text))
        ) from None
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
            _("unknown media type {kinds}: choose from {known}").format(
                kinds=", ".join(sorted(unknown)) or repr(text), known=", ".join(sorted(ALL_KINDS))
            )
        )
    return words


MAX_MEGABYTES = 4096 * 1024  # 4 TB: no Telegram file comes near it


def parse_megabytes(text: str) -> int:
    """A size in MB above 0, as bytes ("1.5" or, as Portuguese writes it, "1,5")."""
    try:
        value = float(text.strip().replace(",", ".") if text.count(",") == 1 else text)
    except ValueError:
        value = -1
    if not math.isfinite(value) or value <= 0 or value > MAX_MEGABYTES:
        raise ValueError(
            _("expected a size in MB above 0 (at most {most}), got {text}").format(
                most=number(MAX_MEGABYTES), text=repr(text)
            )
        )
    return int(value * 1024 * 1024)
