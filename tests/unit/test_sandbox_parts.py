"""Sandbox building blocks that need no network."""

from __future__ import annotations

import pytest

from tgtui.sandbox.crypto import DH_G, DH_PRIME
from tgtui.sandbox.faults import Faults, FaultSpecError, FloodLimit
from tgtui.sandbox.handshake import _is_probable_prime
from tgtui.sandbox.world import Kind, World, WorldOptions


def test_dh_prime_is_a_safe_prime_for_generator_3() -> None:
    assert DH_PRIME.bit_length() == 2048
    assert _is_probable_prime(DH_PRIME)
    assert _is_probable_prime((DH_PRIME - 1) // 2)
    assert DH_G == 3
    assert DH_PRIME % 3 == 2


def test_same_seed_same_world_and_exact_dialog_count() -> None:
    a = World(WorldOptions(seed=5, dialogs=500))
    b = World(WorldOptions(seed=5, dialogs=500))
    c = World(WorldOptions(seed=6, dialogs=500))
    assert [a.display_name(a.chat(i)) for i in range(50)] == [
        b.display_name(b.chat(i)) for i in range(50)
    ]
    assert [a.display_name(a.chat(i)) for i in range(50)] != [
        c.display_name(c.chat(i)) for i in range(50)
    ]
    assert len(a.order[0]) + len(a.order[1]) == 500
    assert {a.chat(i).kind for i in range(500)} == set(Kind)


def test_biggest_chat_has_the_requested_size() -> None:
    world = World(WorldOptions(dialogs=50, messages=1_000_000))
    assert world.chat(0).count == 1_000_000
    assert all(world.chat(i).count <= 1_000_000 for i in range(50))


def test_flood_window_counts_and_reports_remaining() -> None:
    faults = Faults(flood={"m": FloodLimit(2, 10)})
    assert faults.flood_wait(1, "m", now=100.0) == 0
    assert faults.flood_wait(1, "m", now=101.0) == 0
    assert faults.flood_wait(1, "m", now=103.5) == 7  # ceil(100 + 10 - 103.5)
    assert faults.flood_wait(2, "m", now=103.5) == 0  # another account
    assert faults.flood_wait(1, "other", now=103.5) == 0
    assert faults.flood_wait(1, "m", now=110.0) == 0  # the first call left the window


def test_fault_specs_parse() -> None:
    faults = Faults()
    for spec in (
        "flood:messages.getHistory=30/30",
        "latency=50ms",
        "bandwidth=2M",
        "drop-after=100",
        "drop-rate=0.01",
        "rpc500=0.1",
        "rpc500:upload.getFile=0.5",
        "file-ref-ttl=10",
        "private=-1001500000007,-3000002",
        "takeout-delay=60",
    ):
        faults.apply(spec)
    assert faults.flood["messages.getHistory"] == FloodLimit(30, 30.0)
    assert faults.latency == 0.05
    assert faults.bandwidth == 2 * 1024 * 1024
    assert faults.rpc500 == {"*": 0.1, "upload.getFile": 0.5}
    assert faults.private == {-1001500000007, -3000002}
    for bad in ("latency", "nonsense=1", "flood:m=x/y", "drop-after=many"):
        with pytest.raises(FaultSpecError):
            faults.apply(bad)
