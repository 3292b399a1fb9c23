"""Command line of tgtui: the app (`tgtui`, `tgtui --demo`), `tgtui chats`, `tgtui backup`,
`tgtui search`,
`tgtui open`, `tgtui export` and `tgtui sandbox`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tgtui import __version__, i18n
from tgtui.commands.session_options import add_proxy_arguments
from tgtui.config import ConfigError, Paths, Settings, load_settings, path_argument
from tgtui.i18n import N_, _


def _files_epilog(paths: Paths) -> str:
    rows = [
        (
            _("config"),
            f"{paths.config_file}  (" + _("or $TGTUI_CONFIG") + "; $TGTUI_API_ID, $TGTUI_API_HASH)",
        ),
        (_("log"), str(paths.log_dir / "tgtui.log")),
        (_("sessions"), str(paths.sessions_dir)),
        (_("backups"), f"{paths.default_backup_dir}  (" + _("backup_dir in config.toml") + ")"),
        (_("demo"), f"{paths.demo_backup_dir}  (" + _("backups made with --demo") + ")"),
    ]
    width = max(len(name) for name, _where in rows)
    return _("files:") + "\n" + "".join(f"  {name:<{width}}  {where}\n" for name, where in rows)


@dataclass(frozen=True)
class Command:
    """A subcommand: where it lives (imported only when it runs or shows its help) and how
    the command list describes it."""

    module: str  # in tgtui.commands: add_arguments(parser), epilog() and run(args, paths)
    help: str  # marked with N_: translated when the parser is built
    description: str


COMMANDS: dict[str, Command] = {
    "backup": Command(
        "tgtui.commands.backup",
        N_("back up chats without the TUI (for cron and scripts)"),
        N_(
            "Back up chats to DIR: messages as JSON Lines in ascending order, each exactly "
            "once; progress on stderr. Resumable and incremental."
        ),
    ),
    "chats": Command(
        "tgtui.commands.chats",
        N_("list your chats with their ids, types and folders (to choose what to back up)"),
        N_(
            "List the account's chats: id, type, folder, name and @username; with --counts "
            "their message counts. Progress goes to stderr, the list to stdout."
        ),
    ),
    "search": Command(
        "tgtui.commands.search",
        N_("find messages in a backup (offline: no login, no network)"),
        N_("Find messages in a backup by their words, in every chat or some."),
    ),
    "stats": Command(
        "tgtui.commands.stats",
        N_("statistics of a backup: activity, senders, media, words (offline)"),
        N_(
            "Statistics of a backup, or of some of its chats: messages and words by month, "
            "activity by hour and weekday, top senders, media, links, words and emoji, "
            "silences and, in private chats, who starts conversations and how fast each "
            "side replies."
        ),
    ),
    "open": Command(
        "tgtui.commands.open",
        N_("read a backup in the TUI (offline: no login, no network)"),
        N_(
            "Open a backup folder in the TUI: its chats, each chat's messages from the newest, "
            "and search. Works while a backup is running into it."
        ),
    ),
    "export": Command(
        "tgtui.commands.export",
        N_("export a backup as Telegram Desktop's JSON and/or browsable HTML (offline)"),
        N_(
            "Export a backup as Telegram Desktop's JSON export (read by tools made for "
            "Telegram Desktop's exports) and/or an HTML archive to read in a browser."
        ),
    ),
    "sandbox": Command(
        "tgtui.commands.sandbox",
        N_("run a local Telegram server (real MTProto on loopback) with a generated world"),
        N_(
            "Run a local Telegram server that speaks real MTProto on loopback. When ready it "
            "prints one JSON line (host, port, dc_id, phone, code, password, api_id, api_hash, "
            "rsa_public_key, session) and serves until SIGINT or SIGTERM."
        ),
    ),
}


def command_in(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names, if any (skipping the main options and their values)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in ("--session", "--proxy"):
            skip = True
        elif token in COMMANDS:
            return token
        elif not token.startswith("-"):
            return None
    return None


def build_parser(
    paths: Paths | None = None, command: str | None = None, *, every: bool = False
) -> argparse.ArgumentParser:
    """The `tgtui` argument parser. Only ``command``'s own options are added (all of them
    with ``every``): its module is imported only then, so `tgtui --help`, `--version` and
    the app itself start without loading Telethon or the backup engine."""
    paths = paths or Paths.default()
    parser = argparse.ArgumentParser(
        prog="tgtui",
        description=_(
            "A full-screen terminal Telegram client that backs up your chats to your own disk. "
            "Run without a command to open the app."
        ),
        epilog=_files_epilog(paths),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"tgtui {__version__}",
        help=_("show the version and exit"),
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=_(
            "try tgtui offline on a local sandbox with ~1,000 generated chats "
            "(its own session; your real one is never touched)"
        ),
    )
    parser.add_argument(
        "--session",
        type=path_argument,
        metavar=_("PATH"),
        help=_(
            "use this Telethon session file (e.g. one written by `tgtui sandbox --session-out`)"
        ),
    )
    parser.add_argument(
        "--debug", action="store_true", help=_("log in detail (secrets still hidden)")
    )
    add_proxy_arguments(parser)
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), title=_("commands"))
    for name, spec in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=_(spec.help),
            description=_(spec.description),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if every or name == command:
            module = importlib.import_module(spec.module)
            module.add_arguments(sub)
            sub.epilog = module.epilog() or None
    return parser


def _command_run(name: str) -> Callable[[argparse.Namespace, Paths], int]:
    """The ``run`` of command ``name``'s module (imported now, not before)."""
    run: Callable[[argparse.Namespace, Paths], int] = importlib.import_module(
        COMMANDS[name].module
    ).run
    return run


def _warn(message: str) -> None:
    """One line on stderr, before the TUI takes the terminal."""
    from tgtui.untrusted import clean

    sys.stderr.write(f"tgtui: {clean(message)}\n")


def _fail(message: str, code: int = 1) -> int:
    sys.stderr.write(f"tgtui: {message}\n")
    return code


def run() -> int:
    """The `tgtui` command (and `python -m tgtui`): `main`, then out without the
    interpreter's last collections (`tgtui.memory.skip_exit_collections`), however it ends
    (`--help` and a usage error end in SystemExit)."""
    try:
        return main()
    finally:
        from tgtui.memory import skip_exit_collections

        skip_exit_collections()


def main(argv: Sequence[str] | None = None) -> int:
    """Run tgtui with ``argv`` (default: sys.argv). Returns the exit code."""
    os.environ["LOGURU_AUTOINIT"] = "False"  # before anything imports loguru (children too)
    paths = Paths.default()
    # The language speaks from the first word on, the help included: the locale's while the
    # settings are read (a config error is worded in it, and reported after the arguments),
    # then config.toml's if it names one.
    i18n.use(i18n.choose(None))
    try:
        settings: Settings | None = load_settings(paths)
        problem = None
    except ConfigError as exc:
        settings, problem = None, exc
    if settings is not None and settings.language:
        i18n.use(i18n.choose(settings.language))
    given = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(paths, command_in(given)).parse_args(given)
    if args.command == "sandbox":  # a developer's tool: it reads no config
        return _command_run("sandbox")(args, paths)
    if settings is None:  # one check for every command, the TUI and the offline ones alike
        from tgtui.untrusted import clean

        who = f"tgtui {args.command}" if args.command else "tgtui"
        reason = _("bad configuration: {problem}").format(problem=problem)
        sys.stderr.write(f"{who}: {clean(reason)}\n")
        return 2
    args.settings = settings  # the commands use these, never a second reading
    # Before any command logs: loguru's own sink writes to the terminal (a stranger's folder
    # names quoted raw); tgtui's log goes to its file only. loguru is not loaded yet (an
    # offline command may never load it: `tgtui.lazylog`), so it is told to add no sink.
    if "loguru" in sys.modules:
        import tgtui.log  # noqa: F401 - loaded already (a test calling main): take it off

    if args.command is not None:
        return _command_run(args.command)(args, paths)
    if args.demo and args.session:
        return _fail(_("--demo uses its own session; leave out --session"), 2)
    from tgtui.commands.session_options import chosen_proxy
    from tgtui.launch import launch  # here: `tgtui sandbox` and `--help` stay light
    from tgtui.proxy import ProxyError

    try:
        proxy = chosen_proxy(args, settings, _warn)
    except ProxyError as exc:
        return _fail(_("bad proxy: {problem}").format(problem=exc), 2)
    return launch(
        paths, settings, demo=args.demo, session=args.session, debug=args.debug, proxy=proxy
    )
