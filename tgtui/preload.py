"""A module imported in a background thread while the main thread waits on the network.

`tgtui backup` needs its engine only once it is connected and has the chat list: four or
five round trips to Telegram after it starts. Importing the engine (and Rich, for the
progress) in the meantime, instead of before connecting, takes it off the path to the first
history request. `Preload` starts that import; `await preload.module()` is its result (and
raises what the import raised).

Start a preload only once the main thread has imported everything it imports while the
preload runs (Telethon, in the commands that connect): two threads importing modules that
import each other could deadlock. And the main thread must await the preload before it
imports any module of the preloaded one's. A command that ends before it awaits the
preload (an error found first) ends once the import has: the thread is not a daemon.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType


class Preload:
    """``name`` imported in a thread of its own, started now."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._done = threading.Event()
        self._module: ModuleType | None = None
        self._error: BaseException | None = None
        # Not a daemon: a command that stops early (a refused session, a bad option) waits
        # for the import to end before the interpreter shuts down. A thread still importing
        # while it does (modules cleared, C extensions loading) is a known way for CPython
        # to crash; a refused `tgtui backup` once ended in SIGSEGV in CI.
        threading.Thread(target=self._load, name=f"import {name}", daemon=False).start()

    def _load(self) -> None:
        try:
            self._module = importlib.import_module(self.name)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the module
            self._error = exc
        finally:
            self._done.set()

    async def module(self) -> ModuleType:
        """The imported module, once the import is done (its exception, if it failed)."""
        if not self._done.is_set():
            import asyncio  # here: `tgtui backup --help` makes a Preload-free parser

            await asyncio.to_thread(self._done.wait)
        if self._error is not None:
            raise self._error
        assert self._module is not None
        return self._module
