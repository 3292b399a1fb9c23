"""The world stays lazy: huge chats and many dialogs cost little memory."""

from __future__ import annotations

import tracemalloc

from tgtui.sandbox.history import History
from tgtui.sandbox.world import World, WorldOptions


def test_million_message_chat_is_generated_on_demand() -> None:
    tracemalloc.start()
    try:
        world = World(WorldOptions(dialogs=10_000, messages=1_000_000))
        history = History(world)
        chat = world.chat(0)
        view = history.view(chat)
        assert len(view) == 1_000_000
        # Jump deep by id and by date without materialising the history.
        j = view.first_below_id(chat.id_base + 500_001)
        assert view[j] == chat.id_base + 500_000
        date = history.date_of(chat, 250_000)
        k = view.first_below_date(date)
        assert view.date_at(k) < date <= view.date_at(k - 1)
        assert view.message_at(j).id == chat.id_base + 500_000
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
