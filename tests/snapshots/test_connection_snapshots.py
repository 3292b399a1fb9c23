"""SVG snapshots of the Connection screen at 80x24 (a pasted link, masked, read redacted),
opened with F6 from the login, on a demo sandbox in its own thread.

Update after an intended change with `pytest tests/snapshots --snapshot-update` and look at
the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import settings_for, wait_for
from tgtui.app import AppContext, TgtuiApp
from tgtui.demo import DemoSandbox, demo_world
from tgtui.sandbox import SandboxOptions
from tgtui.screens.connection import ConnectionScreen
from tgtui.screens.login import LoginScreen
from tgtui.telegram.service import ClientSpec, TelegramService

SnapCompare = Callable[..., bool]
SECRET = "s3cr3t-Pa55"
LINK = f"socks5://reader:{SECRET}@10.0.0.5:1080"


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoSandbox]:
    with DemoSandbox(SandboxOptions(world=demo_world(dialogs=20, messages=50))) as sandbox:
        yield sandbox


@pytest.fixture
def app(demo: DemoSandbox, tmp_path: Path) -> Iterator[TgtuiApp]:
    api_id, api_hash = demo.api
    service = TelegramService(
        ClientSpec(tmp_path / "s" / "demo.session", api_id, api_hash, dc=demo.dc)
    )
    service.open()
    yield TgtuiApp(
        AppContext(
            service=service, settings=settings_for(tmp_path), demo=True, prefill_phone=demo.phone
        )
    )
    service.close()


async def _link_pasted(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), within=30)
    await pilot.press("f6")
    await wait_for(pilot, lambda: isinstance(app.screen, ConnectionScreen))
    field = app.screen.query_one("#proxy", Input)
    field.cursor_blink = False
    field.post_message(events.Paste(LINK))
    await wait_for(pilot, lambda: field.value == LINK)
    await pilot.pause()
    assert SECRET not in app.export_screenshot()


def test_a_pasted_link(snap_compare: SnapCompare, app: TgtuiApp) -> None:
    """Masked in the field, read as "socks5 10.0.0.5:1080 (with a user name and password)"."""
    assert snap_compare(app, terminal_size=(80, 24), run_before=_link_pasted)


def test_a_pasted_link_in_portuguese(
    snap_compare: SnapCompare, portuguese: None, app: TgtuiApp
) -> None:
    """The same in pt-BR: "Conexão", "Salvar e conectar", "Sem proxy"."""
    assert snap_compare(app, terminal_size=(80, 24), run_before=_link_pasted)
