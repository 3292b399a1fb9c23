"""A message's saved file, placed in an export: hard-linked from the backup where the
filesystem allows (no second copy on disk), copied where it does not, or always copied when
asked (`tgtui export --copy`).

A hard link is the backup's own file under a second name: the same bytes and the same mode
(0600, as the backup keeps it). A copy is the export's own, created 0600.

The backup is untrusted: a path in a line is used only if it passes the checks the reader
uses (relative, under media/, inside the chat folder with no link on its way) and names a
regular file; anything else is exported as "unavailable", never followed, and said: a file
that is not there is counted (``missing``), one refused (a link, a FIFO, a path out of the
folder) is named with why in ``problems``, so that the export says it left it out.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tgtui.archive.wording import media_file
from tgtui.export.tde import FOLDERS, NOT_INCLUDED, UNAVAILABLE
from tgtui.i18n import _

Record = dict[str, Any]

# Errors of os.link that mean "this filesystem (pair) cannot hard-link": copy instead.
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES}


@dataclass
class FileTally:
    """What the export did with the files of one chat."""

    linked: int = 0
    copied: int = 0
    missing: int = 0  # not in the backup (never saved, failed, deleted since)
    refused: int = 0  # something in its place that is not exported (each in ``problems``)
    problems: list[str] = field(default_factory=list)


class FilePlacer:
    """Places the files of one chat's messages in that chat's export folder."""

    def __init__(
        self,
        backup_chat: Path,
        export_chat: Path,
        failed: dict[str, str],
        *,
        copy: bool = False,
        name: str = "",
    ) -> None:
        self.backup_chat = backup_chat
        self.name = name or backup_chat.name  # the chat's, for the user
        self.export_chat = export_chat
        self.failed = failed
        self.tally = FileTally()
        self._folders: set[str] = set()  # made in the export
        self._placed: set[str] = set()  # files placed, relative to the chat's folder
        self._refused: set[str] = set()  # files refused (named once), as the lines name them
        self._can_link = not copy  # copy: every file copied (`tgtui export --copy`)

    def place(self, record: Record) -> str | None:
        """The file's path relative to the chat's export folder, a Telegram Desktop skip
        text, or None when the message has no file."""
        kind = record.get("media_type")
        folder = FOLDERS.get(kind) if isinstance(kind, str) else None
        if folder is None:
            return None
        if record.get("media_unavailable"):
            return UNAVAILABLE
        path = record.get("file")
        if not isinstance(path, str) or not path:
            failed = self.failed and self.failed.get(str(record.get("id")))
            return UNAVAILABLE if failed else NOT_INCLUDED
        source, refused = media_file(record, self.backup_chat)
        if refused is not None:
            if path in self._refused:  # named once, however many messages show it
                return UNAVAILABLE
            self._refused.add(path)
            self.tally.refused += 1
            self.tally.problems.append(
                _("{chat}: {file} is refused: {reason}").format(
                    chat=self.name, file=path, reason=refused
                )
            )
            return UNAVAILABLE
        if source is None:
            self.tally.missing += 1
            return UNAVAILABLE
        relative = f"{folder}/{Path(path).name}"
        if relative in self._placed:
            return relative
        target = self.export_chat / relative
        if folder not in self._folders:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._folders.add(folder)
        try:
            self._put(source, target)
        except OSError as exc:
            self.tally.missing += 1
            self.tally.problems.append(f"{self.export_chat.name}/{relative}: {exc.strerror}")
            return UNAVAILABLE
        self._placed.add(relative)
        return relative

    def _put(self, source: Path, target: Path) -> None:
        """``source`` at ``target``, unless a file is there already: placed by another part of
        this chat (a big chat is exported in parts, each with its own placer), which is the
        same file. Nothing is ever written through a file already there (it may be a link
        to the backup's own)."""
        # The file itself, never what a link there leads to (a link planted between the
        # check and now is refused here, or linked as a link: never followed).
        if not stat.S_ISREG(source.lstat().st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if self._can_link:
            try:
                os.link(source, target, follow_symlinks=False)
            except FileExistsError:
                return
            except OSError as exc:
                if exc.errno not in _NO_LINK:
                    raise
                self._can_link = False  # the same for every file of this pair of folders
            else:
                self.tally.linked += 1
                return
        try:
            with open(target, "xb"):  # the name is this placer's (0600: the export's umask)
                pass
        except FileExistsError:
            return
        try:
            shutil.copyfile(source, target, follow_symlinks=False)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        os.chmod(target, 0o600)
        self.tally.copied += 1
