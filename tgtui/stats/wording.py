"""Words the statistics are shown with, the same on the command line and in the TUI: the
weekdays of the hour x weekday grid, a span of time, a date."""

from __future__ import annotations

import datetime as dt

from tgtui.i18n import N_, _, decimal, short_datetime

WEEKDAYS = (
    # TRANSLATORS: short weekday names, Monday first, in the hour x weekday grid
    N_("Mon"),
    N_("Tue"),
    N_("Wed"),
    N_("Thu"),
    N_("Fri"),
    N_("Sat"),
    N_("Sun"),
)
# A span of time in its largest unit, from the largest: (seconds in one, its words).
_UNITS = ((86_400, N_("{count} days")), (3600, N_("{count} hours")), (60, N_("{count} min")))


def span_words(seconds: float | None) -> str:
    """A span of time in its largest unit: "3.5 days", "2.0 hours", "45 s"; "—" for none."""
    if seconds is None:
        return "—"
    for size, words in _UNITS:
        if seconds >= size:
            return _(words).format(count=decimal(seconds / size))
    return _("{count} s").format(count=decimal(seconds, 0))


def when(date: int) -> str:
    """A unix date as a local date and time, in the user's language."""
    return short_datetime(dt.datetime.fromtimestamp(date))
