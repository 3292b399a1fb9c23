"""A backup folder taken for one run: private, locked, and bound to one account.

- **Only its own:** tgtui backs up into a new or empty folder, or one that is already a tgtui
  backup (its manifest, or only the names a backup holds: a first run stopped before its
  manifest was written). Any other folder (``~``, a web root, a project) is refused before
  anything is created or changed in it; see `folder_problem`.
- **Private:** the folder is 0700 and what tgtui made in it 0600 (0700 for folders). Files are
  created so; a backup made by an older tgtui (or copied in) is tightened, with a note. What
  someone else put beside it is left as it is.
- **One writer:** `.tgtui.lock` is held (flock) for the whole run; a second run into the same
  folder is refused at once with a message, instead of interleaving lines.
- **One account:** the manifest records whose backup it is; another account's run is refused,
  since the two would mix chats that share a peer id.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui import portable
from tgtui.format.account import FILE_FOLDERS, FOLDER, SECTIONS, account_file_problem
from tgtui.format.media_paths import (
    AVATAR_INDEX,
    AVATARS,
    PART_SUFFIX,
    THUMBS,
    avatar_path_problem,
)
from tgtui.format.safe_files import MANIFEST_MAX, read_json
from tgtui.i18n import _
from tgtui.private_files import PRIVATE_DIR, PRIVATE_FILE, ExclusiveLock, LockHeld, make_private_dir
from tgtui.untrusted import clean

LOCK_NAME = ".tgtui.lock"
MANIFEST = "manifest.json"
CHATS = "chats"
ACCOUNT = FOLDER  # the account's own data (`tgtui backup --account`)
# What tgtui makes at the top of a backup folder (the manifest and the account's update
# state with their temporary names, the lock, the chats, the search index): only these are
# tightened, and a folder holding nothing else is a backup even without a manifest.
OWN_NAMES = frozenset(
    {
        LOCK_NAME,
        MANIFEST,
        f".{MANIFEST}.tmp",
        "updates-state.json",
        ".updates-state.json.tmp",
        CHATS,
        ".index",
        ACCOUNT,
        AVATARS,  # the userpics (`tgtui.backup.avatars`)
    }
)
# What tgtui writes in ACCOUNT (`tgtui.format.account`).
ACCOUNT_NAMES = frozenset(f"{section}.jsonl" for section in SECTIONS)
# What a file manager leaves in any folder it shows: not the user's files.
LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
MANIFEST_LIMIT = 256 * 1024 * 1024  # a manifest of a million chats is far below this


class FolderRefused(Exception):
    """The folder cannot be used for this run; the message says why and what to do."""


def _describe(account: dict[str, Any]) -> str:
    name = clean(account.get("name") or account.get("username") or "", limit=60)
    ident = account.get("id")
    return f"{name} (id {ident})" if name else f"id {ident}"


def _manifest(out: Path) -> dict[str, Any] | None:
    """``out``'s manifest.json as a JSON object, None if there is none or it cannot be read
    (read the one safe way: `tgtui.format.safe_files`)."""
    try:
        data = read_json(out / MANIFEST, MANIFEST_MAX)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def owner_of(out: Path) -> dict[str, Any] | None:
    """The account recorded in ``out``'s manifest, None if there is none (or it is unreadable:
    the engine then rewrites it)."""
    data = _manifest(out)
    account = data.get("account") if data is not None else None
    if isinstance(account, dict) and isinstance(account.get("id"), int):
        return account
    return None


def _made_by_tgtui(out: Path) -> bool:
    """Whether ``out``'s manifest is one tgtui wrote."""
    data = _manifest(out)
    tool = data.get("tool") if data is not None else None
    return isinstance(tool, str) and tool.startswith("tgtui")


# A chat folder as tgtui names it (`tgtui.backup.naming`): <peer id>_<name made ASCII>, and
# what a chat folder of a backup holds.
_CHAT_FOLDER = re.compile(r"-?[0-9]+_[A-Za-z0-9_]{1,40}")
CHAT_NAMES = frozenset(
    {
        "messages.jsonl",
        "messages.jsonl.damaged",
        ".messages.jsonl.tmp",
        "state.json",
        ".state.json.tmp",
        "edits.jsonl",
        "deleted.jsonl",
        "topics.jsonl",  # a forum's topics (`tgtui.format.topics`)
        "media",
        THUMBS,  # previews (`tgtui.backup.thumbnails`)
    }
)


def _chats_are_tgtuis(chats: Path) -> bool:
    """Whether ``chats`` (of a folder without tgtui's manifest: a first run stopped before it
    wrote one) holds only chat folders as tgtui makes them, or is not there. A ``chats``
    folder of someone's own (a chat bot's rooms, a project) is not a backup's."""
    try:
        entries = list(os.scandir(chats))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    for entry in entries:
        if entry.name in LITTER:
            continue
        if not _CHAT_FOLDER.fullmatch(entry.name) or not entry.is_dir(follow_symlinks=False):
            return False
        try:
            inside = set(os.listdir(entry.path))
        except OSError:
            return False
        if not inside - LITTER <= CHAT_NAMES:
            return False
    return True


def _names_in(folder: Path) -> set[str] | None:
    """The names in ``folder``, litter left out; None if it is a link, not a folder, or
    cannot be listed."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    try:
        return set(os.listdir(folder)) - LITTER
    except OSError:
        return None


def _account_is_tgtuis(account: Path) -> bool:
    """Whether ``account`` (if there) holds only the section files and the folders of
    saved files tgtui writes there."""
    if not account.exists() and not account.is_symlink():
        return True
    names = _names_in(account)
    if names is None:
        return False
    folders = names & set(FILE_FOLDERS.values())  # the profile pictures' and stories' files
    return names - folders <= ACCOUNT_NAMES and all(
        _files_are_tgtuis(account / folder) for folder in folders
    )


def _files_are_tgtuis(folder: Path) -> bool:
    """Whether one of ``account``'s file folders holds only the files tgtui writes there
    (`tgtui.format.account.account_file_problem`), whole or on their way (``*.part``)."""
    names = _names_in(folder)
    if names is None:
        return False
    where = f"{FOLDER}/{folder.name}"
    return all(
        account_file_problem(f"{where}/{name.removesuffix(PART_SUFFIX)}") is None for name in names
    )


def _avatars_are_tgtuis(avatars: Path) -> bool:
    """Whether ``avatars`` (if there) holds only the userpics and index tgtui writes there."""
    if not avatars.exists() and not avatars.is_symlink():
        return True
    names = _names_in(avatars)
    if names is None:
        return False
    return all(
        name == AVATAR_INDEX.rpartition("/")[2]
        or avatar_path_problem(f"{AVATARS}/{name.removesuffix(PART_SUFFIX)}") is None
        for name in names
    )


def folder_problem(out: Path) -> str | None:
    """Why ``out`` cannot take a backup, or None if it can: it does not exist yet, or is an
    empty folder, or is already a tgtui backup. Looks only; creates and changes nothing.

    Any other folder is someone's own (``~``, a web root, the current folder of an empty
    ``--out``): tgtui would write among their files and make them private.
    """
    out = out.absolute()  # "." says nothing in a message
    try:
        info = out.stat()
    except FileNotFoundError:
        return None  # made by tgtui, 0700
    except OSError as exc:
        return _("Cannot use {out} as a backup folder: {reason}").format(
            out=out, reason=exc.strerror or exc
        )
    if not stat.S_ISDIR(info.st_mode):
        return _("Cannot use {out} as a backup folder: {reason}").format(
            out=out, reason=_("it is not a folder")
        )
    try:
        names = set(os.listdir(out))
    except OSError as exc:
        return _("Cannot use {out} as a backup folder: {reason}").format(
            out=out, reason=exc.strerror or exc
        )
    chats = out / CHATS
    if chats.is_symlink() or (CHATS in names and not chats.is_dir()):
        return _(
            "{out} is not a usable backup: its {chats} is not a folder inside it. Choose "
            "another folder."
        ).format(out=out, chats=CHATS)
    ours = names - LITTER <= OWN_NAMES and _chats_are_tgtuis(chats)
    ours = ours and _avatars_are_tgtuis(out / AVATARS)
    if _made_by_tgtui(out) or (ours and _account_is_tgtuis(out / ACCOUNT)):
        return None
    return _(
        "{out} holds other files and is not a tgtui backup: back up into a new or empty "
        "folder, or one tgtui backed up into before."
    ).format(out=out)


def tighten(out: Path) -> int:
    """Take group and other permissions off what tgtui made in ``out`` (`OWN_NAMES`, and
    everything below its folders among them); how many were changed.

    Anything else in the folder is not tgtui's and is left as it is. Symlinks are not
    followed (a link planted in the folder cannot make us chmod elsewhere).
    """
    if not portable.UNIX_MODES:
        return 0  # Windows: the profile's ACLs keep the folder private; modes mean nothing
    changed = 0
    try:
        top = [entry for entry in os.scandir(out) if entry.name in OWN_NAMES]
    except OSError as exc:
        logger.warning("cannot list {}: {}", out, exc.strerror)
        return 0
    folders: list[str] = []  # below the top: every entry is tgtui's
    entries = top
    while True:
        for entry in entries:
            changed += _tighten_one(entry, folders)
        if not folders:
            return changed
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError as exc:
            logger.warning("cannot list {}: {}", exc.filename, exc.strerror)
            entries = []


def _tighten_one(entry: os.DirEntry[str], folders: list[str]) -> int:
    """Make one entry private (1 if its mode changed); a folder is queued to be walked."""
    try:
        if entry.is_symlink():
            return 0
        mode = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
        is_dir = entry.is_dir(follow_symlinks=False)
        if is_dir:
            folders.append(entry.path)
        if mode & 0o077:
            os.chmod(entry.path, mode & (PRIVATE_DIR if is_dir else PRIVATE_FILE))
            return 1
    except OSError as exc:
        logger.warning("cannot make {} private: {}", entry.path, exc.strerror)
    return 0


class BackupFolder:
    """Holds a backup folder for the length of a run (a context manager)."""

    def __init__(self, out: Path, account: dict[str, Any]) -> None:
        self.out = out
        self.account = account
        self.notes: list[str] = []  # what the user should know (permissions tightened)
        self._lock = ExclusiveLock(out / LOCK_NAME)

    def open(self) -> None:
        """Create or check the folder and take it; FolderRefused if it cannot be used (see
        `folder_problem`: nothing is created or changed in a folder that is refused)."""
        problem = folder_problem(self.out)
        if problem is not None:
            raise FolderRefused(problem)
        try:
            make_private_dir(self.out)
            self._lock.acquire()
        except LockHeld as exc:
            who = f" (process {exc.pid})" if exc.pid else ""
            raise FolderRefused(
                _(
                    "Another tgtui{who} is backing up into {out}. Wait for it to finish, or "
                    "choose another folder."
                ).format(who=who, out=self.out)
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise FolderRefused(
                _("Cannot use {out} as a backup folder: {reason}").format(
                    out=self.out, reason=reason
                )
            ) from exc
        try:
            self._check_owner()
        except BaseException:
            self._lock.release()
            raise

    def make_private(self) -> None:
        """Tighten what an older tgtui (or a copy) left readable by others, with a note.

        Everything tgtui writes is private from its first byte, so this finds work only in
        backups made or touched by something else; it can run beside the backup.
        """
        changed = tighten(self.out)
        if changed:
            note = (
                f"{changed:,} files and folders in {self.out} were readable by other users; "
                "they are private now (0600 files, 0700 folders)."
            )
            logger.warning(note)
            self.notes.append(note)

    def _check_owner(self) -> None:
        owner = owner_of(self.out)
        mine = self.account.get("id")
        if owner is None or mine is None or owner.get("id") == mine:
            return
        raise FolderRefused(
            _(
                "{out} holds the backup of another account, {owner}; you are signed in as "
                "{account}. Back this account up into another folder."
            ).format(out=self.out, owner=_describe(owner), account=_describe(self.account))
        )

    def close(self) -> None:
        """Let the folder go."""
        self._lock.release()

    def __enter__(self) -> BackupFolder:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
