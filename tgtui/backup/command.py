"""`tgtui backup`: the headless backup, for cron and scripts.

Exit codes: 0 every chat complete; 1 some chats skipped, partial or failed, or files failed
(the rest are saved); 2 nothing could be done or the run was stopped by an error (bad
arguments, bad config, an unusable session or backup folder, disk full); 130 interrupted
(files stay consistent). Every error is one line, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TypeVar

from loguru import logger
from rich.console import Console
from telethon import errors

from tgtui.backup import choices
from tgtui.backup.console import ConsoleProgress, line, summary_table
from tgtui.backup.engine import BackupAborted, BackupOptions, BackupResult
from tgtui.backup.job import BackupJob, TakeoutRefused, account_of
from tgtui.backup.media import ALL_KINDS, MediaFilter
from tgtui.backup.selection import all_dialogs, match, target_of
from tgtui.config import MAX_CONCURRENCY, ConfigError, Paths, load_settings
from tgtui.log import setup_logging, stop_logging
from tgtui.retry import Wait
from tgtui.telegram.crypto import crypto_warning
from tgtui.telegram.errors import explain
from tgtui.telegram.service import (
    ClientSpec,
    SessionFileError,
    SessionLockedError,
    TelegramService,
)
from tgtui.untrusted import clean

T = TypeVar("T")

EXIT_COMPLETE = 0
EXIT_INCOMPLETE = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

EPILOG = """\
exit codes:
  0    every chat complete
  1    some chats skipped, partial or failed, or files failed (the others are saved)
  2    error: bad arguments or config; session locked, signed out or unusable; backup
       folder unusable, in use by another run or another account's; disk full
  130  interrupted (Ctrl+C, SIGTERM): files stay consistent; run again to resume

Backups are private (0700 folders, 0600 files). Each run checks what is already saved
and repairs damage from Telegram; --verify checks saved files against Telegram's hashes.

Run it again at any time: it continues where it stopped and only fetches what is new.
"""


def _concurrency(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_CONCURRENCY}, got {text!r}")
    return value


def _typed(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from one of `tgtui.backup.choices`' parsers."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


parse_date = _typed(choices.parse_date)
_media_kinds = _typed(choices.parse_media_kinds)
_megabytes = _typed(choices.parse_megabytes)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The backup command's options."""
    parser.add_argument(
        "chats",
        nargs="*",
        metavar="CHAT",
        help="chats to back up: a peer id, an @username, or the chat's exact name",
    )
    parser.add_argument("--all", action="store_true", help="back up every chat (archive too)")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="backup folder (default: backup_dir in config)"
    )
    parser.add_argument(
        "--since", type=parse_date, metavar="DATE", help="only messages from this date on"
    )
    parser.add_argument(
        "--until", type=parse_date, metavar="DATE", help="only messages before this date"
    )
    media = parser.add_mutually_exclusive_group()
    media.add_argument(
        "--media",
        type=_media_kinds,
        metavar="TYPES",
        help=f"save only these media files (comma-separated: {', '.join(sorted(ALL_KINDS))}; "
        "or all, or none); default: all",
    )
    media.add_argument("--no-media", action="store_true", help="save messages only")
    parser.add_argument(
        "--max-file-size", type=_megabytes, metavar="MB", help="skip media files larger than this"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="check every media file against Telegram's hashes (a few requests per file)",
    )
    parser.add_argument(
        "--concurrency",
        type=_concurrency,
        metavar="N",
        help="chats backed up at once (default: concurrency in config, 4)",
    )
    parser.add_argument(
        "--takeout",
        action="store_true",
        help="run as a Telegram export (takeout) session: looser flood limits; Telegram may "
        "ask you to approve it in another app first",
    )
    parser.add_argument(
        "--session", type=Path, metavar="PATH", help="use this Telethon session file"
    )
    parser.add_argument(
        "--demo", action="store_true", help="back up the offline demo sandbox's chats"
    )
    parser.add_argument("--debug", action="store_true", help="log in detail")


def run(args: argparse.Namespace, paths: Paths | None = None) -> int:
    """Entry point of `tgtui backup`; returns the exit code."""
    # Nothing printed here is read as markup: names, paths and reasons are shown as they are
    # (after `tgtui.untrusted.clean`), colours come from Text styles.
    err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
    paths = paths or Paths.default()
    if not args.chats and not args.all:
        err.print("tgtui backup: name the chats to back up, or use --all")
        return EXIT_ERROR
    if args.demo and args.session:
        err.print("tgtui backup: --demo uses its own session; leave out --session")
        return EXIT_ERROR
    if args.since and args.until and args.since >= args.until:
        err.print("tgtui backup: --since must be before --until")
        return EXIT_ERROR
    try:
        settings = load_settings(paths)
    except ConfigError as exc:
        err.print(f"tgtui backup: bad configuration: {clean(exc)}")
        return EXIT_ERROR
    options = BackupOptions(
        out=(
            args.out or (paths.demo_backup_dir if args.demo else settings.backup_dir)
        ).expanduser(),
        since=args.since,
        until=args.until,
        concurrency=args.concurrency or settings.concurrency,
        verify=args.verify,
        media=MediaFilter(
            frozenset() if args.no_media else (args.media or ALL_KINDS), args.max_file_size
        ),
    )
    log_file = setup_logging(paths.log_dir, debug=args.debug)
    slow_crypto = crypto_warning()
    if slow_crypto is not None:
        logger.warning(slow_crypto)
        err.print(line(("warning:", "yellow"), f" {slow_crypto}"))
    with ExitStack() as cleanup:
        cleanup.callback(stop_logging)
        spec = _client_spec(args, paths, settings.api_id, settings.api_hash, cleanup)
        if spec.api_id is None or spec.api_hash is None:
            err.print(
                "tgtui backup: no api_id/api_hash yet: run `tgtui` once (it asks for them), "
                "or set TGTUI_API_ID and TGTUI_API_HASH"
            )
            return EXIT_ERROR
        service = TelegramService(spec)
        try:
            service.open()
        except (SessionLockedError, SessionFileError) as exc:
            err.print(f"tgtui backup: {clean(exc)}")
            return EXIT_ERROR
        except OSError as exc:
            where = clean(service.session_file)
            err.print(f"tgtui backup: cannot use the session {where}: {exc.strerror or exc}")
            return EXIT_ERROR
        cleanup.callback(service.close)
        try:
            pace_file = None if args.demo else paths.pace_file
            return asyncio.run(_backup(service, args, options, err, pace_file))
        except KeyboardInterrupt:
            err.print("Interrupted: everything fetched so far is saved; run again to resume.")
            return EXIT_INTERRUPTED
        except Exception as exc:  # noqa: BLE001 - the last resort: logged whole, told in a line
            logger.opt(exception=exc).error("tgtui backup failed")
            err.print(
                f"tgtui backup: unexpected error: {clean(repr(exc), limit=300)}. "
                f"Everything written so far is consistent; details are in {clean(log_file)}"
            )
            return EXIT_ERROR


def _client_spec(
    args: argparse.Namespace,
    paths: Paths,
    api_id: int | None,
    api_hash: str | None,
    cleanup: ExitStack,
) -> ClientSpec:
    if not args.demo:
        session = args.session or paths.sessions_dir / "main.session"
        return ClientSpec(session, api_id, api_hash, user_folder=args.session is not None)
    from tgtui.demo import signed_in_demo

    return signed_in_demo(cleanup)


async def _backup(
    service: TelegramService,
    args: argparse.Namespace,
    options: BackupOptions,
    err: Console,
    pace_file: Path | None,
) -> int:
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if main is not None:
        loop.add_signal_handler(signal.SIGTERM, main.cancel)

    def connecting(wait: Wait) -> None:
        err.print(clean(f"{explain(wait.error).text} Next try in {wait.seconds:.0f} s."))

    try:
        await service.connect(on_wait=connecting)
        if not await service.is_authorized(on_wait=connecting):
            err.print("tgtui backup: this session is not signed in: run `tgtui` to log in first")
            return EXIT_ERROR
        result = await _plan_and_run(service, args, options, err, pace_file, connecting)
    except asyncio.CancelledError:
        err.print("Stopped: everything fetched so far is saved; run again to resume.")
        return EXIT_INTERRUPTED
    except BackupAborted as exc:
        err.print(line(("tgtui backup stopped:", "red"), f" {clean(exc)}"))
        err.print("Everything written so far is consistent; run again once this is fixed.")
        return EXIT_ERROR
    except errors.RPCError as exc:
        err.print(f"tgtui backup: {clean(explain(exc).text)}")
        return EXIT_ERROR
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        await service.disconnect()
    if result is None:
        return EXIT_ERROR
    all_rows = len(result.chats) <= 40
    if all_rows or not result.all_complete:
        err.print(summary_table(result.chats, all_rows=all_rows))
    saved = sum(c.messages for c in result.chats)
    new = sum(c.new for c in result.chats)
    files = sum(c.media_done for c in result.chats)
    failed = sum(c.media_failed for c in result.chats)
    summary = f"{len(result.chats)} chats, {saved:,} messages ({new:,} new), {files:,} media files"
    parts: list[str | tuple[str, str]] = [summary]
    if failed:
        parts += [
            ", ",
            (f"{failed:,} files failed", "yellow"),
            " (reasons in each chat's state.json)",
        ]
    err.print(line(*parts, f" in {clean(options.out)}"))
    for note in result.notes:
        err.print(line(("note:", "cyan"), f" {clean(note)}"))
    return EXIT_COMPLETE if result.all_complete else EXIT_INCOMPLETE


async def _plan_and_run(
    service: TelegramService,
    args: argparse.Namespace,
    options: BackupOptions,
    err: Console,
    pace_file: Path | None,
    on_wait: Callable[[Wait], None],
) -> BackupResult | None:
    client = service.client
    me = await service.me(on_wait=on_wait)
    rows = await all_dialogs(client, on_wait=on_wait)
    if args.all:
        chosen = rows
    else:
        chosen, unknown = match(rows, args.chats)
        if unknown:
            err.print("tgtui backup: no chat matches " + clean(", ".join(repr(u) for u in unknown)))
            err.print("Use a peer id, an @username or the exact name as tgtui shows it.")
            return None
    targets = [target_of(row) for row in chosen if row.peer is not None]
    logger.info("backing up {} chats into {}", len(targets), options.out)
    with ConsoleProgress(err, len(targets)) as progress:
        job = BackupJob(
            client,
            targets,
            options,
            takeout=args.takeout,
            account=account_of(me),
            listener=progress,
            pace_file=pace_file,
        )
        try:
            return await job.run()
        except TakeoutRefused as exc:
            err.print(f"tgtui backup: {clean(exc)}")
            return None
