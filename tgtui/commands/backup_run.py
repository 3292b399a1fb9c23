"""The work of `tgtui backup` once it is connected: list the chats, choose, run the backup
with its progress, and say how it went (`tgtui.commands.backup` parses the options and
imports this module in the background while it connects: `tgtui.preload`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from tgtui.backup.catch_up import account_ahead
from tgtui.backup.engine import BackupAborted, BackupOptions, BackupResult
from tgtui.backup.job import BackupJob, TakeoutRefused, account_of
from tgtui.backup.json_progress import JsonProgress
from tgtui.backup.reporters import Drawn, LineProgress
from tgtui.backup.selection import target_of
from tgtui.backup.summary import summary_table
from tgtui.chats.listing import candidate, dialogs
from tgtui.chats.matching import ChoiceError, choose
from tgtui.chats.options import chat_filter
from tgtui.commands.backup_progress import (
    following,
    ignore,
    link_teller,
    print_summary,
    progress_mode,
    reporter,
    tick,
)
from tgtui.commands.common import EXIT_ERROR, EXIT_OK, EXIT_PARTLY, Stderr
from tgtui.i18n import _
from tgtui.retry import Wait
from tgtui.styled import line
from tgtui.telegram.service import TelegramService

if TYPE_CHECKING:  # the account's own data: imported only when it is kept
    from tgtui.backup.account_data import Fetched
from tgtui.untrusted import clean


async def backup(
    service: TelegramService,
    args: argparse.Namespace,
    options: BackupOptions,
    err: Stderr,
    pace_file: Path | None,
    on_wait: Callable[[Wait], None],
) -> int:
    """`tgtui backup`'s work once connected and signed in: list, choose, back up, report;
    returns the exit code."""
    mode = progress_mode(args.progress, quiet=args.quiet, tty=err.is_terminal)
    try:
        with collected_for_a_backup():
            result, report = await _plan_and_run(
                service, args, options, err, pace_file, on_wait, mode
            )
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


@contextlib.contextmanager
def collected_for_a_backup() -> Iterator[None]:
    """Python's garbage collector tuned for a run of a backup, then as it was.

    What start-up made (every module, ~74,000 objects) lives as long as the process: frozen,
    the collector's full passes stop walking it (30-35 ms each). And the messages of requests
    in flight and of windows waiting their turn outlive the youngest generation, so with
    Python's threshold of 700 each of them was moved and walked again: collecting less
    often took the backup's CPU per message from 35.1 to 30.5 µs (a plain Telethon script's,
    2026-12-06), with the same peak memory.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(5_000, 10, 10)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


async def _plan_and_run(
    service: TelegramService,
    args: argparse.Namespace,
    options: BackupOptions,
    err: Stderr,
    pace_file: Path | None,
    on_wait: Callable[[Wait], None],
    mode: str,
) -> tuple[BackupResult | None, object]:
    client = service.client
    # Who the account is, its chats and the account catch-up's first answer (the update
    # state of a new backup, else the difference since the saved one), asked together: the
    # first history request follows their one round trip.
    account: Awaitable[Fetched | None]
    if options.account:  # the account's own data too (the chats left: by the engine)
        from tgtui.backup.account_data import BESIDE_THE_LIST, fetch_account

        account = fetch_account(client, on_wait=on_wait, only=BESIDE_THE_LIST)
    else:
        account = asyncio.sleep(0, None)
    me, rows, ahead, fetched = await asyncio.gather(
        service.me(on_wait=on_wait),
        dialogs(client, on_wait=on_wait),
        account_ahead(client, options.out, on_wait),
        account,
    )
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
        if isinstance(report, Drawn):
            stack.enter_context(report)
        ticking = None
        if isinstance(report, LineProgress | JsonProgress):
            ticking = asyncio.ensure_future(tick(report, min(1.0, args.heartbeat / 2)))
            stack.callback(ticking.cancel)
        elif isinstance(report, Drawn):
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
            ahead=ahead,
            account_fetched=fetched,
            listed=True,
        )
        if isinstance(report, Drawn):
            report.watch(job)  # the bars read the job: messages and files, time left
        # The link to Telegram lost and back, while the backup (and following) runs:
        # Telethon reconnects, the requests in flight wait, the retries count on.
        stack.callback(service.link.listen(link_teller(mode, err, report)))
        follow = following(err, report, args.sweep, service.link) if args.follow else None
        try:
            return await job.run(follow=follow), report
        except TakeoutRefused as exc:
            err.print(f"tgtui backup: {clean(exc)}")
            return None, report
