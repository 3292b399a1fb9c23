"""Settings: defaults, validation messages that name file and key, environment overrides."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tgtui.config import ConfigError, Paths, load_settings, save_api_credentials

HASH = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "config", tmp_path / "data", tmp_path / "state", tmp_path / "cache")


def test_defaults_without_a_config_file(paths: Paths) -> None:
    settings = load_settings(paths, {})
    assert not settings.has_api_credentials
    assert settings.backup_dir == paths.data_dir / "backups"
    assert settings.concurrency == 16  # history requests in flight


def test_bad_values_name_the_file_and_the_key(paths: Paths) -> None:
    paths.config_dir.mkdir(parents=True)
    cases = {
        "concurrency = 0": "concurrency",
        'api_hash = "nope"': "api_hash",
        "api_id = -5": "api_id",
        "colour = 1": "colour",
    }
    for text, key in cases.items():
        paths.config_file.write_text(text)
        with pytest.raises(ConfigError) as caught:
            load_settings(paths, {})
        assert str(paths.config_file) in str(caught.value)
        assert caught.value.key == key
    paths.config_file.write_text("api_id = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(paths, {})


def test_environment_overrides_the_file(paths: Paths, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(f'api_id = 1\napi_hash = "{HASH}"\nconcurrency = 8\n')
    settings = load_settings(paths, {"TGTUI_CONFIG": str(other), "TGTUI_API_ID": "42"})
    assert (settings.api_id, settings.api_hash, settings.concurrency) == (42, HASH, 8)
    with pytest.raises(ConfigError, match="TGTUI_API_HASH"):
        load_settings(paths, {"TGTUI_API_HASH": "xyz"})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(paths, {"TGTUI_CONFIG": str(tmp_path / "missing.toml")})


def test_saved_credentials_are_private_and_keep_other_settings(paths: Paths) -> None:
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text("concurrency = 6\napi_id = 1\n")
    save_api_credentials(paths.config_file, 12345, HASH)
    assert stat.S_IMODE(os.stat(paths.config_file).st_mode) == 0o600
    settings = load_settings(paths, {})
    assert (settings.api_id, settings.api_hash, settings.concurrency) == (12345, HASH, 6)


def test_keys_move_bindings_by_their_ids(paths: Paths) -> None:
    paths.config_dir.mkdir(parents=True)
    paths.config_file.write_text('[keys]\nbackup = "ctrl+b"\nreload = "f6, ctrl+l"\nhelp = "?"\n')
    settings = load_settings(paths, {})
    assert settings.keys == {"backup": "ctrl+b", "reload": "f6,ctrl+l", "help": "?"}
    assert load_settings(paths, {"TGTUI_CONFIG": str(paths.config_file)}).keys == settings.keys
    paths.config_file.write_text("concurrency = 6\n")
    assert load_settings(paths, {}).keys == {}


def test_a_bad_key_or_id_names_the_file_and_the_binding(paths: Paths) -> None:
    paths.config_dir.mkdir(parents=True)
    cases = {
        '[keys]\nbakup = "b"': ("keys.bakup", "did you mean backup?"),
        '[keys]\nnothing-like-it = "b"': ("keys.nothing-like-it", "no key has this id"),
        '[keys]\nbackup = "Ctrl+B"': ("keys.backup", "'Ctrl+B'"),
        '[keys]\nbackup = "ctrl+"': ("keys.backup", "expected a key"),
        '[keys]\nbackup = "f5,,x"': ("keys.backup", "expected a key"),
        '[keys]\nbackup = "enterr"': ("keys.backup", "expected a key"),
        "[keys]\nbackup = 5": ("keys.backup", "got 5"),
        'keys = "ctrl+b"': ("keys", "expected a table"),
    }
    for text, (key, words) in cases.items():
        paths.config_file.write_text(text)
        with pytest.raises(ConfigError) as caught:
            load_settings(paths, {})
        message = str(caught.value)
        assert caught.value.key == key, text
        assert message.startswith(f"{paths.config_file}: {key}: "), message
        assert words in message, message
        assert "\n" not in message


def test_every_binding_id_can_be_remapped_and_no_other() -> None:
    """config.toml's [keys] accepts exactly the ids the app's bindings have."""
    import importlib
    import inspect
    import pkgutil
    import sys

    from textual.binding import Binding
    from textual.dom import DOMNode

    import tgtui.screens
    import tgtui.widgets
    from tgtui.config import BINDING_IDS

    for package in (tgtui.screens, tgtui.widgets):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)
    importlib.import_module("tgtui.app")
    importlib.import_module("tgtui.reader_app")
    found: set[str | None] = set()
    for name, module in list(sys.modules.items()):
        if not name.startswith("tgtui."):
            continue
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, DOMNode) and value.__module__ == name:
                bindings = value.__dict__.get("BINDINGS", [])
                found.update(b.id for b in bindings if isinstance(b, Binding))
    assert None not in found  # every binding has an id
    assert found == BINDING_IDS


def test_the_readme_lists_every_binding_id() -> None:
    """The error for an unknown id sends people to the README's list."""
    from tgtui.config import BINDING_IDS

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert [i for i in sorted(BINDING_IDS) if f"`{i}`" not in readme] == []


def test_every_theme_config_accepts_is_one_of_textuals() -> None:
    """config.toml is read without Textual, so its themes are named in tgtui.config: each
    must be a theme Textual draws (else the app would start in another, without a word)."""
    from textual.theme import BUILTIN_THEMES

    from tgtui.config import THEMES

    assert set(THEMES) <= set(BUILTIN_THEMES)
    assert "textual-dark" in THEMES
