"""Files of versioned items, as every reader sees them: the account's sections
(`tgtui.format.account`) and a forum's topics (`tgtui.format.topics`).

One JSON object a line, each one version of one item, appended when the item is first seen
or changes, never rewritten:

    {"key": "42", "seen": 1765000000, "data": {...}}       the item as it is from then on
    {"key": "42", "seen": 1765090000, "removed": true}      gone from Telegram since then

An item's current state is its last line; an item whose last line says ``removed`` was there
once and is kept, marked.

A backup may come from a stranger: a line that is not such an object (bad JSON, a key that is
not a string, data that is not an object) is passed over and counted, never guessed at.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tgtui.format.records import unixtime
from tgtui.format.safe_files import TooBig, open_lines, parse_json, too_big

MAX_LINE = 1_000_000  # bytes: an item is a few hundred; a longer line is damage
# A versioned file bigger than this is not read (an item is a few hundred bytes: a million
# contacts would be a few hundred MiB of versions; a bigger file is damage or hostile, and a
# sparse one, `truncate -s 1T`, would be read to its end, a hole at a time).
MAX_FILE = 256 * 1024 * 1024
# Objects and lists in one line at most: an item has a handful; a line of a million "{},"
# would be read as a million dicts (a hostile file of 100 MiB, gigabytes of memory).
MAX_CONTAINERS = 1_000


@dataclass(frozen=True)
class Version:
    """One line of a versioned file: an item as it was from ``seen`` on (None: removed)."""

    key: str
    seen: int  # unix time
    data: dict[str, Any] | None


@dataclass
class Versions:
    """A versioned file as read: every item's versions, oldest first, in the order items
    came."""

    versions: dict[str, list[Version]] = field(default_factory=dict)
    damaged: int = 0  # lines passed over

    def current(self) -> dict[str, dict[str, Any]]:
        """The items there now (their last version), in the order they were first seen."""
        now = {}
        for key, versions in self.versions.items():
            data = versions[-1].data
            if data is not None:
                now[key] = data
        return now

    def removed(self) -> dict[str, Version]:
        """The items gone from Telegram: their last version is a removal."""
        return {k: v[-1] for k, v in self.versions.items() if v[-1].data is None}


def parse_version(line: bytes) -> Version | None:
    """A line of a versioned file, or None when it is not one (or holds more than
    `MAX_CONTAINERS` objects and lists: damage or hostile)."""
    if line.count(b"{") + line.count(b"[") > MAX_CONTAINERS:
        return None
    try:
        value = parse_json(line)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    key, seen = value.get("key"), unixtime(value.get("seen"))
    if not isinstance(key, str) or seen is None:
        return None
    if value.get("removed") is True:
        return Version(key, seen, None)
    data = value.get("data")
    return Version(key, seen, data) if isinstance(data, dict) else None


def _lines(path: Path) -> Iterator[bytes | None]:
    """The file's lines (None for one too long to be an item), nothing when it is not there."""
    try:
        handle = open_lines(path)
    except FileNotFoundError:
        return
    with handle:
        if os.fstat(handle.fileno()).st_size > MAX_FILE:
            raise TooBig(errno.EFBIG, too_big(MAX_FILE), str(path))
        while True:
            line = handle.readline(MAX_LINE + 1)
            if not line:
                return
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # the rest of the long line
                    line = handle.readline(MAX_LINE + 1)
                yield None
                continue
            if line.strip():
                yield line


def read_versions(path: Path) -> Versions:
    """The versioned file at ``path`` (empty when there is none). OSError when it cannot be
    read (a link, a folder, bigger than `MAX_FILE`: `TooBig`)."""
    read = Versions()
    for line in _lines(path):
        version = None if line is None else parse_version(line)
        if version is None:
            read.damaged += 1
            continue
        read.versions.setdefault(version.key, []).append(version)
    return read


__all__ = [
    "MAX_CONTAINERS",
    "MAX_FILE",
    "MAX_LINE",
    "TooBig",
    "Version",
    "Versions",
    "parse_version",
    "read_versions",
]
