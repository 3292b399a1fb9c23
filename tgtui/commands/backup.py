"""`tgtui backup`: the headless backup, for cron and scripts.

Exit codes: 0 every chat complete; 1 some chats skipped, partial or failed, or files failed
(the rest are saved); 2 nothing could be done or the run was stopped by an error (bad
arguments, bad config, an unusable session or backup folder, disk full); 130 interrupted
(files stay consistent). Every error is one line, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TypeVar

from loguru import logger
from rich.console import Console

from tgtui import choices
from tgtui.backup.console import ConsoleProgress, line, summary_table
from tgtui.backup.engine import BackupAborted, BackupOptions, BackupResult
from tgtui.backup.folder import folder_problem
from tgtui.backup.follow import MIN_SWEEP, SWEEP
from tgtui.backup.job import BackupJob, TakeoutRefused, account_of
from tgtui.backup.json_progress import JsonProgress
from tgtui.backup.reporters import HEARTBEAT, MIN_HEARTBEAT, LineProgress
from tgtui.backup.selection import target_of
from tgtui.chats.listing import candidate, dialogs
from tgtui.chats.matching import ChoiceError, choose
from tgtui.chats.options import CHAT_HELP, add_filter_arguments, chat_filter
from tgtui.commands.backup_progress import (
    following,
    ignore,
    print_summary,
    progress_mode,
    reporter,
    tick,
)
from tgtui.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTLY,
    add_date_options,
    stderr_console,
    typed,
)
from tgtui.commands.runner import add_session_arguments, command_settings, run_signed_in
from tgtui.config import MAX_CONCURRENCY, Paths, path_argument
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.i18n import _
from tgtui.retry import Wait
from tgtui.telegram.crypto import crypto_warning
from tgtui.telegram.service import TelegramService
from tgtui.untrusted import clean

T = TypeVar("T")


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
         media_progress, waiting, chat_finished, heartbeat, finished (with exit_code)
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
        media=MediaFilter(
            frozenset() if args.no_media else (args.media or ALL_KINDS), args.max_file_size
        ),
    )
    refused = folder_problem(options.out)  # before any session is opened or connected
    if refused is not None:
        err.print("tgtui backup: " + clean(refused))
        return EXIT_ERROR
    slow_crypto = crypto_warning()
    if slow_crypto is not None:
        logger.warning(slow_crypto)
        if not args.quiet:
            err.print(line((_("warning:"), "yellow"), f" {slow_crypto}"))
    pace_file = None if args.demo else paths.pace_file

    async def work(service: TelegramService, on_wait: Callable[[Wait], None]) -> int:
        return await _backup(service, args, options, err, pace_file, on_wait)

    return run_signed_in(
        args,
        paths,
        settings,
        err,
        work,
        command="backup",
        stopped=_("Stopped: everything fetched so far is saved; run again to resume."),
    )


async def _backup(
    service: TelegramService,
    args: argparse.Namespace,
    options: BackupOptions,
    err: Console,
    pace_file: Path | None,
    on_wait: Callable[[Wait], None],
) -> int:
    mode = progress_mode(args.progress, quiet=args.quiet, tty=err.is_terminal)
    try:
        result, report = await _plan_and_run(service, args, options, err, pace_file, on_wait, mode)
    except BackupAborted as exc:
        err.print(line((_("tgtui backup stopped:"), "red"), f" {clean(exc)}"))
        err.print(_("Everything written so far is consistent; run again once this is fixed."))
        return EXIT_ERROR
    if result is None:
        return EXIT_ERROR
    code = EXIT_OK if result.all_complete else EXIT_PARTLY
    if isinstance(report, JsonProgress):
        report.finished(code, result, str(options.out))
    if args.quiet and result.all_complete and not result.notes:
        return code
    all_rows = len(result.chats) <= 40 and not args.quiet
    if all_rows or not result.all_complete:
        err.print(summary_table(result.chats, all_rows=all_rows))
    print_summary(err, result, options.out)
    return code


async def _plan_and_run(
    service: TelegramService,
    args: argparse.Namespace,
    options: BackupOptions,
    err: Console,
    pace_file: Path | None,
    on_wait: Callable[[Wait], None],
    mode: str,
) -> tuple[BackupResult | None, object]:
    client = service.client
    # Who the account is and its chats, asked together (one round trip less to the first
    # history request).
    me, rows = await asyncio.gather(service.me(on_wait=on_wait), dialogs(client, on_wait=on_wait))
    missing: list[str] = []
    try:
        chosen = rows if args.all else choose(rows, args.chats, candidate)
        chosen = chat_filter(args).apply(chosen, candidate, missing)
    except ChoiceError as exc:
        err.print(f"tgtui backup: {exc}")
        return None, None
    for text in missing:
        err.print(
            _("note: --exclude {text} matches no chat; nothing left out").format(
                text=repr(clean(text, limit=80))
            )
        )
    targets = [target_of(row) for row in chosen if row.peer is not None]
    if not targets:
        err.print("tgtui backup: " + _("no chat is left to back up after the filters"))
        return None, None
    logger.info("backing up {} chats into {}", len(targets), options.out)
    with ExitStack() as stack:
        report = reporter(mode, err, len(targets), args.heartbeat)
        if isinstance(report, ConsoleProgress):
            stack.enter_context(report)
        ticking = None
        if isinstance(report, LineProgress | JsonProgress):
            ticking = asyncio.ensure_future(tick(report, min(1.0, args.heartbeat / 2)))
            stack.callback(ticking.cancel)
        elif isinstance(report, ConsoleProgress):
            ticking = asyncio.ensure_future(tick(report, 1.0))  # the following line's clock
            stack.callback(ticking.cancel)
        job = BackupJob(
            client,
            targets,
            options,
            takeout=args.takeout,
            account=account_of(me),
            listener=report if report is not None else ignore,
            pace_file=pace_file,
        )
        if isinstance(report, ConsoleProgress):
            report.watch(job)  # the bars read the job: messages and files, time left
        follow = following(err, report, args.sweep) if args.follow else None
        try:
            return await job.run(follow=follow), report
        except TakeoutRefused as exc:
            err.print(f"tgtui backup: {clean(exc)}")
            return None, report
