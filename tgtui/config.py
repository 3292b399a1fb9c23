"""Settings from config.toml and the environment; every path from platformdirs.

Over 400 lines on purpose: one load and one check for every setting (paths, api, folders,
concurrency, theme, language, the key map), so every command meets the same errors; the key
map's tables are data.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import stat
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import PlatformDirs

from tgtui.i18n import LANGUAGES, _, normalize
from tgtui.portable import NONBLOCK, open_fd

if TYPE_CHECKING:
    from tgtui.proxy import Proxy

API_HASH_PATTERN = re.compile(r"^[0-9a-f]{32}$")
KNOWN_KEYS = (
    "api_id",
    "api_hash",
    "backup_dir",
    "concurrency",
    "theme",
    "language",
    "keys",
    "proxy",
    "images",
)
# config.toml's `images`: pictures in the reader drawn the best way the terminal has, in
# half blocks only (any terminal with colours, tmux and ssh too), or not at all.
IMAGE_MODES = ("auto", "blocks", "off")
# The ids of the app's key bindings, which [keys] may remap (`Binding(..., id=...)` in
# tgtui/screens, tgtui/widgets and tgtui/base_app.py; a test keeps the two the same). One id
# names the same command on every screen that has it (chat-type, cancel, page-down...).
BINDING_IDS = frozenset(
    {
        # every screen
        "quit", "help", "help-f1", "command-palette",
        # lists (chats, backups, search results) and the messages of a chat
        "up", "down", "page-up", "page-down", "first", "last",
        "older", "newer", "oldest", "newest",
        # login and first setup
        "resend-code", "another-number", "qr-login", "demo-scan", "quit-setup",
        # a proxy: the Connection screen (login, connecting) and its test
        "connection", "proxy-test",
        # the chat list
        "open-chat", "backup", "filter", "chat-type", "archive", "select-all",
        "clear-selection", "clear-filter", "read-backups", "search-backups", "reload",
        "log-out", "select-chat",
        # the backup screen
        "backup-start", "backup-pause-all", "backup-pause-chat", "backup-cancel-chat",
        "backup-cancel-all", "backup-failures", "backup-retry", "backup-export",
        "backup-follow", "backup-stop-following", "backup-leave",
        # reading backups: the chats, one chat, search, versions, dialogs
        "read-chat", "search-all", "filter-chats", "export-backup", "back",
        "close-chat", "activate", "go-reply", "jump-back", "go-date", "versions",
        "search-chat", "search-back", "open-hit", "search-submit", "to-results", "search-filters",
        "export-start", "close-versions", "close-help", "cancel", "pictures",
        "stats-chat", "stats-all", "account", "filter-account", "read-topic", "all-messages",
    }
)  # fmt: skip
# The one key map: the commands that are one kind of thing on different screens. A key is
# bound only to commands of one kind, on every screen (tests/tui/test_key_map.py reads every
# binding and checks it); an id not named here is a kind of its own.
KEY_KINDS: dict[str, frozenset[str]] = {
    # arrows, j/k, PgUp/PgDn, Home/g, End/G: move in whatever list is in front
    "move": frozenset(
        {"up", "down", "page-up", "page-down", "first", "last"}
        | {"older", "newer", "oldest", "newest", "to-results"}
    ),
    # Enter: the obvious thing for what is under the cursor (open it, start it)
    "open": frozenset(
        {"open-chat", "read-chat", "activate", "open-hit", "export-start", "search-submit"}
        | {"read-topic"}
    ),
    # Escape: back one step (close what is open, drop the filter, leave the screen)
    "back": frozenset(
        {"back", "close-chat", "search-back", "cancel", "close-versions", "close-help"}
        | {"backup-leave", "quit-setup", "clear-filter"}
    ),
    # /: narrow the list on screen to the names typed
    "filter": frozenset({"filter", "filter-chats", "filter-account"}),
    # a: all of the list in front (select every chat shown; read every topic's messages)
    "all": frozenset({"select-all", "all-messages"}),
    # s, Ctrl+F: search the messages of the backups by their words
    "search": frozenset({"search-all", "search-chat", "search-backups"}),
    # Space: select or pause the one under the cursor
    "toggle": frozenset({"select-chat", "backup-pause-chat"}),
    # F: keep following the chats backed up, or stop
    "follow": frozenset({"backup-follow", "backup-stop-following"}),
    # e: export the backup
    "export": frozenset({"export-backup", "backup-export"}),
    # Ctrl+R, F5, r: again (reload, resend, retry)
    "again": frozenset({"reload", "resend-code", "backup-retry"}),
    # o, F2: read the backups offline
    "read-backups": frozenset({"read-backups"}),
    # ?, F1: the keys of this screen
    "help": frozenset({"help", "help-f1"}),
}
# A window's close key may be the key that opened it (? opens the keys and closes them).
CLOSED_BY_ITS_KEY: dict[str, frozenset[str]] = {
    "close-help": frozenset({"help", "help-f1"}),
    "close-versions": frozenset({"versions"}),
}


def key_kind(binding_id: str) -> str:
    """The kind of command ``binding_id`` is (`KEY_KINDS`; else its own)."""
    return next((kind for kind, ids in KEY_KINDS.items() if binding_id in ids), binding_id)


KEY_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(
    {"escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end"}
    | {"pageup", "pagedown", "up", "down", "left", "right"}
    | {f"f{n}" for n in range(1, 25)}
    # Textual's short names for some characters (others go by their Unicode name).
    | {"slash", "backslash", "at", "minus", "plus", "underscore"}
    | {"less_than_sign", "greater_than_sign"}
)
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
    keys: Mapping[str, str] = field(default_factory=dict)  # [keys]: binding id -> keys
    proxy: Proxy | None = None  # `proxy = "..."`: a URL or a t.me/tg: link
    images: str = "auto"  # one of IMAGE_MODES: pictures in the reader

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


def is_key(text: str) -> bool:
    """Whether ``text`` names one key as Textual does: "x", "X", "?", "f5", "pagedown",
    "question_mark", with modifiers before it ("ctrl+shift+x")."""
    *modifiers, key = text.split("+")
    if not key or any(modifier not in KEY_MODIFIERS for modifier in modifiers):
        return False
    if len(key) == 1:
        return key.isprintable() and not key.isspace() and key != ","
    if key in NAMED_KEYS:
        return True
    try:  # a character by its name, as Textual names them: "question_mark", "slash"
        return len(unicodedata.lookup(key.replace("_", " "))) == 1 and key.islower()
    except KeyError:
        return False


def validate_keys(value: Any, source: str) -> dict[str, str]:
    """config.toml's [keys]: binding id -> its keys ("f5" or several: "f5,ctrl+r")."""
    if not isinstance(value, dict):
        raise ConfigError(
            source,
            "keys",
            _('expected a table of binding ids and keys, e.g. [keys] backup = "ctrl+b"'),
        )
    keys: dict[str, str] = {}
    for binding_id, given in value.items():
        name = f"keys.{binding_id}"
        if binding_id not in BINDING_IDS:
            import difflib  # here: every command reads the config, few have a typo in it

            near = difflib.get_close_matches(binding_id, BINDING_IDS, n=1)
            raise ConfigError(
                source,
                name,
                _("no key has this id (did you mean {id}?)").format(id=near[0])
                if near
                else _("no key has this id (the ids are listed in the README)"),
            )
        parts = [part.strip() for part in given.split(",")] if isinstance(given, str) else []
        if not parts or not all(is_key(part) for part in parts):
            raise ConfigError(
                source,
                name,
                _(
                    'expected a key such as "ctrl+b", "f5" or "x" (several: "f5,ctrl+r"), '
                    "got {value}"
                ).format(value=repr(given)),
            )
        keys[binding_id] = ",".join(parts)
    return keys


# The themes the app can be drawn in: Textual's own (textual.theme.BUILTIN_THEMES; config
# loads without Textual, so they are named here, and a test keeps every one a real theme).
THEMES = (
    "ansi-dark",
    "ansi-light",
    "atom-one-dark",
    "atom-one-light",
    "catppuccin-frappe",
    "catppuccin-latte",
    "catppuccin-macchiato",
    "catppuccin-mocha",
    "dracula",
    "flexoki",
    "gruvbox",
    "monokai",
    "nord",
    "rose-pine",
    "rose-pine-dawn",
    "rose-pine-moon",
    "solarized-dark",
    "solarized-light",
    "textual-dark",
    "textual-light",
    "tokyo-night",
)
CONFIG_MAX = 1 << 20  # bytes: a config.toml is a few lines


def _read_config(config_file: Path) -> bytes:
    """The bytes of config.toml: a regular file (a link to one is fine: dotfiles often are)
    of at most `CONFIG_MAX` bytes; OSError for anything else (a FIFO would wait for ever,
    /dev/zero never end)."""
    info = config_file.stat()
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, _("it is not a regular file"))
    if info.st_size > CONFIG_MAX:
        raise OSError(errno.EFBIG, _("it is bigger than 1 MB"))
    fd = open_fd(config_file, os.O_RDONLY | NONBLOCK)
    try:
        data = os.read(fd, CONFIG_MAX + 1)
    finally:
        os.close(fd)
    if len(data) > CONFIG_MAX:
        raise OSError(errno.EFBIG, _("it is bigger than 1 MB"))
    return data


def load_settings(paths: Paths, environ: Mapping[str, str] | None = None) -> Settings:
    """Read config.toml (or $TGTUI_CONFIG), apply TGTUI_API_ID / TGTUI_API_HASH, validate."""
    env = os.environ if environ is None else environ
    config_file = (
        Path(env["TGTUI_CONFIG"]).expanduser() if env.get("TGTUI_CONFIG") else paths.config_file
    )
    source = str(config_file)
    data: dict[str, Any] = {}
    if config_file.exists():
        import tomllib  # here: a start with no config.toml (most commands) never loads it

        try:
            data = tomllib.loads(_read_config(config_file).decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                source, None, _("not valid TOML ({reason})").format(reason=exc)
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise ConfigError(
                source, None, _("cannot be read ({reason})").format(reason=reason)
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
    if theme not in THEMES:
        raise ConfigError(
            source,
            "theme",
            _("no theme is named {theme} (there are {themes})").format(
                theme=repr(theme), themes=", ".join(THEMES)
            ),
        )
    images = data.get("images", "auto")
    if images not in IMAGE_MODES:
        raise ConfigError(
            source,
            "images",
            _("expected {modes}, got {images}").format(
                modes=", ".join(f'"{mode}"' for mode in IMAGE_MODES), images=repr(images)
            ),
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
        keys=validate_keys(data["keys"], source) if "keys" in data else {},
        proxy=validate_proxy(data["proxy"], source) if "proxy" in data else None,
        images=images,
    )


def validate_proxy(value: Any, source: str) -> Proxy | None:
    """config.toml's `proxy`: a proxy URL or link; "" for none. Its message never holds the
    password or the secret."""
    if not isinstance(value, str):
        raise ConfigError(source, "proxy", _("expected a proxy URL or a t.me link in quotes"))
    if not value.strip():
        return None
    from tgtui.proxy import ProxyError, parse_proxy  # here: most configs name no proxy

    try:
        return parse_proxy(value)
    except ProxyError as exc:
        raise ConfigError(source, "proxy", str(exc)) from None


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


def save_proxy(config_file: Path, proxy: str | None) -> None:
    """Store the proxy set in the app (a URL or link; None: none), 0600 and atomically,
    keeping the other settings. ProxyError for one that cannot be read."""
    if proxy is None:
        _save_settings(config_file, {"proxy": None})
        return
    import json

    from tgtui.proxy import parse_proxy

    parse_proxy(proxy)
    _save_settings(config_file, {"proxy": json.dumps(proxy.strip())})  # a TOML string too


def _save_settings(config_file: Path, values: dict[str, str | None]) -> None:
    """Set ``values`` (key: TOML value text; None: remove the key) in config.toml, first in
    the file, keeping every other line (comments included) as it was."""
    pattern = re.compile(r"^\s*(" + "|".join(map(re.escape, values)) + r")\s*=")
    kept = []
    if config_file.exists():
        for line in config_file.read_text(encoding="utf-8").splitlines():
            if not pattern.match(line):
                kept.append(line)
    lines = [f"{key} = {value}" for key, value in values.items() if value is not None]
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
