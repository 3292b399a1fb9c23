"""A backup folder opened for reading: the manifest's chats and where their messages are.

Reading needs no session, no network and no lock: a backup can be read while a backup into
it runs (it only ever appends whole lines). Everything on disk is checked before use: a
chat whose folder would lie outside the backup is left out, with a warning.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui.chats.matching import fold
from tgtui.i18n import _
from tgtui.portable import NOFOLLOW, NONBLOCK, open_fd

JSONL = "messages.jsonl"
MANIFEST = "manifest.json"


def open_regular(path: Path) -> int:
    """A read-only descriptor of ``path``, which must be a regular file (OSError if not).

    Non-blocking and without following a final symlink: a FIFO or device planted in a
    backup must never hang a reader, and a link must not lead it out of the folder.
    """
    fd = open_fd(path, os.O_RDONLY | NONBLOCK | NOFOLLOW)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, f"{path} is not a regular file")
    return fd


class ArchiveError(Exception):
    """The folder cannot be read as a backup; the message says why."""


@dataclass(frozen=True)
class ArchiveChat:
    """One chat of a backup, as its manifest describes it."""

    id: int
    name: str
    type: str
    folder: Path
    messages: int
    status: str
    reason: str | None
    updated: str

    @property
    def jsonl(self) -> Path:
        """The chat's messages.jsonl."""
        return self.folder / JSONL

    def named(self, text: str) -> bool:
        """Whether ``text`` names this chat: its id, or part of its name in any case, with or
        without accents (for filters typed in the TUI)."""
        wanted = text.strip()
        return wanted == str(self.id) or fold(wanted) in fold(self.name)


@dataclass(frozen=True)
class Archive:
    """A backup folder: whose it is and its chats."""

    folder: Path
    account: dict[str, Any]
    chats: tuple[ArchiveChat, ...]

    def chat(self, chat_id: int) -> ArchiveChat | None:
        """The chat with this id, if the backup holds it."""
        return next((c for c in self.chats if c.id == chat_id), None)


def _chat(folder: Path, item: object) -> ArchiveChat | None:
    if not isinstance(item, dict):
        return None
    try:
        relative = str(item["path"])
        chat = ArchiveChat(
            id=int(item["id"]),
            name=str(item.get("name") or ""),
            type=str(item.get("type") or ""),
            folder=folder / relative,
            messages=int(item.get("messages") or 0),
            status=str(item.get("status") or ""),
            reason=None if item.get("reason") is None else str(item["reason"]),
            updated=str(item.get("updated") or ""),
        )
    except (KeyError, TypeError, ValueError):
        return None
    parts = Path(relative).parts
    if Path(relative).is_absolute() or not parts or parts[0] != "chats" or ".." in parts:
        logger.warning("{}: chat {} has a folder outside the backup; left out", folder, chat.id)
        return None
    return chat


def open_archive(folder: Path) -> Archive:
    """Read ``folder``'s manifest (ArchiveError if it is not a readable backup)."""
    manifest = folder / MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArchiveError(
            _("{folder} holds no backup (no {manifest})").format(folder=folder, manifest=MANIFEST)
        ) from None
    except (OSError, ValueError) as exc:
        raise ArchiveError(
            _("cannot read {manifest}: {reason}").format(manifest=manifest, reason=exc)
        ) from exc
    if not isinstance(data, dict):
        raise ArchiveError(_("{manifest} is not a tgtui manifest").format(manifest=manifest))
    chats = [c for item in data.get("chats") or [] if (c := _chat(folder, item)) is not None]
    account = data.get("account")
    return Archive(folder, account if isinstance(account, dict) else {}, tuple(chats))
