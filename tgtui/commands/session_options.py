"""The options every command that talks to Telegram takes (`--session`, `--demo`, `--debug`)
and its settings: what `--help` and the checks before connecting need, without Telethon
(`tgtui.commands.runner` connects)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tgtui.commands.common import add_global_options
from tgtui.config import ConfigError, Paths, Settings, load_settings, path_argument
from tgtui.i18n import _
from tgtui.untrusted import clean

if TYPE_CHECKING:
    from rich.console import Console


def add_session_arguments(parser: argparse.ArgumentParser) -> None:
    """--session, --demo and --debug, which every command that talks to Telegram takes, after
    the command as well as before it (`tgtui --demo chats` = `tgtui chats --demo`): absent
    here, they leave the main parser's value alone."""
    keep = argparse.SUPPRESS
    parser.add_argument(
        "--session",
        type=path_argument,
        metavar=_("PATH"),
        default=keep,
        help=_("use this Telethon session file (signed in: `tgtui --session PATH` logs in)"),
    )
    add_global_options(parser, _("use the offline demo sandbox's account"))


def command_settings(
    args: argparse.Namespace, paths: Paths, err: Console, command: str
) -> Settings | None:
    """The settings, or None after saying why there are none (a bad config, or --demo with
    --session)."""
    if args.demo and args.session:
        err.print(f"tgtui {command}: " + _("--demo uses its own session; leave out --session"))
        return None
    settings = getattr(args, "settings", None)  # read and checked once, by `tgtui.cli`
    if isinstance(settings, Settings):
        return settings
    try:
        return load_settings(paths)
    except ConfigError as exc:
        err.print(
            f"tgtui {command}: " + _("bad configuration: {problem}").format(problem=clean(exc))
        )
        return None
