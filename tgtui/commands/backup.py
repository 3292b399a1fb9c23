"""`tgtui backup`: the headless backup, for cron and scripts.

Exit codes: 0 every chat complete; 1 some chats skipped, partial or failed, or files failed
(the rest are saved); 2 nothing could be done or the run was stopped by an error (bad
arguments, bad config, an unusable session or backup folder, disk full); 130 interrupted
(files stay consistent). Every error is one line, never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from tgtui import choices
from tgtui.backup.options import (
    HEARTBEAT,
    MIN_HEARTBEAT,
    MIN_SWEEP,
    SWEEP,
    BackupOptions,
)
from tgtui.chats.options import CHAT_HELP, add_filter_arguments
from tgtui.commands.common import (
    EXIT_ERROR,
    add_date_options,
    stderr_console,
    typed,
)
from tgtui.commands.session_options import add_session_arguments, command_settings
from tgtui.config import MAX_CONCURRENCY, Paths, path_argument
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.i18n import _
from tgtui.preload import Preload
from tgtui.untrusted import clean

if TYPE_CHECKING:
    from tgtui.retry import Wait
    from tgtui.telegram.service import TelegramService


PROGRESS_MODES = ("auto", "bars", "lines", "json", "none")


def epilog() -> str:
    """Help text shown after the options."""
    return _(
        """\
chats:
  CHAT is a peer id (`tgtui chats` lists them), @username, t.me link or name; a name that
  fits several chats is an error that lists them with their ids.
  tgtui backup --all --type groups,channels --no-archived --exclude @sandbox_channel22

progress (--progress):
  bars   live bars (the default on a terminal)
  lines  a line per chat started and finished, per FLOOD_WAIT, and a summary every
         --heartbeat seconds (the default when stderr is not a terminal: cron, systemd)
  json   one JSON object per line on stdout: start, chat_started, chat_progress,
         media_progress, waiting, chat_finished, heartbeat, connection_lost,
         connection_back, following, finished (with exit_code)
  none   nothing until the summary (--quiet: not even that when all is well)

exit codes:
  0    every chat complete
  1    some chats skipped, partial or failed, or files failed (the others are saved)
  2    could not run: bad arguments or config, a chat name that fits none or several
       chats; session locked, signed out or unusable; backup folder unusable, in use by
       another run or another account's; disk full
  130  interrupted (Ctrl+C, SIGTERM): files stay consistent; run again to resume

Backups are private (0700 folders, 0600 files). Each run checks what is already saved
and repairs damage from Telegram; --verify checks saved files against Telegram's hashes.

Run it again at any time: it continues where it stopped and only fetches what is new.
"""
    )


def _concurrency(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(
            _("expected 1 to {most}, got {text}").format(most=MAX_CONCURRENCY, text=repr(text))
        )
    return value


def _seconds(least: float, *, none: bool = False) -> Callable[[str], float]:
    """An argparse type: seconds from ``least`` to a day (and 0 for "none" when ``none``).

    A tiny interval would make tgtui ask Telegram (or write lines) without a pause."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if (none and value == 0) or least <= value <= 86_400:
            return value
        if none:
            message = _("expected 0 (none) or seconds from {least} to 86400, got {text}")
        else:
            message = _("expected seconds from {least} to 86400, got {text}")
        raise argparse.ArgumentTypeError(message.format(least=f"{least:g}", text=repr(text)))

    return convert


_media_kinds = typed(choices.parse_media_kinds)
_megabytes = typed(choices.parse_megabytes)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The backup command's options."""
    parser.add_argument(
        "chats",
        nargs="*",
        metavar=_("CHAT"),
        help=_("chats to back up: {chat}").format(chat=_(CHAT_HELP)),
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help=_(
            "back up every chat (archive too), narrowed by --type, --archived/--no-archived "
            "and --exclude"
        ),
    )
    add_filter_arguments(parser)
    parser.add_argument(
        "--out",
        type=path_argument,
        metavar=_("DIR"),
        help=_(
            "backup folder: a new or empty one, or a tgtui backup (default: backup_dir in config)"
        ),
    )
    add_date_options(parser)
    media = parser.add_mutually_exclusive_group()
    media.add_argument(
        "--media",
        type=_media_kinds,
        metavar=_("TYPES"),
        help=_(
            "save only these media files (comma-separated: {kinds}; or all, or none); default: all"
        ).format(kinds=", ".join(sorted(ALL_KINDS))),
    )
    media.add_argument("--no-media", action="store_true", help=_("save messages only"))
    parser.add_argument(
        "--max-file-size",
        type=_megabytes,
        metavar="MB",
        help=_("skip media files larger than this"),
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help=_("check every media file against Telegram's hashes (a few requests per file)"),
    )
    parser.add_argument(
        "--pictures",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=_(
            "save the small previews of photos, videos, stickers and files, the chats' "
            "pictures and the senders' userpics (and, with --account, your profile "
            "pictures), whatever --media says (default: on)"
        ),
    )
    parser.add_argument(
        "--account",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=_(
            "also save the account's own data: profile, profile pictures and stories (with "
            "their files), contacts, frequent contacts, sessions, web sessions and the chats "
            "left (kept as versions); the default with --all"
        ),
    )
    parser.add_argument(
        "--follow",
        action="store_true",
        help=_(
            "after the backup, stay connected and save new, edited and deleted messages "
            "(and their files) as they happen, until Ctrl+C or SIGTERM (then exit 0)"
        ),
    )
    parser.add_argument(
        "--sweep",
        type=_seconds(MIN_SWEEP),
        default=SWEEP,
        metavar=_("SECONDS"),
        help=_(
            "with --follow: ask Telegram about every chat this often, in case an update "
            "was missed (default {seconds})"
        ).format(seconds=f"{SWEEP:.0f}"),
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help=_(
            "compare every saved message with Telegram again for edits and deletions (one "
            "request per 100 messages; runs find them without it, from Telegram's updates)"
        ),
    )
    parser.add_argument(
        "--concurrency",
        type=_concurrency,
        metavar="N",
        help=_(
            "history requests in flight at most, all chats together; the run starts with 4 "
            "and grows while Telegram answers fast and without FLOOD_WAIT (default: concurrency "
            "in config, 16)"
        ),
    )
    parser.add_argument(
        "--takeout",
        action="store_true",
        help=_(
            "run as a Telegram export (takeout) session: looser flood limits; Telegram may "
            "ask you to approve it in another app first"
        ),
    )
    parser.add_argument(
        "--progress",
        choices=PROGRESS_MODES,
        default="auto",
        help=_(
            "how progress is shown: bars on a terminal, lines otherwise (auto, the default); "
            "json: one JSON object per event on stdout; none"
        ),
    )
    parser.add_argument(
        "--heartbeat",
        type=_seconds(MIN_HEARTBEAT, none=True),
        default=HEARTBEAT,
        metavar=_("SECONDS"),
        help=_("with lines or json: a summary every SECONDS (default {seconds}; 0: none)").format(
            seconds=f"{HEARTBEAT:.0f}"
        ),
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help=_("print only problems: no progress, and no summary when every chat is complete"),
    )
    add_session_arguments(parser)


def run(args: argparse.Namespace, paths: Paths | None = None) -> int:
    """Entry point of `tgtui backup`; returns the exit code."""
    # Nothing printed here is read as markup: names, paths and reasons are shown as they are
    # (after `tgtui.untrusted.clean`), colours come from Text styles.
    err = stderr_console()
    paths = paths or Paths.default()
    if not args.chats and not args.all:
        err.print("tgtui backup: " + _("name the chats to back up, or use --all"))
        return EXIT_ERROR
    if args.since and args.until and args.since >= args.until:
        err.print("tgtui backup: " + _("--since must be before --until"))
        return EXIT_ERROR
    settings = command_settings(args, paths, err, "backup")
    if settings is None:
        return EXIT_ERROR
    options = BackupOptions(
        out=(
            args.out or (paths.demo_backup_dir if args.demo else settings.backup_dir)
        ).expanduser(),
        since=args.since,
        until=args.until,
        concurrency=args.concurrency or settings.concurrency,
        verify=args.verify,
        recheck=args.recheck,
        pictures=args.pictures,
        account=args.all if args.account is None else args.account,
        account_asked=bool(args.account),
        media=MediaFilter(
            frozenset() if args.no_media else (args.media or ALL_KINDS), args.max_file_size
        ),
    )
    from tgtui.backup.folder import folder_problem

    refused = folder_problem(options.out)  # before any session is opened or connected
    if refused is not None:
        err.print("tgtui backup: " + clean(refused))
        return EXIT_ERROR
    from tgtui.commands.runner import run_signed_in  # Telethon, which connecting needs
    from tgtui.telegram.crypto import crypto_warning

    slow_crypto = crypto_warning()
    if slow_crypto is not None:
        from loguru import logger

        from tgtui.styled import line

        logger.warning(slow_crypto)
        if not args.quiet:
            err.print(line((_("warning:"), "yellow"), f" {slow_crypto}"))
    pace_file = None if args.demo else paths.pace_file

    # Telethon is loaded (by the runner): the engine loads beside the connection from here.
    heavy = Preload("tgtui.commands.backup_run")

    async def work(service: TelegramService, on_wait: Callable[[Wait], None]) -> int:
        backup_run = await heavy.module()
        code: int = await backup_run.backup(service, args, options, err, pace_file, on_wait)
        return code

    return run_signed_in(
        args,
        paths,
        settings,
        err,
        work,
        command="backup",
        stopped=_("Stopped: everything fetched so far is saved; run again to resume."),
    )
