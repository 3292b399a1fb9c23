"""tgtui in Brazilian Portuguese: the login screen as a pt_BR user sees it (Pilot, real
client, sandbox), with the terms of Telegram's own Brazilian apps ("código", "senha")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Button

from tests.tui.helpers import make_app, running, text_of, type_into, wait_for
from tgtui import i18n
from tgtui.sandbox import DEMO_CODE, SandboxServer
from tgtui.screens.login import LoginScreen
from tgtui.telegram.auth import Step
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
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.step is Step.PASSWORD, what="password step")
        assert text_of(app, "#login-steps").split() == ["1", "Código", "QR", "2", "senha"]
        assert "senha da nuvem" in text_of(app, "#login-prompt")
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
