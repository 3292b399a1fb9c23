"""A hostile world (markup, terminal escapes, controls, bidi, names over 255 bytes in
titles, names, texts and file names): backed up whole, shown literally, nothing reaching the
terminal. The sandbox's `--hostile` world, the real client, the real CLI and the real TUI."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient

from tests.flows.backup_helpers import read_ids, read_records, server_ids, targets
from tests.flows.test_demo_terminal import Terminal
from tests.sandbox_process import start_sandbox_process
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.format.media_paths import ALL_KINDS, MediaFilter
from tgtui.sandbox import SandboxOptions, WorldOptions

# What must never reach a terminal from a server string: escape sequences as sent, NUL,
# a raw C1 CSI, bidi overrides.
PAYLOADS = (
    b"\x1b]52;c;",
    b"\x1b]0;you have been pwned",
    b"\x1b]8;;https://evil.invalid",
    b"\x1b[2J\x1b[HWiped",
    b"NUL\x00byte",
    "C1\x9b31m".encode(),
    "\u202egnp".encode(),
)


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    world = WorldOptions(seed=7, dialogs=24, messages=300, max_file_size=256 * 1024, hostile=True)
    return SandboxOptions(world=world)


def _names_fit(out: Path) -> None:
    """Every name we made fits 255 bytes, and nothing was made outside ``out``."""
    for path in out.rglob("*"):
        assert len(path.name.encode("utf-8")) <= 255, path
        assert path.resolve().is_relative_to(out.resolve())


async def test_every_hostile_chat_is_backed_up_exactly_once(
    app_client: TelegramClient, tmp_path: Path
) -> None:
    chats = await targets(app_client)
    out = tmp_path / "out"
    result = await BackupEngine(
        app_client, BackupOptions(out, media=MediaFilter(ALL_KINDS)), account={"id": 77_777}
    ).run(chats)
    assert [c.status for c in result.chats] == ["complete"] * len(chats)
    assert result.all_complete
    texts: set[str] = set()
    file_names: set[str] = set()
    for chat in result.chats:
        assert read_ids(chat.path) == await server_ids(app_client, chat.target)
        for record in read_records(chat.path):
            texts.add(str(record.get("text", "")))
            if record.get("file_name"):
                file_names.add(str(record["file_name"]))
                assert (chat.path / str(record["file"])).stat().st_size == record["file_size"]
    # The JSONL keeps the originals byte for byte: escapes and all.
    assert any("\x1b]52;c;" in text for text in texts)
    assert "\U0001d401" * 70 + ".pdf" in file_names
    assert "../../../../etc/passwd" in file_names
    _names_fit(out)
    assert not (tmp_path / "etc").exists()


@pytest.fixture
async def hostile_process(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """`tgtui sandbox --hostile` as its own process, with a signed-in session file."""
    process, info = await start_sandbox_process(
        "--hostile", "--dialogs", "20", "--messages", "200", "--seed", "7",
        "--session-out", str(tmp_path / "sandbox.session"),
    )  # fmt: skip
    yield info
    process.terminate()
    await process.wait()


def _env(home: Path, info: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env.update(HOME=str(home), TGTUI_API_ID=str(info["api_id"]), TGTUI_API_HASH=info["api_hash"])
    return env


async def test_cli_backup_of_a_hostile_world_exits_0_and_prints_no_escape(
    hostile_process: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgtui", "backup", "--all", "--session", hostile_process["session"],
        "--out", str(out), "--max-file-size", "0.2",
        env=_env(tmp_path / "home", hostile_process),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    printed, errors = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, errors.decode()
    output = printed + errors
    assert b"\x1b" not in output  # not one escape byte: not theirs, and no colours in a pipe
    assert not [b for b in output if b < 0x20 and b not in b"\n"]
    text = output.decode("utf-8")
    assert "[/r/linux] memes" in text  # markup shown as it is written
    assert "Chat [beta]" in text
    assert "\u241b]52;c;" in text  # the escape, visible and harmless
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["chats"]) == 20
    assert {c["status"] for c in manifest["chats"]} == {"complete"}
    assert manifest["chats"][0]["name"] in {c["name"] for c in manifest["chats"]}
    assert any("\x1b" in c["name"] for c in manifest["chats"])  # the data keeps originals
    _names_fit(out)
    readable = [p for p in [out, *out.rglob("*")] if p.lstat().st_mode & 0o044]
    assert readable == []  # `find OUT -perm /o+r,g+r` finds nothing
    # Searching that backup: names shown literally, and even --json prints no raw escape,
    # C1 control or bidi override, while a JSON reader gets the original text back.
    for extra in ((), ("--json",)):
        search = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tgtui", "search", "--in", str(out), "memes", "--limit", "500",
            *extra, env=_env(tmp_path / "home", hostile_process),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        found, notes = await asyncio.wait_for(search.communicate(), 60)
        assert search.returncode == 0, notes.decode()
        for payload in (b"\x1b", "\x9b".encode(), "\u202e".encode(), b"\x00"):
            assert payload not in found + notes
    hits = [json.loads(line) for line in found.splitlines()]
    assert any("\x1b" in hit["chat"] for hit in hits)  # the original, escapes and all


def test_the_tui_shows_a_hostile_world_and_nothing_reaches_the_terminal(tmp_path: Path) -> None:
    async def start() -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
        return await start_sandbox_process(
            "--hostile", "--dialogs", "20", "--messages", "120", "--seed", "7",
            "--session-out", str(tmp_path / "sandbox.session"),
        )  # fmt: skip

    loop = asyncio.new_event_loop()
    sandbox, info = loop.run_until_complete(start())
    env = _env(tmp_path / "home", info)
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="36")
    terminal = Terminal(
        [sys.executable, "-m", "tgtui", "--session", info["session"]], env, (36, 120)
    )
    try:
        terminal.wait_for(r"(\d[\d,]*) (of [\d,]+ )?chats")
        terminal.wait_for(r"\[/r/linux\] memes")  # literally, not eaten as markup
        terminal.wait_for(r"Chat \[beta\]")
        terminal.wait_for("\u241b\\]52;c;")  # the OSC 52 shown as text
        terminal.type("\r")  # the first chat's messages, hostile texts among them
        terminal.wait_for(r"Wiped screen|memes|Clipboard")
        terminal.read(1.0)
        terminal.type("\x11")  # ctrl+q
        assert terminal.close() == 0
    finally:
        if terminal.process.poll() is None:
            os.killpg(terminal.process.pid, signal.SIGKILL)
        sandbox.send_signal(signal.SIGTERM)
        loop.run_until_complete(sandbox.wait())
        loop.close()
    for payload in PAYLOADS:
        assert payload not in terminal.raw, payload
