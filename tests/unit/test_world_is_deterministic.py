"""The sandbox's world is a function of its seed: everything a client is shown (entities,
messages, avatars' pictures, Saved Messages) is the same for the same seed, and not for
another (issue 17: "keep the world deterministic per seed")."""

from __future__ import annotations

import hashlib

from tgtui.sandbox.history import History
from tgtui.sandbox.world import World, WorldOptions


def _seen(seed: int) -> str:
    world = World(WorldOptions(seed=seed, dialogs=200, messages=400))
    history = History(world)
    history.file_reference_clock = lambda: 0.0  # references record when they were handed out
    digest = hashlib.sha256()
    for index in range(len(world)):
        chat = world.chat(index)
        entity = world.entity(chat)
        digest.update(bytes(entity))
        for k in range(1, min(chat.count, 20) + 1):
            digest.update(bytes(history.message(chat, k)))
        photo = getattr(entity, "photo", None)
        photo_id = getattr(photo, "photo_id", None)
        if photo_id is not None:
            digest.update(world.avatars.picture(photo_id, "a") or b"")
    saved = world.saved()
    assert saved is not None
    digest.update(bytes(history.top_message(saved)))
    return digest.hexdigest()


def test_the_same_seed_makes_the_same_world_and_another_seed_another() -> None:
    assert _seen(7) == _seen(7)
    assert _seen(7) != _seen(8)
