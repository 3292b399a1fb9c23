"""What every command shares: one table of exit codes, the consoles, argparse types made from
`tgtui.choices`' parsers, and the options several commands take (`--chat`, `--since`,
`--until`). Light: no Telethon, no engine, no Textual (offline commands start fast).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO, TypeVar

from tgtui import choices
from tgtui.i18n import N_, _
from tgtui.styled import Line

if TYPE_CHECKING:  # rich loads when a command draws on a terminal, never for its --help
    from rich.console import Console

T = TypeVar("T")

# Exit codes, the same for every command (each command's --help says what they mean for it).
EXIT_OK = 0  # done: every chat complete, something matched, all exported
EXIT_PARTLY = 1  # done, but not all of it: chats incomplete, nothing matched, lines left out
EXIT_ERROR = 2  # could not run: bad arguments or config, no session, unusable folder
EXIT_STOPPED = 130  # interrupted (Ctrl+C, SIGTERM): what was written is consistent


def rich_stderr() -> Console:
    """Rich's console on stderr, never parsing markup (names from Telegram and a stranger's
    backup are shown as they are, cleaned by the caller)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, markup=False, soft_wrap=True)


def stderr_console() -> Stderr:
    """Where a command's messages and progress go (`Stderr`)."""
    return Stderr()


# What Rich's console changes in what it prints (such a line is left to Rich): the controls
# it drops and tabs it expands (`clean` has turned them into pictures in all we show), and
# in a string, not a `Text`, what it may take for an emoji code (`:smile:`).
_RICH_CHANGES = re.compile(r"[\t\a\b\v\f\r]")
_EMOJI_CODE = re.compile(r":\S*?:")


def plain_stream(stream: TextIO) -> bool:
    """Whether Rich would write to ``stream`` without styles: not a terminal, and nothing
    in the environment telling it otherwise (the variables its `Console.is_terminal` reads).
    """
    if "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return False
    try:
        return not stream.isatty()
    except ValueError:  # closed
        return False


def as_rich_writes(line: str, *, text: bool = False) -> bool:
    """Whether Rich's console (no markup, no highlighting, soft wrap) would write ``line``
    (a string; a `Text` with ``text``) exactly as it is, and a newline."""
    if _RICH_CHANGES.search(line) is not None:
        return False
    return text or _EMOJI_CODE.search(line) is None


class Stderr:
    """A command's stderr: what `rich_stderr` writes, line for line, but Rich is loaded only
    where it writes something else than the plain text: styles and tables on a terminal, a
    control character or an emoji code in a line. A command run by cron, systemd or a
    script (stderr a log or a pipe) writes plain lines and never imports Rich (about 25 ms
    of `tgtui backup`'s start).

    ``print`` takes a string, a `Line` (styled parts), something with ``plain_lines`` (a
    table) or anything Rich renders (then Rich is loaded).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._plain = plain_stream(self.stream)
        self._console: Console | None = None

    @property
    def stream(self) -> TextIO:
        """Where it writes (stderr as it is now: tests swap it)."""
        return self._stream if self._stream is not None else sys.stderr

    @property
    def is_terminal(self) -> bool:
        """Whether Rich takes stderr for a terminal (styles, live bars)."""
        return not self._plain and self.console().is_terminal

    def console(self) -> Console:
        """Rich's console on stderr (loaded at the first call); once loaded, every line
        goes through it, in order."""
        if self._console is None:
            self._console = rich_stderr()
        return self._console

    def print(self, what: object = "") -> None:
        """Write ``what`` and a newline."""
        if self._console is None and self._plain:
            if isinstance(what, str) and as_rich_writes(what):
                self._write([what])
                return
            if isinstance(what, Line) and as_rich_writes(what.plain, text=True):
                self._write([what.plain])
                return
            plain_lines = getattr(what, "plain_lines", None)
            if callable(plain_lines):
                lines: list[Line] = plain_lines()
                if all(as_rich_writes(one.plain, text=True) for one in lines):
                    self._write([one.plain for one in lines])
                    return
                for one in lines:
                    self.print(one)
                return
        self.console().print(what.rich_text() if isinstance(what, Line) else what)

    def _write(self, lines: list[str]) -> None:
        stream = self.stream
        try:
            stream.write("".join(f"{text}\n" for text in lines))
            stream.flush()
        except BrokenPipeError:
            # The reader went away (`2>&1 | head`): the rest goes nowhere, the work goes on.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


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
