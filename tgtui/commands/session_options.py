"""The options every command that talks to Telegram takes (`--session`, `--demo`, `--debug`,
`--proxy`, `--no-proxy`) and its settings: what `--help` and the checks before connecting
need, without Telethon (`tgtui.commands.runner` connects)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tgtui.commands.common import add_global_options
from tgtui.config import ConfigError, Paths, Settings, load_settings, path_argument
from tgtui.i18n import _
from tgtui.untrusted import clean

if TYPE_CHECKING:
    from tgtui.commands.common import Stderr
    from tgtui.proxy import Proxy, ProxySetting


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
    add_proxy_arguments(parser, keep)


def add_proxy_arguments(parser: argparse.ArgumentParser, default: Any = None) -> None:
    """--proxy URL and --no-proxy (``default``: argparse.SUPPRESS after a command, so the
    main parser's value stays)."""
    parser.add_argument(
        "--proxy",
        type=proxy_argument,
        metavar="URL",
        default=default,
        help=_(
            "connect through this proxy: socks5://[USER:PASS@]HOST:PORT, socks4://, http://, "
            "or a t.me/proxy (MTProxy) or t.me/socks link as Telegram's apps take it "
            "(over config.toml's proxy and ALL_PROXY/HTTPS_PROXY)"
        ),
    )
    parser.add_argument(
        "--no-proxy",
        action="store_true",
        default=default if default is not None else False,
        help=_("connect straight to Telegram, whatever config.toml or the environment say"),
    )


def proxy_argument(text: str) -> Proxy:
    """--proxy's value read; a wrong one is argparse's one-line error (exit 2), which never
    repeats the value (it may hold a password)."""
    from tgtui.proxy import ProxyError, parse_proxy  # here: --help never reads a proxy

    try:
        return parse_proxy(text)
    except ProxyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def chosen_proxy(
    args: argparse.Namespace, settings: Settings, warn: Callable[[str], None]
) -> ProxySetting | None:
    """The proxy this run connects through (`tgtui.proxy.choose_proxy`); ProxyError for
    --proxy with --no-proxy. An environment variable that cannot be read is passed over and
    ``warn``ed of. The demo's sandbox is on this machine: only --proxy applies to it
    (config.toml's proxy is for Telegram, and could not reach it)."""
    from tgtui.proxy import ProxyError, choose_proxy

    given = getattr(args, "proxy", None)
    off = bool(getattr(args, "no_proxy", False))
    if given is not None and off:
        raise ProxyError(_("give --proxy or --no-proxy, not both"))
    if getattr(args, "demo", False):
        return choose_proxy(given, off, None, {})
    skipped: list[str] = []
    chosen = choose_proxy(given, off, settings.proxy, os.environ, skipped)
    for line in skipped:
        warn(line)
    return chosen


def command_settings(
    args: argparse.Namespace, paths: Paths, err: Stderr, command: str
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
