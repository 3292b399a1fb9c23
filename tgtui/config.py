"""Settings from config.toml and the environment; every path from platformdirs."""

from __future__ import annotations

import argparse
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import PlatformDirs

from tgtui.i18n import LANGUAGES, _, normalize
from tgtui.portable import open_fd

API_HASH_PATTERN = re.compile(r"^[0-9a-f]{32}$")
KNOWN_KEYS = ("api_id", "api_hash", "backup_dir", "concurrency", "theme", "language")
# History requests a backup keeps in flight at most, all chats together (`tgtui.backup.budget`).
DEFAULT_CONCURRENCY = 16
MAX_CONCURRENCY = 64


@dataclass(frozen=True)
class Paths:
    """Where tgtui keeps its files."""

    config_dir: Path
    data_dir: Path
    state_dir: Path
    cache_dir: Path

    @classmethod
    def default(cls) -> Paths:
        """The platform's user directories for tgtui."""
        dirs = PlatformDirs("tgtui", appauthor=False)
        return cls(
            config_dir=Path(dirs.user_config_dir),
            data_dir=Path(dirs.user_data_dir),
            state_dir=Path(dirs.user_state_dir),
            cache_dir=Path(dirs.user_cache_dir),
        )

    @property
    def config_file(self) -> Path:
        """config.toml."""
        return self.config_dir / "config.toml"

    @property
    def sessions_dir(self) -> Path:
        """Telethon session files (0700)."""
        return self.data_dir / "sessions"

    @property
    def log_dir(self) -> Path:
        """Rotated log files."""
        return self.state_dir / "logs"

    @property
    def default_backup_dir(self) -> Path:
        """Where backups go unless the config says otherwise."""
        return self.data_dir / "backups"

    @property
    def pace_file(self) -> Path:
        """Flood limits learned by backups, per account (see tgtui.backup.pace)."""
        return self.state_dir / "flood-limits.json"

    @property
    def demo_backup_dir(self) -> Path:
        """Where the demo's backups go: never among the real ones."""
        return self.data_dir / "demo-backups"


class ConfigError(Exception):
    """A config file or environment value that cannot be used; the message names the culprit."""

    def __init__(self, source: str, key: str | None, problem: str) -> None:
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Settings:
    """Validated settings."""

    api_id: int | None
    api_hash: str | None
    backup_dir: Path
    concurrency: int
    theme: str
    config_file: Path
    language: str | None = None  # "en" or "pt_BR"; None: from the locale

    @property
    def has_api_credentials(self) -> bool:
        """Both api_id and api_hash are known."""
        return self.api_id is not None and self.api_hash is not None


def path_argument(text: str) -> Path:
    """A file or folder named on the command line (``--out``, ``--session``). An empty one is
    refused: as a path it would be the current folder, which nobody means by it."""
    if not text.strip():
        raise argparse.ArgumentTypeError(_("expected a path, got an empty one"))
    return Path(text)


def validate_api_id(value: Any, source: str, key: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(
            source,
            key,
            _("expected a positive whole number, got {value}").format(value=repr(value)),
        )
    return value


def validate_api_hash(value: Any, source: str, key: str) -> str:
    if not isinstance(value, str) or not API_HASH_PATTERN.match(value.strip().lower()):
        raise ConfigError(
            source, key, _("expected the 32 hexadecimal characters from my.telegram.org")
        )
    return value.strip().lower()


def load_settings(paths: Paths, environ: Mapping[str, str] | None = None) -> Settings:
    """Read config.toml (or $TGTUI_CONFIG), apply TGTUI_API_ID / TGTUI_API_HASH, validate."""
    env = os.environ if environ is None else environ
    config_file = (
        Path(env["TGTUI_CONFIG"]).expanduser() if env.get("TGTUI_CONFIG") else paths.config_file
    )
    source = str(config_file)
    data: dict[str, Any] = {}
    if config_file.exists():
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                source, None, _("not valid TOML ({reason})").format(reason=exc)
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                source, None, _("cannot be read ({reason})").format(reason=exc)
            ) from exc
    elif env.get("TGTUI_CONFIG"):
        raise ConfigError(source, None, _("does not exist (named by TGTUI_CONFIG)"))
    for key in data:
        if key not in KNOWN_KEYS:
            raise ConfigError(
                source,
                key,
                _("unknown setting (known: {known})").format(known=", ".join(KNOWN_KEYS)),
            )
    api_id = validate_api_id(data["api_id"], source, "api_id") if "api_id" in data else None
    api_hash = (
        validate_api_hash(data["api_hash"], source, "api_hash") if "api_hash" in data else None
    )
    if env.get("TGTUI_API_ID"):
        api_id = validate_api_id(env["TGTUI_API_ID"], "environment", "TGTUI_API_ID")
    if env.get("TGTUI_API_HASH"):
        api_hash = validate_api_hash(env["TGTUI_API_HASH"], "environment", "TGTUI_API_HASH")
    backup_dir = data.get("backup_dir", str(paths.default_backup_dir))
    if not isinstance(backup_dir, str) or not backup_dir.strip():
        raise ConfigError(
            source,
            "backup_dir",
            _("expected a folder path, got {backup_dir}").format(backup_dir=repr(backup_dir)),
        )
    concurrency = data.get("concurrency", DEFAULT_CONCURRENCY)
    if (
        not isinstance(concurrency, int)
        or isinstance(concurrency, bool)
        or not 1 <= concurrency <= MAX_CONCURRENCY
    ):
        raise ConfigError(
            source,
            "concurrency",
            _("expected a whole number from 1 to {most}, got {concurrency}").format(
                most=MAX_CONCURRENCY, concurrency=repr(concurrency)
            ),
        )
    theme = data.get("theme", "textual-dark")
    if not isinstance(theme, str):
        raise ConfigError(
            source, "theme", _("expected a theme name, got {theme}").format(theme=repr(theme))
        )
    language = data.get("language")
    chosen = normalize(language) if isinstance(language, str) else None
    if language is not None and chosen is None:
        raise ConfigError(
            source,
            "language",
            _("expected {languages}, got {language}").format(
                languages=" or ".join(LANGUAGES), language=repr(language)
            ),
        )
    return Settings(
        api_id=api_id,
        api_hash=api_hash,
        backup_dir=Path(backup_dir).expanduser(),
        concurrency=concurrency,
        theme=theme,
        config_file=config_file,
        language=chosen,
    )


def save_api_credentials(config_file: Path, api_id: int, api_hash: str) -> None:
    """Store api_id/api_hash in config.toml (0600, atomically), keeping the other settings."""
    validate_api_id(api_id, str(config_file), "api_id")
    validate_api_hash(api_hash, str(config_file), "api_hash")
    _save_settings(config_file, {"api_id": str(api_id), "api_hash": f'"{api_hash}"'})


def save_theme(config_file: Path, theme: str) -> None:
    """Store the theme chosen in the app (0600, atomically), keeping the other settings."""
    if not re.fullmatch(r"[\w.-]{1,64}", theme):
        raise ValueError(f"not a theme name: {theme!r}")
    _save_settings(config_file, {"theme": f'"{theme}"'})


def _save_settings(config_file: Path, values: dict[str, str]) -> None:
    """Set ``values`` (key: TOML value text) in config.toml, first in the file, keeping every
    other line (comments included) as it was."""
    pattern = re.compile(r"^\s*(" + "|".join(map(re.escape, values)) + r")\s*=")
    kept = []
    if config_file.exists():
        for line in config_file.read_text(encoding="utf-8").splitlines():
            if not pattern.match(line):
                kept.append(line)
    lines = [f"{key} = {value}" for key, value in values.items()]
    text = "\n".join([*lines, *kept]).rstrip() + "\n"
    config_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = config_file.with_name(config_file.name + ".tmp")
    fd = open_fd(temp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, config_file)
