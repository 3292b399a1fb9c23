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
