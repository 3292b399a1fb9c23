"""A backup folder as a stranger might send it, made by hand (no sandbox): a manifest, chats
of lines written as given (whole records, or any bytes), and `tgtui` run on it as a user runs
it (a process, with a timeout and a memory limit, so a hang or a runaway read fails fast)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tgtui

DATE = 1_767_225_600  # 2026-01-01, UTC
MEMORY_LIMIT = 2 << 30  # a child reading /dev/zero whole dies of it at once, not the machine


def message(message_id: int, text: str, **fields: Any) -> dict[str, Any]:
    """A plain message record, as tgtui writes one."""
    return {
        "id": message_id,
        "type": "message",
        "date": "2026-01-01T00:00:00",
        "date_unixtime": str(DATE + message_id * 60),
        "from": "Ana",
        "from_id": "user1",
        "text": text,
        "text_entities": [{"type": "plain", "text": text}],
        **fields,
    }


def line(record: object) -> bytes:
    """A record as a JSONL line (ASCII JSON, so half a surrogate pair can be written)."""
    return json.dumps(record).encode("ascii") + b"\n"


@dataclass
class Chat:
    """A chat of the backup: its manifest entry and its messages.jsonl, line by line."""

    id: int
    name: str
    lines: list[bytes] = field(default_factory=list)
    folder: str = ""

    @property
    def path(self) -> str:
        """Its folder, relative to the backup."""
        return self.folder or f"chats/{abs(self.id)}_chat"

    def entry(self) -> dict[str, Any]:
        """Its manifest entry."""
        return {
            "id": self.id,
            "name": self.name,
            "type": "private_group",
            "path": self.path,
            "messages": len(self.lines),
            "status": "complete",
        }


def write_backup(root: Path, chats: list[Chat], manifest: object = None) -> Path:
    """A backup in ``root`` holding ``chats`` (its manifest: ``manifest`` if given)."""
    root.mkdir(parents=True, exist_ok=True)
    for chat in chats:
        folder = root / chat.path
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "messages.jsonl").write_bytes(b"".join(chat.lines))
    if manifest is None:
        manifest = {
            "schema_version": 1,
            "account": {"id": 77, "name": "Me"},
            "chats": [chat.entry() for chat in chats],
        }
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def two_chats(root: Path, extra: list[bytes] | None = None) -> tuple[Chat, Chat]:
    """A backup of two chats: "Family" (three good messages around ``extra`` lines, each
    good one saying "riverword") and "Work" (two, saying "otherword")."""
    family = Chat(
        -100_1,
        "Family",
        [line(message(1, "riverword one")), *(extra or []), line(message(1000, "riverword two"))],
    )
    family.lines.append(line(message(1001, "riverword three")))
    work = Chat(
        -100_2, "Work", [line(message(1, "otherword one")), line(message(2, "otherword two"))]
    )
    write_backup(root, [family, work])
    return family, work


def plant(path: Path, kind: str) -> None:
    """Replace ``path`` by a FIFO ("fifo") or by a link to /dev/zero (any other kind)."""
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


def limit_memory() -> None:
    """In the child, before it runs: at most `MEMORY_LIMIT` of address space."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def tgtui_run(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m tgtui ARGS` as a user runs it (this checkout's tgtui), its output as text;
    TimeoutExpired if it hangs."""
    package_root = str(Path(tgtui.__file__).resolve().parent.parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env.update(HOME=str(home), PYTHONPATH=package_root, COLUMNS="200")
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "tgtui", *args],
        capture_output=True,
        text=True,
        errors="strict",
        timeout=timeout,
        env=env,
        cwd=home,
        preexec_fn=limit_memory if sys.platform == "linux" else None,
        check=False,
    )


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    """The process said what went wrong in words, not with a Python traceback."""
    assert "Traceback" not in done.stderr, done.stderr
    assert "Error:" not in done.stderr.replace("tgtui", ""), done.stderr


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header says ``width`` x ``height`` (a few bytes that would decompress to
    gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )
