"""Small files (thumbnails, userpics) are written a group at a time, in a thread: each file
whole at its name or not there, each caller told how its own file went."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from pathlib import Path

import pytest

from tgtui.backup import pictures_pass
from tgtui.backup.media import MediaDownloadError
from tgtui.backup.pictures_pass import GroupWriter


async def test_files_saved_together_are_each_whole_and_a_bad_one_fails_alone(
    tmp_path: Path,
) -> None:
    base = tmp_path / "chat"
    (base / "thumbs").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (base / "linked").symlink_to(outside)  # planted: nothing is written through it
    writer = GroupWriter()
    names = [f"thumbs/{n}.jpg" for n in range(40)]
    results = await asyncio.gather(
        *(writer.save(base / name, name.encode() * 100, base) for name in names),
        writer.save(base / "linked" / "x.jpg", b"x", base),
        return_exceptions=True,
    )
    assert results[:-1] == [None] * len(names)
    assert isinstance(results[-1], MediaDownloadError)
    for name in names:
        path = base / name
        assert path.read_bytes() == name.encode() * 100
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(outside.iterdir()) == []
    assert not list(base.rglob("*.part"))


async def test_the_writes_run_beside_the_event_loop_in_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups: list[tuple[int, bool]] = []  # (files, written off the loop's thread)
    real = pictures_pass.write_group
    loop_thread = threading.get_ident()

    def counted(files: list[tuple[Path, bytes, Path]]) -> list[BaseException | None]:
        groups.append((len(files), threading.get_ident() != loop_thread))
        return real(files)

    monkeypatch.setattr(pictures_pass, "write_group", counted)
    writer = GroupWriter()
    await asyncio.gather(*(writer.save(tmp_path / f"{n}.jpg", b"p", tmp_path) for n in range(100)))
    assert sum(size for size, _ in groups) == 100
    assert all(off for _, off in groups)
    assert len(groups) <= 100 // pictures_pass.GROUP + 1  # not a thread hand-over a file
    assert sorted(os.listdir(tmp_path)) == sorted(f"{n}.jpg" for n in range(100))
