"""A chat's last batch and checkpoint are written in a thread (`tgtui.backup.files.on_disk`):
the event loop reads other chats meanwhile, and a cancel never leaves the write half done or
lets a clean-up write the same batch again while it still runs."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tgtui.backup.files import on_disk


async def test_the_write_runs_in_a_thread_while_the_loop_goes_on() -> None:
    started, release = threading.Event(), threading.Event()
    ran_in: list[str] = []

    def write() -> int:
        ran_in.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        return 7

    task = asyncio.create_task(on_disk(write))
    await asyncio.to_thread(started.wait, 10)  # the loop is free while the write waits
    await asyncio.sleep(0.01)
    assert not task.done()
    release.set()
    assert await task == 7
    assert ran_in[0] != threading.current_thread().name


async def test_a_cancel_waits_for_the_write_to_end_then_is_raised() -> None:
    started, release = threading.Event(), threading.Event()
    writes: list[str] = []

    def write() -> None:
        started.set()
        release.wait(10)
        writes.append("batch")

    async def chat() -> None:
        try:
            await on_disk(write)
        finally:
            # What a chat's clean-up does after a cancel: it must find the write done.
            writes.append("clean-up")

    task = asyncio.create_task(chat())
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    await asyncio.sleep(0.02)
    assert not task.done()  # still waiting for the write, not cleaning up beside it
    task.cancel()  # a second cancel does not cut the wait short either
    await asyncio.sleep(0.02)
    assert not task.done()
    assert writes == []
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert writes == ["batch", "clean-up"]


async def test_the_writes_error_is_the_callers() -> None:
    def write() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        await on_disk(write)
