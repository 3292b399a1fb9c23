"""A backup folder taken for one run: private, locked, and bound to one account.

- **Private:** the folder is 0700 and everything in it 0600 (0700 for folders). Files are
  created so; a backup made by an older tgtui (or copied in) is tightened, with a note.
- **One writer:** `.tgtui.lock` is held (flock) for the whole run; a second run into the same
  folder is refused at once with a message, instead of interleaving lines.
- **One account:** the manifest records whose backup it is; another account's run is refused,
  since the two would mix chats that share a peer id.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from loguru import logger

from tgtui import portable
from tgtui.i18n import _
from tgtui.private_files import PRIVATE_DIR, PRIVATE_FILE, ExclusiveLock, LockHeld, make_private_dir
from tgtui.untrusted import clean

LOCK_NAME = ".tgtui.lock"
MANIFEST = "manifest.json"


class FolderRefused(Exception):
    """The folder cannot be used for this run; the message says why and what to do."""


def _describe(account: dict[str, Any]) -> str:
    name = clean(account.get("name") or account.get("username") or "", limit=60)
    ident = account.get("id")
    return f"{name} (id {ident})" if name else f"id {ident}"


def owner_of(out: Path) -> dict[str, Any] | None:
    """The account recorded in ``out``'s manifest, None if there is none (or it is unreadable:
    the engine then rewrites it)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    account = data.get("account") if isinstance(data, dict) else None
    if isinstance(account, dict) and isinstance(account.get("id"), int):
        return account
    return None


def tighten(out: Path) -> int:
    """Take group and other permissions off everything below ``out``; how many were changed.

    Symlinks are not followed (a link planted in the folder cannot make us chmod elsewhere).
    """
    changed = 0
    if not portable.UNIX_MODES:
        return 0  # Windows: the profile's ACLs keep the folder private; modes mean nothing
    folders = [str(out)]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError as exc:
            logger.warning("cannot list {}: {}", exc.filename, exc.strerror)
            continue
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                mode = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir:
                    folders.append(entry.path)
                if mode & 0o077:
                    os.chmod(entry.path, mode & (PRIVATE_DIR if is_dir else PRIVATE_FILE))
                    changed += 1
            except OSError as exc:
                logger.warning("cannot make {} private: {}", entry.path, exc.strerror)
    return changed


class BackupFolder:
    """Holds a backup folder for the length of a run (a context manager)."""

    def __init__(self, out: Path, account: dict[str, Any]) -> None:
        self.out = out
        self.account = account
        self.notes: list[str] = []  # what the user should know (permissions tightened)
        self._lock = ExclusiveLock(out / LOCK_NAME)

    def open(self) -> None:
        """Create or check the folder and take it; FolderRefused if it cannot be used."""
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
