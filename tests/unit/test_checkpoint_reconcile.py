"""A checkpoint that does not match its messages.jsonl: the file wins; what the checkpoint
knew of Telegram's updates is kept only when that stays safe."""

from __future__ import annotations

from pathlib import Path

from tgtui.backup.checkpoint import Checkpoint, reconcile, save_checkpoint
from tgtui.backup.writer import encode_record


def _file(folder: Path, ids: list[int]) -> Path:
    jsonl = folder / "messages.jsonl"
    jsonl.write_bytes(b"".join(encode_record({"id": i}) for i in ids))
    return jsonl


def test_a_checkpoint_behind_the_file_keeps_its_pts(tmp_path: Path) -> None:
    # A power cut brought back the previous checkpoint: older than the file.
    jsonl = _file(tmp_path, [1, 2, 3, 4])
    save_checkpoint(tmp_path / "state.json", Checkpoint(7, last_id=2, messages=2, pts=50))
    rebuilt = reconcile(tmp_path / "state.json", jsonl, 7, 4)
    assert (rebuilt.last_id, rebuilt.messages) == (4, 4)  # the file wins
    assert rebuilt.pts == 50  # older than the file: following from it misses nothing


def test_a_checkpoint_ahead_of_the_file_forgets_its_pts(tmp_path: Path) -> None:
    # The file lost lines the checkpoint counted: what it followed is re-checked.
    jsonl = _file(tmp_path, [1, 2])
    save_checkpoint(
        tmp_path / "state.json", Checkpoint(7, last_id=4, messages=4, pts=90, tracked=True)
    )
    rebuilt = reconcile(tmp_path / "state.json", jsonl, 7, 2)
    assert (rebuilt.last_id, rebuilt.messages) == (2, 2)
    assert (rebuilt.pts, rebuilt.tracked) == (None, False)
