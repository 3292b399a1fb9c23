"""Helpers for backup tests: pick sandbox chats, read a backup back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from telethon import TelegramClient

from tgtui.backup.selection import ChatTarget, all_dialogs, target_of


async def targets(client: TelegramClient, count: int | None = None) -> list[ChatTarget]:
    """Chats with history (not the self chat), biggest variety first."""
    rows = [r for r in await all_dialogs(client) if r.peer is not None]
    chosen = [target_of(r) for r in rows if not r.is_self]
    return chosen if count is None else chosen[:count]


def read_ids(folder: Path) -> list[int]:
    """Message ids of a chat's messages.jsonl, in file order."""
    lines = (folder / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["id"] for line in lines]


def read_records(folder: Path) -> list[dict[str, Any]]:
    """Records of a chat's messages.jsonl."""
    lines = (folder / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


async def server_ids(client: TelegramClient, target: ChatTarget) -> list[int]:
    """Every message id the server has for the chat, ascending (read independently)."""
    return sorted(
        [m.id async for m in client.iter_messages(target.input_peer, limit=None, wait_time=0)]
    )


def jsonl_contents(out: Path) -> dict[Path, bytes]:
    """Every messages.jsonl under a backup folder, byte for byte."""
    return {path: path.read_bytes() for path in out.rglob("messages.jsonl")}
