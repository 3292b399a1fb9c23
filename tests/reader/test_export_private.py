"""`tgtui export` is as private as the backup it comes from: its pages and result.json are
0600 in 0700 folders, its media are the backup's own files (hard links, said so) or copies
with --copy, and a hidden folder left by an export killed with SIGKILL is cleaned up by the
next export there, and nothing else is."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _export(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`tgtui export ARGS` as a user runs it, with the usual umask (022)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env["HOME"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0o022); from tgtui.cli import main; "
         "sys.exit(main())", "export", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _media(export: Path) -> list[Path]:
    """The media files (not the thumbnails and userpics the pages show, not counted)."""
    return [
        p
        for p in export.glob("chats/*/*/*")
        if p.is_file() and p.name != "result.json" and p.parent.name != "thumbs"
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="modes mean nothing on Windows")
def test_the_export_is_private_and_its_media_are_the_backups_own_files(
    backup: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    done = _export(tmp_path, str(backup), "--out", str(out))
    assert done.returncode == 0, done.stderr
    folders = [out, *(p for p in out.rglob("*") if p.is_dir())]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {_mode(p) for p in folders} == {0o700}
    assert {p.name for p in files} >= {"result.json", "index.html", "messages.html", "style.css"}
    assert {(p.relative_to(out), _mode(p)) for p in files if _mode(p) != 0o600} == set()
    media = _media(out)
    assert media
    for exported in media:  # the backup's file itself, under a second name
        assert exported.stat().st_nlink >= 2
    backup_inodes = {p.stat().st_ino for p in backup.rglob("*") if p.is_file()}
    assert {p.stat().st_ino for p in media} <= backup_inodes
    assert "linked" in done.stderr


def test_copy_makes_media_of_its_own(backup: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    done = _export(tmp_path, str(backup), "--out", str(out), "--copy")
    assert done.returncode == 0, done.stderr
    media = _media(out)
    assert media
    assert {p.stat().st_nlink for p in media} == {1}
    if sys.platform != "win32":
        assert {_mode(p) for p in media} == {0o600}
    assert f"files: 0 linked, {len(media)} copied" in done.stderr


def test_help_says_media_are_hard_links_and_offers_copies(tmp_path: Path) -> None:
    done = _export(tmp_path, "--help")
    assert done.returncode == 0
    said = " ".join(done.stdout.split())
    assert "hard links to the backup's" in said
    assert "--copy" in said


def _killed_export(backup: Path, out: Path) -> Path:
    """An export killed with SIGKILL in the middle; the hidden folder it leaves."""
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from tgtui.archive.folder import open_archive\n"
        "from tgtui.export.run import export_backup\n"
        "def kill(done, total):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "export_backup(open_archive(Path(sys.argv[1])), Path(sys.argv[2]), 'both', progress=kill)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(backup), str(out)])
    assert process.wait(timeout=120) == -signal.SIGKILL
    left = out.parent / f".{out.name}.partial-{process.pid}"
    assert left.is_dir()
    assert not out.exists()
    return left


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and a dead pid are POSIX's")
def test_a_later_export_removes_what_a_killed_one_left_and_nothing_else(
    backup: Path, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    left = _killed_export(backup, exports / "monday")
    # Hidden folders that look like an export's but are not a dead export's own: kept.
    dead_pid = left.name.rsplit("-", 1)[1]
    someone = exports / f".notes.partial-{dead_pid}"  # a dead pid, but not what we write
    someone.mkdir()
    (someone / "diary.txt").write_text("mine")
    running = exports / f".tuesday.partial-{os.getpid()}"  # an export still running
    (running / "chats").mkdir(parents=True)
    plain = exports / ".partial-notes"
    plain.mkdir()
    out = exports / "wednesday"
    done = _export(tmp_path, str(backup), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert not left.exists()
    assert sorted(p.name for p in exports.iterdir()) == sorted(
        [someone.name, running.name, plain.name, "wednesday"]
    )
    assert (someone / "diary.txt").read_text() == "mine"
