"""`tgtui open [DIR]`: read a backup in the TUI, offline (no Telethon is loaded)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tgtui.commands.common import add_offline_arguments
from tgtui.config import Paths, Settings
from tgtui.i18n import _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The open command's options."""
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        metavar=_("DIR"),
        help=_(
            "the backup folder (default: backup_dir from config.toml; with --demo, the "
            "demo's backups)"
        ),
    )
    add_offline_arguments(parser)


def epilog() -> str:
    """Help text shown after the options (none)."""
    return ""


def run(args: argparse.Namespace, paths: Paths | None = None) -> int:
    """Entry point of `tgtui open`: the reader app on the folder; returns the exit code."""
    paths = paths or Paths.default()
    settings: Settings = args.settings
    folder = args.folder or (paths.demo_backup_dir if args.demo else settings.backup_dir)
    from tgtui.reader_app import run_reader  # Textual only when a TUI runs
    from tgtui.widgets.picture_rows import images_mode

    return run_reader(
        folder.expanduser(),
        paths,
        theme=settings.theme,
        debug=args.debug,
        config_file=None if args.demo else settings.config_file,  # the demo keeps none
        keys=settings.keys,
        images=images_mode(settings.images),
    )
