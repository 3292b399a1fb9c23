"""`tgtui chats`: list the account's chats with their ids, to choose what to back up.

Exit codes: 0 listed (perhaps none); 2 could not list (bad arguments, no session, signed
out, an ambiguous --exclude). Here: the options and the checks before connecting; the
listing is `tgtui.commands.chats_run`, imported once Telethon is (so `tgtui chats --help`
loads neither).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from tgtui.chats.options import add_filter_arguments
from tgtui.commands.common import EXIT_ERROR, stderr_console
from tgtui.commands.session_options import add_session_arguments, command_settings
from tgtui.config import Paths
from tgtui.i18n import _

if TYPE_CHECKING:
    from tgtui.retry import Wait
    from tgtui.telegram.service import TelegramService


def epilog() -> str:
    """Help text shown after the options."""
    return _(
        """\
Columns: id (give it to `tgtui backup`), type (user, bot, group, forum, channel), folder,
[messages,] name and @username. A forum is a group with topics (--type forums).
With --json, one JSON array of objects: id, type, name, username, archived, forum
[, messages].

exit codes:
  0    listed
  2    error: bad arguments or config; session locked, signed out or unusable

examples:
  tgtui chats --type channels --no-archived
  tgtui chats hikers                 chats whose name or @username contains "hikers"
  tgtui chats --json | jq '.[] | select(.type == "group") | .id'
"""
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The chats command's options."""
    parser.add_argument(
        "words",
        nargs="*",
        metavar=_("TEXT"),
        help=_(
            "only chats whose name or @username contains this (any case, with or without accents)"
        ),
    )
    add_filter_arguments(parser)
    parser.add_argument("--json", action="store_true", help=_("print JSON (for scripts)"))
    parser.add_argument(
        "--counts",
        action="store_true",
        help=_("also count each chat's messages (one request per chat, paced)"),
    )
    add_session_arguments(parser)


def run(args: argparse.Namespace, paths: Paths | None = None) -> int:
    """Entry point of `tgtui chats`; returns the exit code."""
    err = stderr_console()
    paths = paths or Paths.default()
    settings = command_settings(args, paths, err, "chats")
    if settings is None:
        return EXIT_ERROR

    from tgtui.commands import chats_run
    from tgtui.commands.runner import run_signed_in

    async def work(service: TelegramService, on_wait: Callable[[Wait], None]) -> int:
        return await chats_run.list_chats(service, args, err, on_wait)

    return run_signed_in(args, paths, settings, err, work, command="chats")
