"""What every command shares: one table of exit codes, the consoles, argparse types made from
`tgtui.choices`' parsers, and the options several commands take (`--chat`, `--since`,
`--until`). Light: no Telethon, no engine, no Textual (offline commands start fast).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from tgtui import choices
from tgtui.i18n import N_, _

if TYPE_CHECKING:  # rich loads when a command runs, not for its --help
    from rich.console import Console

T = TypeVar("T")

# Exit codes, the same for every command (each command's --help says what they mean for it).
EXIT_OK = 0  # done: every chat complete, something matched, all exported
EXIT_PARTLY = 1  # done, but not all of it: chats incomplete, nothing matched, lines left out
EXIT_ERROR = 2  # could not run: bad arguments or config, no session, unusable folder
EXIT_STOPPED = 130  # interrupted (Ctrl+C, SIGTERM): what was written is consistent


def stderr_console() -> Console:
    """Where a command's messages and progress go: stderr, never parsed as markup (names
    from Telegram and a stranger's backup are shown as they are, cleaned by the caller)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, markup=False, soft_wrap=True)


def stdout_console() -> Console:
    """Where a command's results go (what a script reads)."""
    from rich.console import Console

    return Console(highlight=False, markup=False, soft_wrap=True)


def typed(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse type from one of `tgtui.choices`' parsers (ValueError: argparse's error,
    with the parser's message)."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


parse_date = typed(choices.parse_date)

_SINCE = N_(
    "only messages from this date on (YYYY-MM-DD: that day included; or YYYY-MM-DDTHH:MM; "
    "local time)"
)
_UNTIL = N_(
    "only messages before this date (YYYY-MM-DD: that day not included; or "
    "YYYY-MM-DDTHH:MM; local time)"
)
_CHAT = N_(
    "only this chat: its peer id, its name or part of it (any case, with or without "
    "accents; one that fits several chats is an error listing them); repeatable"
)


def add_date_options(parser: argparse.ArgumentParser) -> None:
    """--since and --until, with the dates they take."""
    parser.add_argument("--since", type=parse_date, metavar=_("DATE"), help=_(_SINCE))
    parser.add_argument("--until", type=parse_date, metavar=_("DATE"), help=_(_UNTIL))


def add_chat_option(parser: argparse.ArgumentParser) -> None:
    """--chat of the offline commands (a chat of the backup, by id or name); repeatable."""
    parser.add_argument("--chat", action="append", metavar=_("CHAT"), help=_(_CHAT))


def add_global_options(parser: argparse.ArgumentParser, demo_help: str) -> None:
    """--demo (meaning ``demo_help`` for this command) and --debug, after the command as well
    as before it (`tgtui --demo search WORD` = `tgtui search WORD --demo`): absent here, they
    leave the main parser's value alone."""
    keep = argparse.SUPPRESS
    parser.add_argument("--demo", action="store_true", default=keep, help=demo_help)
    parser.add_argument("--debug", action="store_true", default=keep, help=_("log in detail"))


def add_offline_arguments(parser: argparse.ArgumentParser) -> None:
    """--demo and --debug of the offline commands (`add_global_options`)."""
    add_global_options(parser, _("use the demo's backups (those made with --demo)"))
