"""`tgtui export --copy` copies a media file with its holes left holes: a stranger's backup
with a sparse file (``truncate -s 1T``) would otherwise have the export write its apparent
size, zeros, to the user's disk. The copy reads back byte for byte as the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tgtui.export.files import FilePlacer
from tgtui.format.safe_files import copy_with_holes

GIB = 1 << 30


def _on_disk(path: Path) -> int:
    return os.stat(path).st_blocks * 512


def _sparse(path: Path, size: int, pieces: dict[int, bytes]) -> None:
    with path.open("wb") as handle:
        for at, data in pieces.items():
            handle.seek(at)
            handle.write(data)
        handle.truncate(size)
    if _on_disk(path) > 64 << 20:
        pytest.skip("this filesystem keeps no holes")


def _placer(tmp_path: Path) -> FilePlacer:
    return FilePlacer(tmp_path / "backup", tmp_path / "export", {}, copy=True)


@pytest.mark.skipif(not hasattr(os, "SEEK_HOLE"), reason="no holes to keep here")
def test_a_planted_sparse_file_is_copied_as_the_room_it_takes(tmp_path: Path) -> None:
    source = tmp_path / "planted.bin"
    pieces = {0: b"head" * 1000, 600 << 20: os.urandom(70_000), GIB - 3: b"end"}
    _sparse(source, GIB, pieces)
    target = tmp_path / "copy.bin"
    placer = _placer(tmp_path)
    placer.put(source, target)
    assert placer.tally.copied == 1
    assert target.stat().st_size == GIB
    assert _on_disk(target) < 16 << 20  # not a gibibyte of zeros
    with target.open("rb") as copy:
        for at, data in pieces.items():
            copy.seek(at)
            assert copy.read(len(data)) == data
        copy.seek(300 << 20)
        assert copy.read(4096) == bytes(4096)  # a hole reads as zeros, as in the file


@pytest.mark.skipif(not hasattr(os, "SEEK_HOLE"), reason="no holes to keep here")
def test_a_file_that_is_all_hole_is_copied_empty_of_data(tmp_path: Path) -> None:
    source = tmp_path / "holes.bin"
    _sparse(source, 100 << 20, {})
    target = tmp_path / "copy.bin"
    _placer(tmp_path).put(source, target)
    assert target.stat().st_size == 100 << 20
    assert _on_disk(target) < 1 << 20


def test_a_dense_file_is_copied_byte_for_byte(tmp_path: Path) -> None:
    source = tmp_path / "photo.jpg"
    data = os.urandom(3 * (1 << 20) + 12_345)
    source.write_bytes(data)
    target = tmp_path / "copy.jpg"
    target.touch()
    with source.open("rb") as read, target.open("r+b") as write:
        assert copy_with_holes(read.fileno(), write.fileno()) == len(data)
    assert target.read_bytes() == data


def test_an_empty_file_is_copied_empty(tmp_path: Path) -> None:
    source = tmp_path / "empty"
    source.touch()
    target = tmp_path / "copy"
    _placer(tmp_path).put(source, target)
    assert target.read_bytes() == b""
