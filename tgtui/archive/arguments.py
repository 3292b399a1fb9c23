"""What the offline commands (`tgtui search`, `tgtui export`) share: the backup they were
pointed at, and the chats their `--chat` options name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tgtui.archive.folder import Archive, ArchiveChat, ArchiveError, open_archive
from tgtui.config import ConfigError, Paths, load_settings


def backup_argument(folder: Path | None, paths: Paths, *, demo: bool = False) -> Archive:
    """The backup in ``folder``; without one, the demo's backups (``demo``) or the config's
    backup_dir. ArchiveError, with the reason, if there is none to read."""
    if folder is None:
        if demo:
            folder = paths.demo_backup_dir
        else:
            try:
                folder = load_settings(paths).backup_dir
            except ConfigError as exc:
                raise ArchiveError(f"bad configuration: {exc}") from exc
    return open_archive(folder.expanduser())


def chosen_backup(
    folder: Path | None, selectors: Sequence[str] | None, paths: Paths, *, demo: bool = False
) -> tuple[Archive, list[ArchiveChat] | None]:
    """The backup (as ``backup_argument`` finds it) and the chats the ``--chat`` selectors
    name (None without selectors: every chat). ArchiveError if a selector names none."""
    archive = backup_argument(folder, paths, demo=demo)
    if not selectors:
        return archive, None
    unknown = [s for s in selectors if not any(c.named(s) for c in archive.chats)]
    if unknown:
        raise ArchiveError("no chat in the backup matches " + ", ".join(unknown))
    return archive, [c for c in archive.chats if any(c.named(s) for s in selectors)]
