"""Flood limits kept between runs: per account, and a bad file costs nothing but the limits."""

from __future__ import annotations

from pathlib import Path

from tgtui.backup.pace import load_paces, save_paces
from tgtui.retry import Pace


def test_paces_round_trip_per_account(tmp_path: Path) -> None:
    path = tmp_path / "state" / "flood-limits.json"
    assert load_paces(path, 1) == {}
    save_paces(path, 1, {"messages.getHistory": Pace(27, 30.0)})
    save_paces(path, 2, {"upload.getFile": Pace(100, 10.0)})
    assert load_paces(path, 1) == {"messages.getHistory": Pace(27, 30.0)}
    assert load_paces(path, 2) == {"upload.getFile": Pace(100, 10.0)}
    assert load_paces(path, 3) == {}


def test_an_unreadable_file_means_starting_without_limits(tmp_path: Path) -> None:
    path = tmp_path / "flood-limits.json"
    for junk in ("{not json", "[1, 2]", '{"1": {"m": {"count": "x"}}}', '{"1": 5}'):
        path.write_text(junk)
        assert load_paces(path, 1) == {}
    save_paces(path, 1, {"m": Pace(3, 1.5)})  # and the next save replaces it
    assert load_paces(path, 1) == {"m": Pace(3, 1.5)}
