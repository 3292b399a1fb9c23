"""Keeping Python's cyclic garbage collector from stalling the screen.

A full collection walks every tracked object: the imported modules, Telethon's types, the
chat list's rows. With a few hundred thousand of them that is 60-90 ms, long enough to make a
key press or a frame visibly late while a backup runs. Objects that live for the rest of the
run (modules, loaded chats) are moved to the permanent generation with `gc.freeze()`, so
collections only walk what is new. Frozen objects are still freed by reference counting when
they are dropped; only cyclic garbage among them would wait, and they hold no cycles worth
speaking of.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Take every object alive now out of future collections.

    The young generations are collected first (a few milliseconds), so fresh cyclic garbage
    is freed rather than frozen for good.
    """
    gc.collect(1)
    gc.freeze()
