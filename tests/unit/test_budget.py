"""The run's budget of requests in flight: how it grows, shrinks and hands out slots."""

from __future__ import annotations

import asyncio

import pytest

from tgtui.backup.budget import PROBE, START, Budget


def test_it_starts_small_and_waits_out_the_probe_before_growing() -> None:
    budget = Budget(32)
    assert budget.limit == START
    for _ in range(PROBE):
        budget.answered(0.05)
    assert budget.limit == START  # a limit met within the probe is met with START in flight
    budget.answered(0.05)
    assert budget.limit == START + 1


def test_fast_answers_double_it_up_to_the_ceiling() -> None:
    budget = Budget(20, known_limit=True)
    for _ in range(START):  # one round trip's answers
        budget.answered(0.05)
    assert budget.limit == 2 * START
    for _ in range(100):
        budget.answered(0.05)
    assert budget.limit == 20


def test_a_slow_answer_ends_the_doubling_then_it_grows_by_one_per_round_trip() -> None:
    budget = Budget(64, known_limit=True)
    for _ in range(8):
        budget.answered(0.05)
    grown = budget.limit
    budget.answered(0.5)  # a queue: ten times the fastest
    assert budget.limit == grown - 1
    before = budget.limit
    for _ in range(before - 1):
        budget.answered(0.05)
    assert budget.limit == before  # not yet a round trip's worth
    budget.answered(0.05)
    assert budget.limit == before + 1


def test_a_flood_halves_it_once_per_wave_and_ends_growth() -> None:
    budget = Budget(32, known_limit=True)
    for _ in range(12):
        budget.answered(0.05)
    assert budget.limit == 16
    for _ in range(5):  # every request in flight met the same FLOOD_WAIT
        budget.flooded()
    assert budget.limit == 8
    for _ in range(50):
        budget.answered(0.05)
    assert budget.limit == 8
    budget.flooded()  # a later wave
    assert budget.limit == 4


def test_share_splits_it_between_chats() -> None:
    budget = Budget(32, known_limit=True)
    for _ in range(28):
        budget.answered(0.05)
    assert budget.limit == 32
    assert budget.share(1) == 32
    assert budget.share(5) == 6
    assert budget.share(100) == 1  # every chat keeps one request going
    assert budget.share(2, taken=10) == 11  # ten chats read a page at a time: the rest
    assert budget.share(1, taken=40) == 1


async def test_no_more_than_the_limit_in_flight_first_come_first_served() -> None:
    budget = Budget(3, start=3, known_limit=True)
    order: list[int] = []
    release = asyncio.Event()

    async def request(n: int) -> None:
        async with budget.slot():
            order.append(n)
            await release.wait()

    tasks = [asyncio.create_task(request(n)) for n in range(7)]
    await asyncio.sleep(0.01)
    assert budget.in_flight == 3
    assert order == [0, 1, 2]
    release.set()
    await asyncio.gather(*tasks)
    assert order == list(range(7))
    assert budget.peak == 3
    assert budget.in_flight == 0


async def test_a_waiter_cancelled_after_being_woken_passes_its_slot_on() -> None:
    budget = Budget(1, start=1, known_limit=True)
    got: list[str] = []
    first = asyncio.Event()

    async def holder() -> None:
        async with budget.slot():
            await first.wait()

    async def waiter(name: str) -> None:
        async with budget.slot():
            got.append(name)

    hold = asyncio.create_task(holder())
    await asyncio.sleep(0)
    second = asyncio.create_task(waiter("second"))
    third = asyncio.create_task(waiter("third"))
    await asyncio.sleep(0)
    first.set()
    await asyncio.sleep(0)  # the holder leaves: "second" is woken ...
    second.cancel()  # ... and cancelled before it runs
    await asyncio.gather(hold, third)
    with pytest.raises(asyncio.CancelledError):
        await second
    assert got == ["third"]
    assert budget.in_flight == 0


async def test_growth_wakes_those_waiting() -> None:
    budget = Budget(8, start=1, known_limit=True)
    inside = 0
    gate = asyncio.Event()

    async def request() -> None:
        nonlocal inside
        async with budget.slot():
            inside += 1
            await gate.wait()

    tasks = [asyncio.create_task(request()) for _ in range(4)]
    await asyncio.sleep(0.01)
    assert inside == 1
    budget.answered(0.05)  # one fast answer (of another request): room for one more
    await asyncio.sleep(0.01)
    assert inside == 2
    gate.set()
    await asyncio.gather(*tasks)


async def test_requests_the_probe_is_not_about_go_out_together_during_it() -> None:
    """A channel's difference (one per channel: all an incremental run with nothing new
    asks) is not held at START while the history probe lasts; history requests are, and the
    others' answers neither end the probe nor grow the limit."""
    budget = Budget(16)
    held: list[asyncio.Event] = []

    async def hold(probed: bool) -> None:
        async with budget.slot(probed=probed):
            done = asyncio.Event()
            held.append(done)
            await done.wait()

    others = [asyncio.ensure_future(hold(False)) for _ in range(16)]
    await asyncio.sleep(0)
    assert budget.in_flight == 16  # up to the ceiling, not START
    history = asyncio.ensure_future(hold(True))
    await asyncio.sleep(0)
    assert budget.in_flight == 16  # history waits for room under the probe's limit
    for _ in range(PROBE + 10):
        budget.answered(0.05, probed=False)
    assert budget.limit == START  # the probe still holds for history
    for done in held:
        done.set()
    await asyncio.gather(*others)
    for done in held:
        done.set()
    await history
    assert budget.in_flight == 0
