"""Choosing chats from the command line, as processes against a sandbox process: `tgtui
chats` lists what Telegram has; `tgtui backup` takes ids, links and names, refuses an
ambiguous name, narrows --all; unattended runs report in lines or JSON, or keep quiet."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient, utils
from telethon.tl import types

from tests.flows.cli_process import run_tgtui
from tests.sandbox_process import start_sandbox_process
from tgtui.telegram.service import CLIENT_OPTIONS


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """300 chats (enough for names shared by several people), small histories, answers a
    little late (so a backup lasts long enough for a heartbeat)."""
    process, info = await start_sandbox_process(
        "--dialogs", "300", "--messages", "400", "--seed", "14", "--latency-ms", "15",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    mine = shutil.copy(info["session"], tmp_path / "test.session")  # the CLI locks the other
    client = TelegramClient(str(mine), info["api_id"], info["api_hash"], **CLIENT_OPTIONS)
    await client.connect()
    dialogs = [
        (dialog, folder)
        for folder in (0, 1)
        for dialog in await client.get_dialogs(folder=folder)  # plain Telethon, not ours
    ]
    info["dialogs"] = dialogs
    info["client"] = client
    yield info
    await client.disconnect()
    process.terminate()
    await process.wait()


def _type(entity: Any) -> str:
    if isinstance(entity, types.User):
        return "bot" if entity.bot else "user"
    if isinstance(entity, types.Channel):
        return "group" if entity.megagroup else "channel"
    return "group"


async def test_chats_lists_every_chat_of_both_folders(
    world: dict[str, Any], tmp_path: Path
) -> None:
    code, out, err = await run_tgtui(tmp_path, world, "chats", "--json")
    assert code == 0, err
    listed = {item["id"]: item for item in json.loads(out)}
    assert len(listed) == len(world["dialogs"]) == 300
    for dialog, folder in world["dialogs"]:
        item = listed[dialog.id]
        assert item["archived"] == (folder == 1)
        assert item["type"] == _type(dialog.entity)
        assert item["username"] == getattr(dialog.entity, "username", None)
        if getattr(dialog.entity, "is_self", False):
            assert item["name"] == "Saved Messages"  # as Telegram's apps name it
        elif not getattr(dialog.entity, "deleted", False) and dialog.name.strip():
            assert item["name"] == " ".join(dialog.name.split())

    code, out, _ = await run_tgtui(tmp_path, world, "chats", "--archived", "--type", "channels")
    assert code == 0
    wanted = {
        d.id for d, folder in world["dialogs"] if folder == 1 and _type(d.entity) == "channel"
    }
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "TYPE", "FOLDER", "NAME"]
    assert {int(line.split()[0]) for line in lines[1:]} == wanted
    assert all(line.split()[1:3] == ["channel", "archive"] for line in lines[1:])


async def test_counts_are_telegrams_message_counts(world: dict[str, Any], tmp_path: Path) -> None:
    code, out, err = await run_tgtui(
        tmp_path, world, "chats", "--type", "bots", "--counts", "--json"
    )
    assert code == 0, err
    items = json.loads(out)
    assert items
    client: TelegramClient = world["client"]
    for item in items:
        total = (await client.get_messages(item["id"], limit=0)).total
        assert item["messages"] == total


def _shared_name(world: dict[str, Any]) -> tuple[str, list[int]]:
    names = Counter(d.name for d, _ in world["dialogs"] if d.name.strip())
    name = next(n for n, count in names.most_common() if count > 1)
    return name, sorted(d.id for d, _ in world["dialogs"] if d.name == name)


async def test_an_ambiguous_name_backs_up_nothing_and_lists_the_candidates(
    world: dict[str, Any], tmp_path: Path
) -> None:
    name, ids = _shared_name(world)
    out = tmp_path / "b"
    code, _, err = await run_tgtui(tmp_path, world, "backup", name.upper(), "--out", str(out))
    assert code == 2
    assert f"fits {len(ids)} chats" in err
    for chat_id in ids:
        assert str(chat_id) in err
    assert not (out / "manifest.json").exists()

    code, _, err = await run_tgtui(
        tmp_path, world, "backup", str(ids[0]), "--no-media", "--out", str(out)
    )
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert [c["id"] for c in manifest["chats"]] == [ids[0]]


async def test_all_narrowed_by_type_folder_and_exclusion_with_json_progress(
    world: dict[str, Any], tmp_path: Path
) -> None:
    channels = [d for d, folder in world["dialogs"] if folder == 0 and _type(d.entity) == "channel"]
    left_out = channels[0]
    link = f"https://t.me/{left_out.entity.username}"
    out = tmp_path / "b"
    code, stdout, err = await run_tgtui(
        tmp_path, world, "backup", "--all", "--type", "channel", "--no-archived",
        "--exclude", link, "--exclude", "Long Gone Chat", "--no-media",
        "--progress", "json", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert "'Long Gone Chat' matches no chat" in err  # noted, not fatal
    events = [json.loads(line) for line in stdout.splitlines()]
    wanted = {utils.get_peer_id(d.entity) for d in channels[1:]}
    assert events[0] == {**events[0], "event": "start", "chats": len(wanted)}
    finished = {e["id"]: e for e in events if e["event"] == "chat_finished"}
    assert set(finished) == wanted
    assert {e["status"] for e in finished.values()} == {"complete"}
    assert {e["id"] for e in events if e["event"] == "chat_started"} == wanted
    assert events[-1]["event"] == "finished"
    assert events[-1]["exit_code"] == 0
    assert events[-1]["new"] == sum(e["new"] for e in finished.values()) > 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert {c["id"] for c in manifest["chats"]} == wanted


async def test_unattended_runs_write_lines_and_a_heartbeat_or_nothing(
    world: dict[str, Any], tmp_path: Path
) -> None:
    groups = [d for d, folder in world["dialogs"] if _type(d.entity) == "group"][:6]
    chosen = [str(d.id) for d in groups]
    out = tmp_path / "b"
    code, stdout, err = await run_tgtui(
        tmp_path, world, "backup", *chosen, "--no-media", "--concurrency", "1",
        "--heartbeat", "0.2", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert stdout == ""
    lines = err.splitlines()
    assert lines[0] == f"backing up {len(chosen)} chats"
    for dialog in groups:
        assert any(line.startswith("started: ") and f"({dialog.id})" in line for line in lines)
        assert any(line.startswith("complete: ") and f"({dialog.id})" in line for line in lines)
    assert any(line.startswith("progress: ") for line in lines), err
    assert "\r" not in err  # no bars drawn into a log
    code, stdout, err = await run_tgtui(
        tmp_path, world, "backup", *chosen, "--quiet", "--out", str(out)
    )
    assert (code, stdout, err) == (0, "", "")


async def test_a_hostile_world_lists_without_reaching_the_terminal(tmp_path: Path) -> None:
    process, info = await start_sandbox_process(
        "--dialogs", "40", "--messages", "50", "--seed", "3", "--hostile",
        "--session-out", str(tmp_path / "s.session"),
    )  # fmt: skip
    try:
        code, table, err = await run_tgtui(tmp_path, info, "chats")
        assert code == 0, err
        code, raw, err = await run_tgtui(tmp_path, info, "chats", "--json")
        assert code == 0, err
    finally:
        process.terminate()
        await process.wait()
    for text in (table, raw):
        assert not any(0x80 <= ord(c) <= 0x9F or c in "\x1b\x07\u202e" for c in text)
    assert len(table.splitlines()) == 41
    assert any("\x1b" in item["name"] for item in json.loads(raw))  # data kept exact
