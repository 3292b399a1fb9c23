"""The account's own data in a backup, for the reader: each section's items as they are now,
the ones gone from Telegram kept and marked with when (`tgtui.format.account` reads the
files; SCHEMA.md says what each holds); and the saved contacts a search's words find
(`find_contacts`: `tgtui search` and the archive's search list them apart from messages)."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tgtui.format.account import FOLDER, SECTIONS, read_section, section_path
from tgtui.format.records import MAX_UNIXTIME
from tgtui.format.safe_files import is_regular
from tgtui.format.versioned import Versions
from tgtui.i18n import _, short_date
from tgtui.lazylog import logger
from tgtui.untrusted import clean


def has_account(out: Path) -> bool:
    """Whether the backup in ``out`` kept the account's data (an ``account/`` folder that is
    no link)."""
    try:
        return stat.S_ISDIR(os.lstat(out / FOLDER).st_mode)
    except OSError:
        return False


@dataclass(frozen=True)
class Item:
    """One item of a section (a contact, a session...) as the backup last saw it."""

    key: str
    data: dict[str, Any]  # its last version with data
    first_seen: int  # unix seconds: the run that first saw it
    removed: int | None = None  # unix seconds: the run that found it gone, if it is


@dataclass
class AccountData:
    """Every section's items (in the order first seen), and what could not be read."""

    sections: dict[str, list[Item]] = field(default_factory=dict)
    # The sections a run kept (their file is there, maybe empty): the chats left only after
    # a data export (`tgtui backup --takeout`).
    kept: set[str] = field(default_factory=set)
    damaged: int = 0  # lines passed over
    notes: list[str] = field(default_factory=list)

    def items(self, section: str) -> list[Item]:
        """The items of ``section`` (none if the backup has none)."""
        return self.sections.get(section, [])


def read_account(out: Path) -> AccountData:
    """The account's data kept in the backup in ``out``; a section that cannot be read is
    said in ``notes`` and the others are read."""
    found = AccountData()
    for section in SECTIONS:
        try:
            versions = read_section(out, section)
        except OSError as exc:
            logger.warning("account section {} not read ({})", section, exc)
            found.notes.append(
                _("{file} is not read: {reason}").format(
                    file=f"{FOLDER}/{section}.jsonl", reason=exc.strerror or exc
                )
            )
            continue
        found.damaged += versions.damaged
        if is_regular(section_path(out, section)):
            found.kept.add(section)
        found.sections[section] = _items(versions)
    return found


def _items(versions: Versions) -> list[Item]:
    """A section's items, each as its last version with data says (and when it went)."""
    items = []
    for key, kept in versions.versions.items():
        data = next((v.data for v in reversed(kept) if v.data is not None), None)
        if data is None:
            continue
        last = kept[-1]
        items.append(
            Item(
                key=key,
                data=data,
                first_seen=kept[0].seen,
                removed=last.seen if last.data is None else None,
            )
        )
    return items


# --- contacts found by a search's words -----------------------------------------------------

MIN_PHONE_DIGITS = 3  # fewer digits than this find no phone number (every number has a "1")
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class ContactHit:
    """A saved contact a search found (as the backup last saw it; values as saved)."""

    key: str
    first_name: str
    last_name: str
    username: str
    phone: str
    added: int | None  # unix seconds: when it became a contact (a data export said so)
    removed: int | None  # unix seconds: the run that found it gone, if it is

    @property
    def name(self) -> str:
        """First and last names ("" if none)."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass
class ContactResults:
    """How many contacts match, the first of them, and what could not be read."""

    count: int = 0
    hits: list[ContactHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _when(value: object) -> int | None:
    """A time saved as unix seconds; none after 9999 (hostile) or at 0."""
    return value if type(value) is int and 0 < value <= MAX_UNIXTIME else None


def _contact_hit(item: Item) -> ContactHit:
    data = item.data
    return ContactHit(
        key=item.key,
        first_name=_string(data, "first_name"),
        last_name=_string(data, "last_name"),
        username=_string(data, "username"),
        phone=_string(data, "phone"),
        added=_when(data.get("date")),
        removed=_when(item.removed),
    )


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isascii() and c.isdigit())


def _matches(hit: ContactHit, words: Sequence[str], fold: Callable[[str], str]) -> bool:
    """Whether every word names ``hit``: a word of its name or username (a trailing *: the
    start of one), or digits of its phone number; or all the words are digits, together
    part of its phone number ("+55 11 9876" finds 5511987654321)."""
    tokens = _TOKEN.findall(fold(f"{hit.first_name} {hit.last_name} {hit.username}"))
    phone = _digits(hit.phone)
    digits = "".join(w for w in words if w.isascii() and w.isdigit())
    if len(digits) >= MIN_PHONE_DIGITS and len(digits) == sum(map(len, words)) and phone:
        return digits in phone

    def named(word: str) -> bool:
        wanted = fold(word.rstrip("*"))
        if word.endswith("*") and any(t.startswith(wanted) for t in tokens):
            return True
        if wanted in tokens:
            return True
        return len(wanted) >= MIN_PHONE_DIGITS and wanted.isdigit() and wanted in phone

    return bool(words) and all(named(w) for w in words)


def _day(stamp: int) -> str:
    try:
        return short_date(dt.datetime.fromtimestamp(stamp, dt.UTC).astimezone().date())
    except (OverflowError, ValueError, OSError):  # past the local calendar's end
        return "?"


def contact_line(hit: ContactHit) -> tuple[str, str]:
    """A contact found, as text: its name; then its username, phone, the day it was added
    and the day it was found gone (those known), each cleaned."""
    name = clean(hit.name, limit=60) or _("(no name)")
    rest = [
        f"@{clean(hit.username, limit=40)}" if hit.username else "",
        clean(hit.phone, limit=30),
        _("added on {date}").format(date=_day(hit.added)) if hit.added else "",
        _("removed on {date}").format(date=_day(hit.removed)) if hit.removed else "",
    ]
    return name, " · ".join(p for p in rest if p)


def find_contacts(out: Path, words: Sequence[str], limit: int) -> ContactResults:
    """The saved contacts of the backup in ``out`` (the ones gone from Telegram too, after
    the others) that ``words`` name (`_matches`), by name; at most ``limit`` of them, with
    the count of all. None when the backup kept no account data."""
    found = ContactResults()
    if not words or not has_account(out):
        return found
    try:
        versions = read_section(out, "contacts")
    except OSError as exc:
        logger.warning("account contacts not read ({})", exc)
        found.notes.append(
            _("{file} is not read: {reason}").format(
                file=f"{FOLDER}/contacts.jsonl", reason=exc.strerror or exc
            )
        )
        return found
    from tgtui.chats.matching import fold  # only for a backup with contacts

    hits = [_contact_hit(item) for item in _items(versions)]
    matched = [hit for hit in hits if _matches(hit, words, fold)]
    matched.sort(key=lambda hit: (hit.removed is not None, fold(hit.name), hit.key))
    found.count = len(matched)
    found.hits = matched[:limit]
    return found
