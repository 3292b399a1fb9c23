"""The account's data as the reader lists it: a heading a section, then one line an item
(two for a session), every name and value from the backup cleaned (`tgtui.untrusted`) and
never read as markup; items gone from Telegram marked with the day the backup found them
gone; a profile picture or a story says whether its file is saved (Enter opens it, in
`tgtui.screens.account`). `AccountLines` shows them, narrowed to the lines that contain what
is typed."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text

from tgtui.archive.account import AccountData, Item
from tgtui.chats.matching import fold
from tgtui.format.account import FILE_FIELD, PROFILE_KEY, saved_account_file
from tgtui.i18n import N_, _, counted, decimal, short_date, short_datetime
from tgtui.untrusted import clean
from tgtui.widgets.lines import ItemLines

NAME = 40  # characters of a name shown
VALUE = 60


@dataclass(frozen=True)
class Entry:
    """One line of the account view."""

    text: Text
    section: str
    heading: bool = False
    words: str = ""  # what the filter looks in (folded), "" for a heading
    media: bool = False  # a profile picture's or a story's line: it may have a file
    file: str = ""  # the file saved of it, relative to the backup folder ("": none)


def _date(stamp: object, *, time: bool = False) -> str:
    if type(stamp) is not int:
        return "?"
    try:
        moment = dt.datetime.fromtimestamp(stamp, dt.UTC).astimezone()
    except (ValueError, OverflowError, OSError):
        return "?"
    return short_datetime(moment) if time else short_date(moment.date())


def _text(data: dict[str, Any], key: str, limit: int = VALUE) -> str:
    value = data.get(key)
    return clean(value, limit=limit) if isinstance(value, str | int) and value != "" else ""


def person(data: dict[str, Any]) -> str:
    """A person's name from first and last names ("" if none)."""
    return " ".join(p for p in (_text(data, "first_name"), _text(data, "last_name")) if p)


def _joined(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _removed(item: Item) -> str:
    if item.removed is None:
        return ""
    return _("removed on {date}").format(date=_date(item.removed))


def _line(section: str, main: str, rest: str = "", mark: str = "", *, dim: bool = False) -> Entry:
    text = Text("  ")
    text.append(main, style="dim" if dim else "bold")
    if mark:  # before the rest: never the part cut at the edge
        text.append("  " + mark, style="yellow")
    if rest:
        text.append("  " + rest, style="dim" if dim else "")
    return Entry(text, section, words=fold(f"{main} {rest} {mark}"))


def _file(data: dict[str, Any], folder: Path | None) -> tuple[str, str]:
    """Whether an item's file is saved: the path it names when it is there (a regular file
    at a path tgtui writes), and what the line says of it."""
    if data.get(FILE_FIELD) is None:
        return "", _("file not saved")
    found = saved_account_file(folder, data) if folder is not None else None
    if found is None:
        return "", _("file missing")
    return str(data[FILE_FIELD]), _("file saved")


def _with_file(entry: Entry, file: str) -> Entry:
    return Entry(entry.text, entry.section, words=entry.words, media=True, file=file)


def _heading(section: str, title: str, count: int, removed: int) -> Entry:
    text = Text(title, style="bold underline")
    said = counted("{count} item", "{count} items", count)
    if removed:
        said += ", " + counted("{count} removed", "{count} removed", removed)
    text.append(f"  {said}", style="dim")
    return Entry(text, section, heading=True)


def _profile(data: AccountData, folder: Path | None = None) -> list[Entry]:
    found: list[Entry] = []
    items = {item.key: item for item in data.items("profile")}
    me = items.get(PROFILE_KEY)
    if me is not None:
        name = person(me.data) or _("(no name)")
        username = _text(me.data, "username", NAME)
        handle = f"@{username}" if username else ""
        found.append(_line("profile", name, _joined(handle, _text(me.data, "phone"))))
        bio = _text(me.data, "bio", 200)
        if bio:
            found.append(_line("profile", _("Bio:"), bio))
    for item in data.items("profile_pictures"):
        when = _date(item.data.get("date"), time=True)
        file, said = _file(item.data, folder)
        line = _line(
            "profile",
            _("picture of {date}").format(date=when),
            said,
            mark=_removed(item),
            dim=item.removed is not None,
        )
        found.append(_with_file(line, file))
    return found


def _contact(item: Item) -> Entry:
    name = person(item.data) or _("(no name)")
    mutual = _("mutual contact") if item.data.get("mutual") is True else ""
    added = item.data.get("date")
    when = _("added on {date}").format(date=_date(added)) if type(added) is int else ""
    rest = _joined(_text(item.data, "phone"), mutual, when)
    return _line("contacts", name, rest, _removed(item), dim=item.removed is not None)


def _frequent(item: Item) -> Entry:
    name = _text(item.data, "name", NAME) or _("(no name)")
    rating = item.data.get("rating")
    shown = ""
    if isinstance(rating, int | float) and not isinstance(rating, bool):
        try:
            value = float(rating)
        except OverflowError:  # an integer past any float (JSON has no limit): none
            value = math.nan
        shown = decimal(value, 2) if math.isfinite(value) else ""
    rest = _joined(_text(item.data, "category", 20), _text(item.data, "type", 30), shown)
    return _line("frequent_contacts", name, rest, _removed(item), dim=item.removed is not None)


def _place(data: dict[str, Any]) -> str:
    return ", ".join(p for p in (_text(data, "region", 30), _text(data, "country", 30)) if p)


def _sessions(item: Item) -> list[Entry]:
    data = item.data
    app = " ".join(p for p in (_text(data, "app_name", 30), _text(data, "app_version", 20)) if p)
    device = " ".join(
        p
        for p in (
            _text(data, "device_model", 30),
            _text(data, "platform", 20),
            _text(data, "system_version", 20),
        )
        if p
    )
    if item.removed is not None:
        mark = _("ended on {date}").format(date=_date(item.removed))
    elif data.get("current") is True:
        mark = _("this session")
    else:
        mark = ""
    gone = item.removed is not None
    first = _line("sessions", app or _("(unknown app)"), mark=mark, dim=gone)
    where = _joined(device, _place(data))
    when = _joined(
        _("last active {date}").format(date=_date(data.get("last_active"), time=True)),
        _("since {date}").format(date=_date(data.get("created"))),
    )
    words = " ".join((first.words, fold(where), fold(when)))
    return [
        Entry(first.text, "sessions", words=words),
        *(
            Entry(Text("      " + line, style="dim"), "sessions", words=words)
            for line in (where, when)
            if line
        ),
    ]


def _web(item: Item) -> Entry:
    data = item.data
    bot = _text(data, "bot_username", NAME)
    rest = _joined(
        f"@{bot}" if bot else "",
        " ".join(p for p in (_text(data, "browser", 30), _text(data, "platform", 20)) if p),
        _text(data, "region", 30),
        _("last active {date}").format(date=_date(data.get("last_active"), time=True)),
    )
    mark = _("ended on {date}").format(date=_date(item.removed)) if item.removed else ""
    main = _text(data, "domain", NAME) or _("(unknown site)")
    return _line("web_sessions", main, rest, mark, dim=item.removed is not None)


def _left(item: Item) -> Entry:
    data = item.data
    username = _text(data, "username", NAME)
    rest = _joined(_text(data, "type", 30), f"@{username}" if username else "")
    main = _text(data, "title", NAME) or str(data.get("id", "?"))
    return _line("left_chats", main, rest, _removed(item), dim=item.removed is not None)


def _story(item: Item, folder: Path | None = None) -> Entry:
    data = item.data
    main = _("story of {date}").format(date=_date(data.get("date"), time=True))
    file, said = _file(data, folder)
    rest = _joined(
        said,
        _("pinned to the profile") if data.get("pinned") is True else "",
        _text(data, "caption", VALUE),
        _text(data, "media_type", 30),
    )
    line = _line("stories", main, rest, _removed(item), dim=item.removed is not None)
    return _with_file(line, file)


# Each section in the order the view shows it: its title, and how an item reads.
SECTION_TITLES: dict[str, str] = {
    "profile": N_("Profile"),
    "contacts": N_("Contacts"),
    "sessions": N_("Sessions"),
    "web_sessions": N_("Websites logged in with Telegram"),
    "left_chats": N_("Chats left"),
    "stories": N_("Stories"),
    "frequent_contacts": N_("Frequent contacts"),
}
_ITEM_LINES: dict[str, Callable[[Item, Path | None], list[Entry]]] = {
    "contacts": lambda item, _folder: [_contact(item)],
    "sessions": lambda item, _folder: _sessions(item),
    "web_sessions": lambda item, _folder: [_web(item)],
    "left_chats": lambda item, _folder: [_left(item)],
    "stories": lambda item, folder: [_story(item, folder)],
    "frequent_contacts": lambda item, _folder: [_frequent(item)],
}


def account_entries(data: AccountData, folder: Path | None = None) -> list[Entry]:
    """Every line of the account view: each section's heading, then its items (the ones
    there now first, then those gone); the files of the pictures and stories looked for in
    the backup in ``folder`` (a file at its final name, no link followed)."""
    found: list[Entry] = []
    for section, title in SECTION_TITLES.items():
        if section == "profile":
            lines = _profile(data, folder)
            pictures = data.items("profile_pictures")
            taken_down = sum(1 for item in pictures if item.removed is not None)
            said = counted("{count} profile picture", "{count} profile pictures", len(pictures))
            if taken_down:  # as the other sections' headings say it
                said += ", " + counted("{count} removed", "{count} removed", taken_down)
            heading = Text(_(title), style="bold underline")
            heading.append(f"  {said}", style="dim")
            found.append(Entry(heading, section, heading=True))
            found += lines or [_line(section, _("(not kept)"), dim=True)]
            continue
        items = data.items(section)
        gone = [item for item in items if item.removed is not None]
        found.append(_heading(section, _(title), len(items), len(gone)))
        if not items and section == "left_chats" and section not in data.kept:
            # Telegram lists them only to a data export: no run of one yet.
            found.append(
                _line(section, _("kept only by a data export: tgtui backup --takeout"), dim=True)
            )
        elif not items:
            found.append(_line(section, _("(none kept)"), dim=True))
        for item in [*(i for i in items if i.removed is None), *gone]:
            found += _ITEM_LINES[section](item, folder)
    return found


def narrowed(entries: list[Entry], typed: str) -> list[Entry]:
    """The lines that contain ``typed`` (any case, with or without accents), under their
    sections' headings; all of them when nothing is typed."""
    wanted = fold(typed.strip())
    if not wanted:
        return entries
    kept_sections = {e.section for e in entries if not e.heading and wanted in e.words}
    return [
        e
        for e in entries
        if (e.heading and e.section in kept_sections) or (not e.heading and wanted in e.words)
    ]


class AccountLines(ItemLines[Entry]):
    """The account view's lines."""

    def line_of(self, item: Entry) -> Text:
        """The line as made (a copy: drawing cuts it to the width)."""
        return item.text.copy()

    def empty_text(self) -> str:
        """Nothing matches the filter."""
        return _("Nothing matches.")
