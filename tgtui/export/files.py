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

import contextlib
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tgtui.archive.wording import media_file
from tgtui.export.html_media import Pictures
from tgtui.export.tde import FOLDERS, NOT_INCLUDED, UNAVAILABLE
from tgtui.format.avatars import current_avatars, saved_file
from tgtui.format.media_paths import AVATAR_INDEX, AVATARS, THUMBS, thumbnail_path_problem
from tgtui.format.safe_files import copy_with_holes, inside_folder, link_refused, open_regular
from tgtui.i18n import _
from tgtui.lazylog import logger

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
            self.put(source, target)
        except OSError as exc:
            self.tally.missing += 1
            self.tally.problems.append(f"{self.export_chat.name}/{relative}: {exc.strerror}")
            return UNAVAILABLE
        self._placed.add(relative)
        return relative

    def put(self, source: Path | str, target: Path | str) -> None:
        """``source`` at ``target``, unless a file is there already: placed by another part of
        this chat (a big chat is exported in parts, each with its own placer), which is the
        same file. Nothing is ever written through a file already there (it may be a link
        to the backup's own)."""
        # The file itself, never what a link there leads to (a link planted between the
        # check and now is refused here, or linked as a link: never followed).
        if not stat.S_ISREG(os.lstat(source).st_mode):
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
                # A link swapped in for the file since it was looked at is hard-linked as a
                # link: taken away again, so the export holds no link out of itself (a page
                # that opens it, or a zip of the export, would follow it).
                if not stat.S_ISREG(os.lstat(target).st_mode):
                    os.unlink(target)
                    raise OSError(errno.ELOOP, link_refused(), str(source))
                self.tally.linked += 1
                return
        try:
            with open(target, "xb"):  # the name is this placer's (0600: the export's umask)
                pass
        except FileExistsError:
            return
        try:
            # From the file itself, opened without following a link (a link swapped in since
            # it was looked at is refused, not copied as a link or through it).
            with os.fdopen(open_regular(source), "rb") as read, open(target, "r+b") as write:
                copy_with_holes(read.fileno(), write.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
            raise
        os.chmod(target, 0o600)
        self.tally.copied += 1


# The first bytes of the pictures a backup saves as previews and userpics: JPEG, PNG, WebP.
_PICTURE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def is_picture(path: Path | str) -> bool:
    """Whether ``path`` (a regular file, no link followed) starts as a JPEG, PNG or WebP."""
    try:
        fd = open_regular(path)
    except OSError:
        return False
    try:
        head = os.read(fd, 12)
    except OSError:
        return False
    finally:
        os.close(fd)
    return head.startswith(_PICTURE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


# The userpics a backup names (`current_avatars`), read once a process for the backup it last
# read them of, until its index changes: a worker exports many chats of one backup.
_AVATARS: tuple[Path, tuple[int, int, int], dict[str, str]] | None = None


def _avatars(root: Path) -> dict[str, str]:
    global _AVATARS
    try:
        info = os.lstat(root / AVATAR_INDEX)
    except OSError:
        return {}
    key = (info.st_ino, info.st_size, info.st_mtime_ns)
    if _AVATARS is None or _AVATARS[0] != root or _AVATARS[1] != key:
        _AVATARS = (root, key, current_avatars(root))
    return _AVATARS[2]


class SavedPictures(Pictures):
    """The pictures the backup saved for a chat's pages (SCHEMA.md, "Thumbnails and
    avatars"), placed in the export as the pages ask for them, as its media are (hard links,
    or copies): a message's thumbnail in the chat's export folder's ``thumbs/``, a userpic in
    the export's ``avatars/`` (one for every chat, as in the backup).

    The backup is untrusted: a picture is used only at a path tgtui writes (`saved_file`:
    inside the folder, through no link, a regular file) that starts as a JPEG, PNG or WebP;
    anything else is not shown (the page shows initials, or no preview), never followed."""

    def __init__(
        self,
        placer: FilePlacer,
        backup_root: Path | None,
        export_root: Path,
        relative: str,
        chat: str | None = None,
    ) -> None:
        self.chat = chat
        # Their own placer: the pictures are not the media the export counts.
        self._placer = FilePlacer(
            placer.backup_chat, placer.export_chat, {}, copy=not placer._can_link
        )
        self._backup_root = backup_root
        self._export_root = export_root
        self._up = "../" * (relative.count("/") + 1)  # from a chat's folder to the export's
        self._userpics: dict[str, str | None] = {}
        self._previews: dict[str, str | None] = {}
        self._folders: set[str] = set()
        self._thumbs: bool | None = None  # whether the chat's thumbs/ is one (once looked at)

    def userpic(self, peer: str) -> str | None:
        """The peer's current userpic, placed in the export's avatars/ (None: none saved)."""
        if peer in self._userpics:
            return self._userpics[peer]
        shown = None
        if self._backup_root is not None:
            relative = _avatars(self._backup_root).get(peer)
            if relative is not None:
                source = saved_file(self._backup_root, relative)
                placed = None
                if source is not None:
                    placed = self._place(source, relative, self._export_root)
                shown = None if placed is None else self._up + placed
        if len(self._userpics) >= 10_000:
            self._userpics.clear()
        self._userpics[peer] = shown
        return shown

    def preview(self, record: dict[str, Any]) -> str | None:
        """The message's saved thumbnail, placed in the chat's thumbs/ (None: none saved).

        This runs for every message with media: the chat's thumbs/ folder is looked at once
        (a folder, no link), then each file as it is opened (a regular file, not a link)."""
        relative = record.get("thumbnail")
        if type(relative) is not str:
            return None
        shown = self._previews.get(relative, "")
        if shown != "":
            return shown
        shown = None
        if thumbnail_path_problem(relative) is None and self._thumbs_folder():
            source = os.path.join(self._placer.backup_chat, relative)
            shown = self._place(source, relative, self._placer.export_chat)
        if len(self._previews) >= 10_000:
            self._previews.clear()
        self._previews[relative] = shown
        return shown

    def _thumbs_folder(self) -> bool:
        """Whether the chat's thumbs/ is a folder inside it, reached through no link."""
        if self._thumbs is None:
            chat = self._placer.backup_chat
            self._thumbs = inside_folder(chat, THUMBS) is None and (chat / THUMBS).is_dir()
        return self._thumbs

    def _place(self, source: Path | str, relative: str, target_root: Path) -> str | None:
        """``source`` at ``target_root / relative`` (``relative``: a folder and a name, as
        `current_avatars` and `thumbnail_path_problem` take them) if it is a picture (a
        regular file, no link followed); ``relative``, or None when it is not shown."""
        folder, _slash, name = relative.partition("/")
        if folder not in (THUMBS, AVATARS) or not name or "/" in name:
            return None
        if not is_picture(source):
            return None
        target = os.path.join(target_root, folder)
        try:
            if target not in self._folders:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(target, 0o700)
                self._folders.add(target)
            self._placer.put(source, os.path.join(target, name))
        except OSError as exc:
            logger.warning("{}: not placed in the export: {}", source, exc)
            return None
        return relative
