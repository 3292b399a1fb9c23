"""The theme: the one saved in config.toml at start, and one picked later (in the command
palette's "Change theme") saved there for the next start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loguru import logger
from textual.app import App
from textual.theme import Theme

from tgtui.config import save_theme
from tgtui.i18n import _


def keep_theme(app: App[Any], config_file: Path | None, saved: str | None) -> None:
    """Start ``app`` with the ``saved`` theme (if Textual knows it) and save every theme
    picked from now on to ``config_file`` (None: nowhere). Call it from ``on_mount``."""
    if saved in app.available_themes:
        app.theme = saved
    current = app.theme

    def changed(theme: Theme) -> None:
        nonlocal current
        if config_file is None or theme.name == current:
            return
        current = theme.name
        try:
            save_theme(config_file, theme.name)
        except (OSError, ValueError) as exc:
            logger.warning("could not save the theme {} to {}: {}", theme.name, config_file, exc)
            app.notify(
                _("The theme is used now but could not be saved in {file}: {reason}").format(
                    file=config_file, reason=exc
                ),
                title=_("Theme not saved"),
                severity="warning",
            )
        else:
            logger.info("theme {} saved to {}", theme.name, config_file)

    app.theme_changed_signal.subscribe(app, changed)
