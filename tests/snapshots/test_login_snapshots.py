"""SVG snapshots of the login steps (80x24 and 120x36) on a sandbox in its own thread.

Update after an intended change with `pytest tests/snapshots --snapshot-update` and look at
the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import settings_for, type_into, wait_for
from tgtui.app import AppContext, TgtuiApp
from tgtui.demo import DemoSandbox, demo_world
from tgtui.i18n import _
from tgtui.sandbox import DEMO_CODE, SandboxOptions
from tgtui.screens.login import LoginScreen
from tgtui.telegram.auth import Step
from tgtui.telegram.service import ClientSpec, TelegramService

SnapCompare = Callable[..., bool]


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoSandbox]:
    with DemoSandbox(SandboxOptions(world=demo_world(dialogs=60, messages=200))) as sandbox:
        yield sandbox


@pytest.fixture
def app(demo: DemoSandbox, tmp_path: Path) -> Iterator[TgtuiApp]:
    api_id, api_hash = demo.api
    spec = ClientSpec(tmp_path / "s" / "demo.session", api_id, api_hash, dc=demo.dc)
    service = TelegramService(spec)
    service.open()
    app = TgtuiApp(
        AppContext(
            service=service,
            settings=settings_for(tmp_path),
            demo=True,
            prefill_phone=demo.phone,
            code_source=demo.on_code_sent,
        )
    )
    yield app
    service.close()


def _at(step: Step) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def drive(pilot: Pilot[Any]) -> None:
        app = pilot.app

        def on(wanted: Step) -> bool:
            screen = app.screen
            return isinstance(screen, LoginScreen) and screen.step is wanted and not screen.busy

        await wait_for(pilot, lambda: on(Step.PHONE), within=30)
        if step is not Step.PHONE:
            await pilot.press("enter")
            await wait_for(pilot, lambda: on(Step.CODE))
        if step is Step.PASSWORD:
            await type_into(pilot, "#code", DEMO_CODE)
            await wait_for(pilot, lambda: on(Step.PASSWORD))
            await type_into(pilot, "#password", "tuna")  # a wrong one: the error shows too
            wrong = _("Wrong password. Try again (the hint may help).")
            await wait_for(
                pilot, lambda: wrong in str(app.screen.query_one("#login-error").render())
            )
        for field in app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return drive


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
@pytest.mark.parametrize("step", [Step.PHONE, Step.CODE, Step.PASSWORD], ids=lambda s: s.value)
def test_login_step(
    snap_compare: SnapCompare, app: TgtuiApp, step: Step, size: tuple[int, int]
) -> None:
    assert snap_compare(app, terminal_size=size, run_before=_at(step))


@pytest.fixture
def signed_in_app(demo: DemoSandbox, tmp_path: Path) -> Iterator[TgtuiApp]:
    from tgtui.sandbox import write_demo_session

    assert demo.server is not None
    session = write_demo_session(demo.server, tmp_path / "s" / "demo.session")
    api_id, api_hash = demo.api
    service = TelegramService(ClientSpec(session, api_id, api_hash))
    service.open()
    yield TgtuiApp(AppContext(service=service, settings=settings_for(tmp_path), demo=True))
    service.close()


async def _chat_list_with_a_selection(pilot: Pilot[Any]) -> None:
    from tests.tui.helpers import chats_loaded

    await wait_for(pilot, lambda: chats_loaded(pilot.app), within=30)  # type: ignore[arg-type]
    await pilot.press("down", "space", "down", "down", "space")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_chat_list(
    snap_compare: SnapCompare, signed_in_app: TgtuiApp, size: tuple[int, int]
) -> None:
    assert snap_compare(signed_in_app, terminal_size=size, run_before=_chat_list_with_a_selection)


async def _keys_of_the_chat_list(pilot: Pilot[Any]) -> None:
    from tests.tui.helpers import chats_loaded

    await wait_for(pilot, lambda: chats_loaded(pilot.app), within=30)  # type: ignore[arg-type]
    await pilot.press("question_mark")
    await pilot.pause()


def test_help_at_80x24(snap_compare: SnapCompare, signed_in_app: TgtuiApp) -> None:
    assert snap_compare(signed_in_app, terminal_size=(80, 24), run_before=_keys_of_the_chat_list)


@pytest.mark.parametrize("step", [Step.PHONE, Step.PASSWORD], ids=lambda s: s.value)
def test_login_step_in_portuguese(
    snap_compare: SnapCompare, portuguese: None, app: TgtuiApp, step: Step
) -> None:
    """The login in pt-BR at 80x24: "telefone", "código", "senha", "Senha errada"."""
    assert snap_compare(app, terminal_size=(80, 24), run_before=_at(step))


def test_chat_list_in_portuguese(
    snap_compare: SnapCompare, portuguese: None, signed_in_app: TgtuiApp
) -> None:
    """The chat list in pt-BR: "conversas", "arquivadas", "usuário", the keys' words."""
    assert snap_compare(
        signed_in_app, terminal_size=(80, 24), run_before=_chat_list_with_a_selection
    )
