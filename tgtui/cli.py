"""Command line of tgtui: the app (`tgtui`, `tgtui --demo`), `tgtui chats`, `tgtui backup`,
`tgtui search`,
`tgtui open`, `tgtui export` and `tgtui sandbox`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tgtui import __version__
from tgtui.config import ConfigError, Paths, load_settings


def _files_epilog(paths: Paths) -> str:
    return (
        "files:\n"
        f"  config    {paths.config_file}  (or $TGTUI_CONFIG; $TGTUI_API_ID, $TGTUI_API_HASH)\n"
        f"  log       {paths.log_dir / 'tgtui.log'}\n"
        f"  sessions  {paths.sessions_dir}\n"
        f"  backups   {paths.default_backup_dir}  (backup_dir in config.toml)\n"
        f"  demo      {paths.demo_backup_dir}  (backups made with --demo)\n"
    )


def build_parser(paths: Paths | None = None) -> argparse.ArgumentParser:
    """The `tgtui` argument parser with its subcommands."""
    from tgtui.sandbox import cli as sandbox_cli

    paths = paths or Paths.default()
    parser = argparse.ArgumentParser(
        prog="tgtui",
        description=(
            "A full-screen terminal Telegram client that backs up your chats to your own disk. "
            "Run without a command to open the app."
        ),
        epilog=_files_epilog(paths),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tgtui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="try tgtui offline on a local sandbox with ~1,000 generated chats "
        "(its own session; your real one is never touched)",
    )
    parser.add_argument(
        "--session",
        type=Path,
        metavar="PATH",
        help="use this Telethon session file (e.g. one written by `tgtui sandbox --session-out`)",
    )
    parser.add_argument("--debug", action="store_true", help="log in detail (secrets still hidden)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sandbox = commands.add_parser(
        "sandbox",
        help="run a local Telegram server (real MTProto on loopback) with a generated world",
        description=(
            "Run a local Telegram server that speaks real MTProto on loopback. When ready it "
            "prints one JSON line (host, port, dc_id, phone, code, password, api_id, api_hash, "
            "rsa_public_key, session) and serves until SIGINT or SIGTERM."
        ),
        epilog=sandbox_cli.epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sandbox_cli.add_arguments(sandbox)
    from tgtui.backup import command as backup_command

    backup = commands.add_parser(
        "backup",
        help="back up chats without the TUI (for cron and scripts)",
        description=(
            "Back up chats to DIR: messages as JSON Lines in ascending order, each exactly once; "
            "progress on stderr. Resumable and incremental."
        ),
        epilog=backup_command.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    backup_command.add_arguments(backup)
    from tgtui.chats import command as chats_command

    chats = commands.add_parser(
        "chats",
        help="list your chats with their ids, types and folders (to choose what to back up)",
        description=(
            "List the account's chats: id, type, folder, name and @username; with --counts "
            "their message counts. Progress goes to stderr, the list to stdout."
        ),
        epilog=chats_command.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    chats_command.add_arguments(chats)
    from tgtui.archive import command as search_command

    search = commands.add_parser(
        "search",
        help="find messages in a backup (offline: no login, no network)",
        description="Find messages in a backup by their words, in every chat or some.",
        epilog=search_command.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    search_command.add_arguments(search)
    reader = commands.add_parser(
        "open",
        help="read a backup in the TUI (offline: no login, no network)",
        description=(
            "Open a backup folder in the TUI: its chats, each chat's messages from the newest, "
            "and search. Works while a backup is running into it."
        ),
    )
    reader.add_argument(
        "folder",
        nargs="?",
        type=Path,
        metavar="DIR",
        help="the backup folder (default: backup_dir from config.toml; with --demo, the "
        "demo's backups)",
    )
    from tgtui.export import command as export_command

    export = commands.add_parser(
        "export",
        help="export a backup as Telegram Desktop's JSON and/or browsable HTML (offline)",
        description=(
            "Export a backup as Telegram Desktop's JSON export (read by tools made for "
            "Telegram Desktop's exports) and/or an HTML archive to read in a browser."
        ),
        epilog=export_command.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export_command.add_arguments(export)
    return parser


def _fail(message: str, code: int = 1) -> int:
    sys.stderr.write(f"tgtui: {message}\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run tgtui with ``argv`` (default: sys.argv). Returns the exit code."""
    paths = Paths.default()
    args = build_parser(paths).parse_args(argv)
    if args.command == "sandbox":
        from tgtui.sandbox import cli as sandbox_cli

        return sandbox_cli.run(args)
    if args.command == "backup":
        from tgtui.backup import command as backup_command

        return backup_command.run(args, paths)
    if args.command == "chats":
        from tgtui.chats import command as chats_command

        return chats_command.run(args, paths)
    if args.command == "search":
        from tgtui.archive import command as search_command

        return search_command.run(args, paths)
    if args.command == "export":
        from tgtui.export import command as export_command

        return export_command.run(args, paths)
    if args.command is None and args.demo and args.session:
        return _fail("--demo uses its own session; leave out --session", 2)
    try:
        settings = load_settings(paths)
    except ConfigError as exc:
        return _fail(f"bad configuration: {exc}", 2)
    if args.command == "open":
        folder = args.folder or (paths.demo_backup_dir if args.demo else settings.backup_dir)
        from tgtui.reader_app import run_reader  # Textual only when a TUI runs

        return run_reader(
            folder.expanduser(),
            paths,
            theme=settings.theme,
            debug=args.debug,
            config_file=settings.config_file,
        )
    from tgtui.launch import launch  # here: `tgtui sandbox` and `--help` stay light

    return launch(paths, settings, demo=args.demo, session=args.session, debug=args.debug)
