"""One key map for the whole app: a key does one kind of thing on every screen (read from
the bindings themselves), Escape goes back one step, Enter does the obvious thing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections import defaultdict
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode

import tgtui.screens
import tgtui.widgets
from tests.reader.helpers import SIZE, on_cursor, reader
from tests.tui.helpers import wait_for
from tgtui.config import CLOSED_BY_ITS_KEY, KEY_KINDS, key_kind
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.export import ExportScreen
from tgtui.screens.help import HelpScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.search import HitList, SearchScreen


def _bindings() -> list[tuple[str, Binding]]:
    """(class name, binding) for every binding of every tgtui screen, widget and app."""
    for package in (tgtui.screens, tgtui.widgets):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)
    importlib.import_module("tgtui.app")
    importlib.import_module("tgtui.reader_app")
    found: list[tuple[str, Binding]] = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("tgtui."):
            continue
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, DOMNode) and value.__module__ == name:
                for binding in value.__dict__.get("BINDINGS", []):
                    if isinstance(binding, Binding):
                        found.append((value.__name__, binding))
    return found


def _keys(binding: Binding) -> list[str]:
    return [key.strip() for key in binding.key.split(",")]


def test_a_key_does_one_kind_of_thing_on_every_screen() -> None:
    bindings = _bindings()
    assert all(binding.id for _where, binding in bindings)
    keys_of_id: dict[str, set[str]] = defaultdict(set)
    for _where, binding in bindings:
        keys_of_id[str(binding.id)].update(_keys(binding))
    kinds: dict[str, set[str]] = defaultdict(set)
    places: dict[str, list[str]] = defaultdict(list)
    for where, binding in bindings:
        ident = str(binding.id)
        for key in _keys(binding):
            openers = CLOSED_BY_ITS_KEY.get(ident, frozenset())
            if any(key in keys_of_id[opener] for opener in openers):
                continue  # the key that opened a window closes it again
            kinds[key].add(key_kind(ident))
            places[key].append(f"{where}:{ident}")
    mixed = {key: sorted(places[key]) for key, found in kinds.items() if len(found) > 1}
    assert mixed == {}
    # Escape only ever goes back; Enter only ever opens or starts what is in front.
    assert kinds["escape"] == {"back"}
    assert kinds["enter"] == {"open"}
    # The table names only ids that exist.
    ids = {str(binding.id) for _where, binding in bindings}
    assert set().union(*KEY_KINDS.values()) <= ids


def test_the_keys_the_issue_found_mixed_are_one_thing_now() -> None:
    """/ filters, s and Ctrl+F search, e exports, x cancels, g goes to the first: wherever
    they are bound."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for _where, binding in _bindings():
        for key in _keys(binding):
            by_key[key].add(key_kind(str(binding.id)))
    assert by_key["slash"] == {"filter"}
    assert by_key["s"] == by_key["ctrl+f"] == {"search"}
    assert by_key["e"] == {"export"}
    assert by_key["g"] == by_key["home"] == {"move"}


async def test_escape_goes_back_one_step_and_enter_opens(backup: Path) -> None:
    app = reader(backup)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        archive = app.screen
        # The archive: s searches; Enter in the words goes to the results, Enter opens one.
        await pilot.press("s", *"garden", "enter")
        search = app.screen
        assert isinstance(search, SearchScreen)
        await wait_for(pilot, lambda: search.shown_for == "garden", within=30)
        hits = search.query_one(HitList)
        await wait_for(pilot, lambda: hits.has_focus)
        await pilot.press("down", "enter")
        hit = hits.hits[1]
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        chat = app.screen
        await wait_for(pilot, lambda: on_cursor(app)["id"] == hit.message_id)
        # Escape: back to the results, as they were (the cursor on the hit opened).
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is search)
        assert hits.current == hit
        assert chat not in app.screen_stack
        # Escape again: back to the archive.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)
        # A search inside a chat: the hit opens over the results too.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        reading = app.screen
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is reading)
        # ? opens the keys; Escape closes them, and only them.
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is reading)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)
        # Escape on a filter drops it before it leaves anything.
        await pilot.press("slash", "q")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)


async def test_enter_starts_the_export_from_where_the_dialog_opens(
    backup: Path, tmp_path: Path
) -> None:
    app = reader(backup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        out = tmp_path / "out"
        dialog.query_one("#export-out").value = str(out)  # type: ignore[attr-defined]
        await pilot.press("enter")  # no Tab needed: the format has the focus
        await wait_for(pilot, lambda: dialog.result is not None, within=60)
        assert dialog.result is not None
        assert dialog.result.summary is not None
        assert (out / "index.html").is_file()
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
