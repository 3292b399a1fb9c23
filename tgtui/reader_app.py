"""`tgtui open`: the archive and reader screens on their own, with no Telegram client at all.

No session, no network, no api_id: a backup folder is all it needs.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from loguru import logger

from tgtui.archive.folder import ArchiveError
from tgtui.archive.service import ArchiveService
from tgtui.base_app import TgtuiBaseApp
from tgtui.config import Paths
from tgtui.i18n import _
from tgtui.log import setup_logging, stop_logging
from tgtui.memory import freeze_long_lived
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.keep_theme import keep_theme
from tgtui.untrusted import clean
from tgtui.widgets.picture_rows import Mode, PictureChoice, choose


class ReaderApp(TgtuiBaseApp):
    """Reads one backup folder."""

    def __init__(
        self,
        service: ArchiveService,
        *,
        theme: str | None = None,
        config_file: Path | None = None,
        keys: Mapping[str, str] | None = None,
        pictures: PictureChoice | None = None,
    ) -> None:
        super().__init__(keys)  # config.toml's [keys]
        self.service = service
        self.pictures = pictures or PictureChoice()  # how chats draw their pictures
        self.sub_title = _("reading a backup (offline)")
        self._theme_name = theme
        self._config_file = config_file  # where a theme picked here is saved

    def on_mount(self) -> None:
        """Straight into the archive."""
        freeze_long_lived()  # modules and the app: out of the collector's way
        keep_theme(self, self._config_file, self._theme_name)
        self.push_screen(ArchiveScreen(self.service, can_leave=False))


def run_reader(
    folder: Path,
    paths: Paths,
    *,
    theme: str | None,
    debug: bool,
    config_file: Path | None = None,
    keys: Mapping[str, str] | None = None,
    images: Mode = "auto",
) -> int:
    """`tgtui open`: read ``folder`` until the user quits; the exit code."""
    log_file = setup_logging(paths.log_dir, debug=debug)
    try:
        logger.info("tgtui open {}", folder)
        try:
            service = ArchiveService(folder, log_file=log_file)
        except ArchiveError as exc:
            sys.stderr.write(f"tgtui open: {clean(exc)}\n")
            return 2
        pictures = choose(images)  # the terminal is asked now, before Textual reads it
        logger.info("pictures: {} ({})", pictures.kind, images)
        app = ReaderApp(service, theme=theme, config_file=config_file, keys=keys, pictures=pictures)
        app.run()
        return app.return_code or 0
    except KeyboardInterrupt:
        return 130
    finally:
        logger.info("tgtui open ended (log {})", log_file)
        stop_logging()
