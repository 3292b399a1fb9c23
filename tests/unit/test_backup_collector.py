"""`tgtui backup` runs with the garbage collector tuned for it (start-up's objects frozen, the
youngest generation collected less often: the CPU a message costs fell to a plain Telethon
script's), and leaves it as it found it."""

from __future__ import annotations

import gc

import pytest

from tgtui.commands.backup_run import collected_for_a_backup


def test_the_run_freezes_start_up_and_collects_less_often_then_undoes_it() -> None:
    before = gc.get_threshold()
    with collected_for_a_backup():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > before[0]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_run_that_fails_leaves_the_collector_as_it_was() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collected_for_a_backup():
        raise RuntimeError("the run stopped")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
