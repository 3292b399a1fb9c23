"""tgtui in Brazilian Portuguese as a pt_BR user sees it (Pilot, real client, sandbox): the
login, the chat list, its keys and a backup to its summary, with the terms of Telegram's own
Brazilian apps ("conversas", "arquivadas", "código", "senha") and numbers written the
Brazilian way (3.000 mensagens, 1,5 MB)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Button, Input

from tests.tui.helpers import chats_loaded, make_app, running, text_of, type_into, wait_for
from tgtui import i18n
from tgtui.sandbox import DEMO_CODE, SandboxOptions, SandboxServer, WorldOptions
from tgtui.screens.backup import BackupScreen
from tgtui.screens.dialogs import DialogsScreen
from tgtui.screens.help import HelpScreen
from tgtui.screens.login import LoginScreen
from tgtui.telegram.auth import Step
from tgtui.widgets.dialog_list import DialogList, row_text
from tgtui.widgets.key_footer import KeyFooter


@pytest.fixture(autouse=True)
def _portuguese() -> Iterator[None]:
    i18n.use(i18n.choose(None, {"LANG": "pt_BR.UTF-8"}))
    yield
    i18n.use(i18n.ENGLISH)


async def test_the_login_speaks_portuguese(sandbox: SandboxServer, tmp_path: Path) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        assert text_of(app, "#login-steps").split() == [
            "1",
            "telefone",
            "2",
            "código",
            "3",
            "senha",
        ]
        assert "Digite seu número de telefone" in text_of(app, "#login-prompt")
        labels = {str(b.label) for b in app.screen.query(Button) if b.display}
        assert {"Enviar código", "Entrar com código QR"} <= labels
        keys = app.screen.query_one(KeyFooter).children
        footer = " ".join(str(getattr(k, "description", "")) for k in keys)
        assert "Código QR" in footer
        assert "Sair" in footer  # the app's own keys too
        assert "Teclas" in footer
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen.step is Step.QR, what="QR step")
        assert text_of(app, "#login-prompt").startswith("Leia: Configurações > Dispositivos")
        await pilot.press("f4")
        await wait_for(pilot, lambda: screen.step is Step.PASSWORD, what="password step")
        assert text_of(app, "#login-steps").split() == ["1", "Código", "QR", "2", "senha"]
        assert "verificação em duas etapas" in text_of(app, "#login-prompt")
        assert text_of(app, "#login-hint").startswith("Dica: ")


async def test_the_code_way_and_its_errors_speak_portuguese(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    app = make_app(sandbox, tmp_path)
    async with running(app) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="login")
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.step is Step.CODE and not screen.busy, what="code")
        assert text_of(app, "#login-prompt") == (
            "O Telegram enviou o código de 5 dígitos para +9996621234 no seu app do Telegram "
            "(uma mensagem do Telegram). Não chegou? Reenvie por SMS."
        )
        await type_into(pilot, "#code", "11111")
        await wait_for(pilot, lambda: bool(text_of(app, "#login-error")), what="an error")
        assert (
            text_of(app, "#login-error") == "Esse código não está certo. Confira e tente de novo."
        )
        await type_into(pilot, "#code", DEMO_CODE)
        await wait_for(pilot, lambda: screen.step is Step.PASSWORD, what="password step")
        await type_into(pilot, "#password", "not the password")
        await wait_for(pilot, lambda: "Senha errada" in text_of(app, "#login-error"), what="err")


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Chats big enough for grouped thousands ("3.000") and sizes in MB ("1,5 MB")."""
    world = WorldOptions(seed=41, dialogs=60, messages=3000, max_file_size=600 * 1024)
    return SandboxOptions(world=world)


async def test_the_chat_list_and_a_backup_speak_portuguese(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "saída"
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app), what="the chat list")
        count = text_of(app, "#dialog-count")
        assert re.fullmatch(r"\d+( de \d+)? conversas · \d+ arquivadas", count), count
        listing = app.screen.query_one(DialogList)
        kinds = {str(row_text(row, selected=False)).split()[2] for row in listing.rows[:20]}
        assert kinds <= {"usuário", "bot", "grupo", "supergrupo", "canal", "salvas"}
        assert "usuário" in kinds
        saved = next(row for row in listing.rows if row.is_self)  # Saved Messages
        assert str(row_text(saved, selected=False)).split()[2] == "salvas"  # not a user
        assert "Fazer backup" in _footer(app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the keys")
        shown = _screen_text(app)
        assert "Teclas aqui (Conversas)" in shown
        assert "Fazer backup" in shown
        assert "Focar o próximo" not in shown  # only tgtui's keys, in one style (issue 29)
        await pilot.press("escape", "space", "space")
        assert "2 selecionadas" in text_of(app, "#dialog-count")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BackupScreen), what="backup")
        screen = app.screen
        assert isinstance(screen, BackupScreen)
        screen.query_one("#backup-out", Input).value = str(out)
        job = screen.job
        await wait_for(pilot, lambda: all(r.estimate for r in job.rows.values()), what="estimate")
        await pilot.pause(0.2)
        estimate = text_of(app, "#backup-estimate")
        assert re.search(r"≈ \d{1,3}(\.\d{3})+ mensagens para baixar", estimate), estimate
        assert re.search(r"≈ \d+ arquivos, \d+,\d MB", estimate), estimate
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: job.state == "finished", within=60, what="the end")
        await pilot.pause(0.2)
        summary = text_of(app, "#backup-summary")
        assert re.search(r"Backup concluído em \d+:\d\d\.", summary), summary
        assert re.search(r"\d{1,3}(\.\d{3})+ mensagens salvas", summary), summary
        assert "de 2 conversas" in summary
        assert "Tudo o que foi escolhido está salvo." in summary
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DialogsScreen), what="the chats")
        assert text_of(app, "#backup-status") == "Backup concluído: 2 conversas · b para ver"


def _footer(app: Any) -> str:
    keys = app.screen.query_one(KeyFooter).children
    return " ".join(str(getattr(k, "description", "")) for k in keys)


def _screen_text(app: Any) -> str:
    """What the terminal shows, as text (from the app's own screenshot)."""
    svg = app.export_screenshot()
    text = re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")
    return html.unescape(text)


async def test_the_command_palette_speaks_portuguese(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Textual's palette too: its search field, its own commands (Theme, Quit...), and Keys
    opens tgtui's help (in Portuguese) rather than Textual's English panel."""
    app = make_app(sandbox, tmp_path, signed_in=True)
    async with running(app, size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: chats_loaded(app), what="the chat list")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.pause(0.3)
        shown = _screen_text(app)
        for words in ("Buscar comandos…", "Filtrar conversas", "Sair da conta"):
            assert words in shown, words
        await pilot.press(*"tema")
        await wait_for(pilot, lambda: "Mudar o tema atual" in _screen_text(app), what="Theme")
        assert "Change the current theme" not in _screen_text(app)
        await pilot.press(*["backspace"] * 4, *"teclas")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="tgtui's keys")
        assert "Teclas aqui (Conversas)" in _screen_text(app)
