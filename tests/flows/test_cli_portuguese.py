"""The command line in Brazilian Portuguese, as a process: the language comes from the locale
(LC_ALL, LC_MESSAGES, LANG) unless config.toml's `language` says otherwise, and it is chosen
before anything is printed: `--help` (argparse's own words too), argument errors and
tgtui's errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _tgtui(home: Path, *args: str, **locale: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_", "LC_", "LANG"))
    }
    env.update(HOME=str(home), **locale)
    return subprocess.run(
        [sys.executable, "-m", "tgtui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_in_portuguese_from_the_locale(tmp_path: Path) -> None:
    done = _tgtui(tmp_path, "--help", LANG="pt_BR.UTF-8")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("uso: tgtui ")
    for words in (
        "opções:",
        "mostra esta ajuda e sai",
        "comandos:",
        "fazer backup de conversas sem a TUI",
        "~1.000",  # the number written the Brazilian way
        "arquivos:",
    ):
        assert words in out, words
    assert "usage:" not in out
    assert "options:" not in out


def test_a_commands_help_and_its_argument_errors_in_portuguese(tmp_path: Path) -> None:
    done = _tgtui(tmp_path, "backup", "--help", LC_ALL="pt_BR.UTF-8", LANG="en_US.UTF-8")
    assert done.returncode == 0, done.stderr
    assert "códigos de saída:" in done.stdout
    assert "argumentos posicionais:" in done.stdout
    assert "conversas para o backup:" in done.stdout
    for metavar in ("--out PASTA", "--since DATA", "--exclude CONVERSA", "--session CAMINHO"):
        assert metavar in done.stdout, metavar  # the names of values in Portuguese too
    assert "CONVERSA é um id" in done.stdout  # and the text that names them says the same
    wrong = _tgtui(tmp_path, "backup", "--all", "--concurrency", "0", LANG="pt_BR.UTF-8")
    assert wrong.returncode == 2
    assert "tgtui backup: erro: argumento --concurrency: esperava de 1 a" in wrong.stderr
    unknown = _tgtui(tmp_path, "--frobnicate", LANG="pt_BR.UTF-8")
    assert "argumentos não reconhecidos: --frobnicate" in unknown.stderr


def test_tgtuis_own_errors_in_portuguese(tmp_path: Path) -> None:
    empty = tmp_path / "vazio"
    empty.mkdir()
    done = _tgtui(tmp_path, "search", "--in", str(empty), "jardim", LANG="pt_BR.UTF-8")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"tgtui search: {empty} não tem backup (não há manifest.json). Faça um com "
        f"`tgtui backup --all --out {empty}` ou no app (b na lista de conversas), ou "
        "experimente tudo offline com `tgtui --demo`"
    )


@pytest.mark.parametrize(
    ("setting", "locale", "expected"),
    [
        ('language = "pt-BR"\n', {"LC_ALL": "C.UTF-8"}, "uso: tgtui "),
        ('language = "en"\n', {"LANG": "pt_BR.UTF-8"}, "usage: tgtui "),
    ],
)
def test_config_tomls_language_beats_the_locale(
    tmp_path: Path, setting: str, locale: dict[str, str], expected: str
) -> None:
    config = tmp_path / ".config" / "tgtui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(setting)
    done = _tgtui(tmp_path, "--help", **locale)
    assert done.stdout.startswith(expected), done.stdout[:200]


def test_a_bad_config_is_explained_in_the_locales_language(tmp_path: Path) -> None:
    config = tmp_path / ".config" / "tgtui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('language = "klingon"\n')
    done = _tgtui(tmp_path, "open", LANG="pt_BR.UTF-8")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"tgtui open: configuração inválida: {config}: language: esperava en or pt_BR, "
        "veio 'klingon'"
    )


def test_the_chat_list_names_types_in_portuguese_and_json_stays_english(tmp_path: Path) -> None:
    table = _tgtui(tmp_path, "chats", "hikers", "--demo", LANG="pt_BR.UTF-8")
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split()[:3] == ["ID", "TIPO", "PASTA"]
    assert rows
    kinds = {row.split()[1] for row in rows}
    # The demo's hikers: groups, channels and a forum (a group with topics).
    assert kinds == {"grupo", "canal", "fórum"}, rows
    listed = _tgtui(tmp_path, "chats", "hikers", "--demo", "--json", LANG="pt_BR.UTF-8")
    assert '"type": "group"' in listed.stdout  # for scripts, whatever the language
    assert '"type": "channel"' in listed.stdout
