"""What the offline commands (`tgtui search`, `tgtui export`) share: the backup they were
pointed at, and the chats their `--chat` options name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tgtui.archive.folder import Archive, ArchiveChat, ArchiveError, open_archive
from tgtui.config import ConfigError, Paths, Settings, load_settings
from tgtui.i18n import _

if TYPE_CHECKING:  # chat matching loads when --chat names chats, not for every search
    from tgtui.chats.matching import Candidate


def backup_argument(
    folder: Path | None, paths: Paths, *, demo: bool = False, settings: Settings | None = None
) -> Archive:
    """The backup in ``folder``; without one, the demo's backups (``demo``) or the config's
    backup_dir (from ``settings`` as the command line read them, else read now).
    ArchiveError, with the reason, if there is none to read."""
    if folder is None:
        if demo:
            folder = paths.demo_backup_dir
        elif settings is not None:
            folder = settings.backup_dir
        else:
            try:
                folder = load_settings(paths).backup_dir
            except ConfigError as exc:
                raise ArchiveError(_("bad configuration: {reason}").format(reason=exc)) from exc
    return open_archive(folder.expanduser())


def chosen_backup(
    folder: Path | None,
    selectors: Sequence[str] | None,
    paths: Paths,
    *,
    demo: bool = False,
    settings: Settings | None = None,
) -> tuple[Archive, list[ArchiveChat] | None]:
    """The backup (as ``backup_argument`` finds it) and the chats the ``--chat`` selectors
    name (None without selectors: every chat), matched as `tgtui.chats.matching` does.
    ArchiveError if a selector names none or several."""
    archive = backup_argument(folder, paths, demo=demo, settings=settings)
    if not selectors:
        return archive, None
    from tgtui.chats.matching import ChoiceError, choose

    try:
        return archive, choose(archive.chats, selectors, candidate)
    except ChoiceError as exc:
        raise ArchiveError(
            _("in the backup {folder}: {reason}").format(folder=archive.folder, reason=exc)
        ) from None


# Telegram Desktop's chat types (the manifest's) as the types chats are filtered by.
_TYPES = {
    "saved_messages": "users",
    "personal_chat": "users",
    "bot_chat": "bots",
    "private_group": "groups",
    "private_supergroup": "groups",
    "public_supergroup": "groups",
    "private_channel": "channels",
    "public_channel": "channels",
}


def candidate(chat: ArchiveChat) -> Candidate:
    """A backed-up chat as chat matching sees it (no @username or folder is kept)."""
    from tgtui.chats.matching import Candidate

    return Candidate(chat.id, chat.name, _TYPES.get(chat.type, "users"))
