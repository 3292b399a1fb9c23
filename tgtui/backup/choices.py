"""Backup options as people type them (command line and backup screen): one parser each.

Each raises ValueError with a message that says what is expected.
"""

from __future__ import annotations

import datetime as dt
import math

from tgtui.backup.media import ALL_KINDS
from tgtui.i18n import _, number


def parse_date(text: str) -> dt.datetime:
    """YYYY-MM-DD or an ISO 8601 date-time; without an offset it is local time."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
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
