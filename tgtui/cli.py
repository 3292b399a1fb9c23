"""Command line of tgtui."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from tgtui import __version__


def build_parser() -> argparse.ArgumentParser:
    """The `tgtui` argument parser with its subcommands."""
    from tgtui.sandbox import cli as sandbox_cli

    parser = argparse.ArgumentParser(
        prog="tgtui",
        description="A terminal Telegram client that backs up your chats to your own disk.",
    )
    parser.add_argument("--version", action="version", version=f"tgtui {__version__}")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run tgtui with ``argv`` (default: sys.argv). Returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "sandbox":
        from tgtui.sandbox import cli as sandbox_cli

        return sandbox_cli.run(args)
    parser.print_help()
    return 0
