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


def skip_exit_collections() -> None:
    """Spare the interpreter's teardown its collections, once a command is done.

    At exit Python clears every module and collects after each step, walking every object
    still tracked: Telethon's thousands of types and what the command made, 70 to 100 ms of
    a `tgtui backup` that had nothing new (a third of its time, measured 2026-12-06). Frozen
    objects are not walked. Nothing tgtui leaves at exit needs a collection: every file is
    flushed and closed by its owner (the batch writer fsyncs each batch, loguru closes the
    log at exit, from `atexit`, which still runs); frozen objects are still freed by
    reference counting as the modules are cleared. For the command's process only: a test
    calling `tgtui.cli.main` goes on collecting.
    """
    gc.freeze()
