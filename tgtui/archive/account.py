"""The account's own data in a backup, for the reader: each section's items as they are now,
the ones gone from Telegram kept and marked with when (`tgtui.format.account` reads the
files; SCHEMA.md says what each holds)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tgtui.format.account import FOLDER, SECTIONS, read_section, section_path
from tgtui.i18n import _
from tgtui.lazylog import logger


def has_account(out: Path) -> bool:
    """Whether the backup in ``out`` kept the account's data (an ``account/`` folder that is
    no link)."""
    try:
        return stat.S_ISDIR(os.lstat(out / FOLDER).st_mode)
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
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
        if _is_file(section_path(out, section)):
            found.kept.add(section)
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
        found.sections[section] = items
    return found
