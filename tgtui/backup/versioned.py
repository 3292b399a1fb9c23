"""Writing versioned files (`tgtui.format.versioned`): what is new, changed or gone since
the last version of each item is appended and fsynced; nothing is rewritten. The account's
sections (`tgtui.backup.account_data`) and a forum's topics (`tgtui.backup.topics`)."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tgtui.backup.files import open_to_write
from tgtui.backup.writer import repair_tail
from tgtui.format.versioned import read_versions
from tgtui.private_files import make_private_dir

Items = dict[str, dict[str, Any]]  # an item's key -> its data


@dataclass
class Kept:
    """What one keeping appended: the keys added, changed and marked removed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _lasting(data: dict[str, Any], volatile: Collection[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in volatile} if volatile else data


def keep_versions(
    path: Path, now: Items, when: int, *, complete: bool = True, volatile: Collection[str] = ()
) -> Kept:
    """Append to the file at ``path`` what is new or changed in ``now`` since the last
    version of each item and, when ``now`` is ``complete`` (every item there is), a removal
    for each item no longer in it; fsynced before returning. A change of the ``volatile``
    fields alone (a session's last activity) is not a new version."""
    before = read_versions(path)
    current = before.current()
    kept = Kept()
    lines: list[bytes] = []
    for key, data in now.items():
        if key not in current:
            (kept.changed if key in before.versions else kept.added).append(key)
        elif _lasting(current[key], volatile) != _lasting(data, volatile):
            kept.changed.append(key)
        else:
            continue
        lines.append(orjson.dumps({"key": key, "seen": when, "data": data}) + b"\n")
    if complete:
        for key in current.keys() - now.keys():
            kept.removed.append(key)
            lines.append(orjson.dumps({"key": key, "seen": when, "removed": True}) + b"\n")
    if lines:
        make_private_dir(path.parent)
        if path.exists():
            repair_tail(path)  # a line a crash cut short is not followed by a good one
        fd = open_to_write(path, append=True)
        try:
            os.write(fd, b"".join(lines))
            os.fsync(fd)
        finally:
            os.close(fd)
    return kept
