"""A backup folder opened for reading: the manifest's chats and where their messages are.

Reading needs no session, no network and no lock: a backup can be read while a backup into
it runs (it only ever appends whole lines). A backup may come from a stranger, so everything
in it is checked before use (`tgtui.format.safe_files`): the manifest must be a regular
file of a sane size, and a chat whose folder would lie outside the backup (a path that
climbs out, a link anywhere on its way, something else than a folder) is left out, with the
reason in ``Archive.left_out`` and the log. One folder is one chat: a second entry with the
id or the folder of an earlier one is left out the same way (the first is read). A field of
another type than tgtui writes is taken as absent (an ``updated`` that is not a date too).
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tgtui.format.records import non_negative, peer_id
from tgtui.format.safe_files import MANIFEST_MAX, inside_folder, read_json
from tgtui.i18n import _
from tgtui.lazylog import logger

JSONL = "messages.jsonl"
MANIFEST = "manifest.json"
CHATS = "chats"


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
    updated: str  # when it was last backed up (ISO 8601), "" when unknown

    @property
    def jsonl(self) -> Path:
        """The chat's messages.jsonl."""
        return self.folder / JSONL

    def named(self, text: str) -> bool:
        """Whether ``text`` names this chat: its id, or part of its name in any case, with or
        without accents (for filters typed in the TUI)."""
        from tgtui.chats.matching import fold  # for filters typed in the TUI, not for a search

        wanted = text.strip()
        return wanted == str(self.id) or fold(wanted) in fold(self.name)


@dataclass(frozen=True)
class Archive:
    """A backup folder: whose it is and its chats."""

    folder: Path
    account: dict[str, Any]
    chats: tuple[ArchiveChat, ...]
    left_out: tuple[str, ...] = ()  # chats of the manifest not read, and why

    def chat(self, chat_id: int) -> ArchiveChat | None:
        """The chat with this id, if the backup holds it."""
        return next((c for c in self.chats if c.id == chat_id), None)


def _text(value: object) -> str:
    """A manifest's text field: a string, or "" for anything else (a list, a number...)."""
    return value if isinstance(value, str) else ""


def _date(value: object) -> str:
    """A manifest's date (ISO 8601, as tgtui writes it): the string, or "" for anything that
    is not a date ("²", a list...)."""
    if not isinstance(value, str) or not value.isascii() or len(value) > 40:
        return ""
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return ""
    return value


def _chat(folder: Path, item: object, left_out: list[str]) -> ArchiveChat | None:
    """One of the manifest's chats, or None (with the reason in ``left_out``) when the entry
    is not one tgtui writes or its folder is not inside the backup."""
    if not isinstance(item, dict):
        left_out.append(_("a chat entry of the manifest is not an object"))
        return None
    chat_id = peer_id(item.get("id"))
    relative = item.get("path")
    name = _text(item.get("name"))
    if chat_id is None or not isinstance(relative, str) or not relative:
        left_out.append(
            _("the chat {name} has no usable id or folder in the manifest").format(
                name=repr(name[:60])
            )
        )
        return None
    reason = item.get("reason")
    chat = ArchiveChat(
        id=chat_id,
        name=name,
        type=_text(item.get("type")),
        folder=folder / relative,
        messages=non_negative(item.get("messages")) or 0,
        status=_text(item.get("status")),
        reason=reason if isinstance(reason, str) else None,
        updated=_date(item.get("updated")),
    )
    problem = _folder_problem(folder, relative)
    if problem is not None:
        logger.warning("{}: chat {} is left out: its folder {}", folder, chat.id, problem)
        left_out.append(
            _("the chat {name} ({id}) is left out: its folder {problem}").format(
                name=repr(name[:60]), id=chat.id, problem=problem
            )
        )
        return None
    return chat


def _folder_problem(folder: Path, relative: str) -> str | None:
    """Why a chat's folder is not a folder inside the backup (None when it is)."""
    parts = Path(relative).parts
    if Path(relative).is_absolute() or len(parts) < 2 or parts[0] != CHATS or ".." in parts:
        return _("is outside the backup")
    problem = inside_folder(folder, relative)
    if problem is not None:
        return _("is not used: {problem}").format(problem=problem)
    try:
        mode = os.lstat(folder / relative).st_mode
    except FileNotFoundError:
        return None  # not made yet: a chat with no messages saved
    except OSError as exc:
        return _("cannot be looked at: {reason}").format(reason=exc.strerror or exc)
    if not stat.S_ISDIR(mode):
        return _("is not a folder")
    return None


def open_archive(folder: Path) -> Archive:
    """Read ``folder``'s manifest (ArchiveError if it is not a readable backup)."""
    manifest = folder / MANIFEST
    try:
        data = read_json(manifest, MANIFEST_MAX)
    except FileNotFoundError:
        raise ArchiveError(
            _(
                "{folder} holds no backup (no {manifest}). Make one with `tgtui backup --all "
                "--out {folder}` or in the app (b on the chat list), or try it all offline "
                "with `tgtui --demo`"
            ).format(folder=folder, manifest=MANIFEST)
        ) from None
    except OSError as exc:
        raise ArchiveError(
            _("cannot read {manifest}: {reason}").format(
                manifest=manifest, reason=exc.strerror or exc
            )
        ) from exc
    except ValueError as exc:
        raise ArchiveError(
            _("{manifest} is not a tgtui manifest: {reason}").format(manifest=manifest, reason=exc)
        ) from exc
    if not isinstance(data, dict):
        raise ArchiveError(_("{manifest} is not a tgtui manifest").format(manifest=manifest))
    entries = data.get("chats")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise ArchiveError(
            _("{manifest} is not a tgtui manifest: its chats are not a list").format(
                manifest=manifest
            )
        )
    left_out: list[str] = []
    chats: dict[int, ArchiveChat] = {}
    folders: dict[object, ArchiveChat] = {}  # one folder, one chat
    ids: set[int] = set()  # every id seen, the chat read or not
    for item in entries:
        chat = _chat(folder, item, left_out)
        if chat is None:
            continue
        if chat.id in ids:
            left_out.append(
                _("the chat {id} is in the manifest twice: the first is read").format(id=chat.id)
            )
            continue
        ids.add(chat.id)
        first = folders.setdefault(_folder_key(chat.folder), chat)
        if first is not chat:
            left_out.append(
                _(
                    "the chat {name} ({id}) is left out: its folder is the folder of {first} "
                    "({first_id}), which is read"
                ).format(
                    name=repr(chat.name[:60]),
                    id=chat.id,
                    first=repr(first.name[:60]),
                    first_id=first.id,
                )
            )
            continue
        chats[chat.id] = chat
    return Archive(folder, _account(data.get("account")), tuple(chats.values()), tuple(left_out))


def _folder_key(folder: Path) -> object:
    """What tells one chat folder from another: the folder itself (its device and inode, so
    ``chats/a``, ``chats/./a`` and, on a case-blind disk, ``chats/A`` are one), or its path
    with ``.`` and doubled slashes gone when it is not made yet."""
    try:
        info = os.lstat(folder)
    except OSError:
        return Path(os.path.normpath(folder))
    return (info.st_dev, info.st_ino)


def _account(value: object) -> dict[str, Any]:
    """The manifest's account, its known fields only, each of its type (or left out)."""
    if not isinstance(value, dict):
        return {}
    account: dict[str, Any] = {}
    if peer_id(value.get("id")) is not None:
        account["id"] = value["id"]
    for key in ("name", "username", "phone"):
        if isinstance(value.get(key), str):
            account[key] = value[key]
    return account
