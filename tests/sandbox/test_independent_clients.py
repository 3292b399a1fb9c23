"""Clients written elsewhere, as they ship, against the sandbox: GramJS (npm `telegram`,
JavaScript, layer 198) and pyrofork (PyPI, a Pyrogram, layer 220). Each logs in afresh with
the code and the 2FA password, lists every dialog, reads one chat's whole history, pages a
search to its end, downloads a photo and a document of several parts (from DC 1, where the
world's files live); what it saw must be what Telethon (layer 229) sees on the same world:
the same dialogs in the same order, the same message ids, the same bytes, and the document's
bytes the sandbox's own (`FileStore.whole`), fetched with more than one `upload.getFile`.

The only change made to either client is the one any test server needs: trust the sandbox's
RSA key and dial its ports. Telegram reads requests and writes answers in the layer each
connection declares (core.telegram.org/api/invoking#layers); these clients declare layers
older than Telethon's, so they pass only if the sandbox does too.

The npm packages are pinned in tests/sandbox/clients/package-lock.json (`.ci/run` installs
them with `npm ci`); pyrofork is in the test extra. Without node, the GramJS test skips on a
developer's machine and fails under CI.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient, utils
from telethon.tl import types

from tests.conftest import ClientFactory
from tgtui.sandbox import (
    API_HASH,
    API_ID,
    DEMO_CODE,
    DEMO_PASSWORD,
    DEMO_PHONE,
    SandboxOptions,
    SandboxServer,
    WorldOptions,
)
from tgtui.sandbox.search import words
from tgtui.sandbox.world import HOME_DC

CLIENTS = Path(__file__).parent / "clients"
SEARCH_PAGE = 100  # messages.search answers at most this many a request
RUN_TIMEOUT = 240.0
# The biggest chat opens with a document of this size (WorldOptions.files): more than one
# part for every client (GramJS asks 128 KiB a request, Telethon 512 KiB, Pyrogram 1 MiB),
# its last part short and not a multiple of 4 KiB.
DOCUMENT_SIZE = 3 * 1024 * 1024 + 512 * 1024 + 4321
BIGGEST_PART = 1024 * 1024  # Telegram's largest upload.getFile limit


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world (every dialog and a whole chat are read by slow clients) whose biggest
    chat opens with a document of several parts."""
    return SandboxOptions(
        world=WorldOptions(seed=11, dialogs=40, messages=900, files=(DOCUMENT_SIZE,))
    )


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed: .ci/run must install it")
        pytest.skip("node is not installed on this machine")
    return node


def _npm_installed() -> None:
    """The pinned npm packages (CI installed them; a developer's first run installs them)."""
    if (CLIENTS / "node_modules" / "telegram" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install the pinned clients (tests/sandbox/clients)")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENTS, check=True, capture_output=True
    )


def _config(
    sandbox: SandboxServer, chat: int, word: str, document: dict[str, Any]
) -> dict[str, Any]:
    key = sandbox.rsa_key
    return {
        "host": sandbox.host,
        "ports": {str(dc): port for dc, port in sandbox.dc_ports.items()},
        "home_dc": HOME_DC,
        "api_id": API_ID,
        "api_hash": API_HASH,
        "phone": DEMO_PHONE,
        "code": DEMO_CODE,
        "password": DEMO_PASSWORD,
        "fingerprint": str(key.fingerprint),
        "n": str(key.n),
        "e": key.e,
        "chat": str(chat),
        "search": word,
        "document": {"chat": document["chat"], "id": document["id"]},
    }


async def _run(*command: str) -> dict[str, Any]:
    """Run a client process (the sandbox keeps serving on this loop meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=CLIENTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, err.decode(errors="replace")[-4000:]
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def _common_word(messages: list[Any]) -> tuple[str, int]:
    """The word found in the most messages, and in how many."""
    counts: Counter[str] = Counter()
    for message in messages:
        counts.update(words(message.message or ""))
    word, count = counts.most_common(1)[0]
    return word, count


def _digest(message_id: int, data: bytes) -> dict[str, Any]:
    return {"id": message_id, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


async def _document(client: TelegramClient, sandbox: SandboxServer) -> dict[str, Any]:
    """The biggest chat's sized document (its first message), as Telethon downloads it: the
    sandbox's own bytes."""
    chat = sandbox.world.chat(0)
    message = await client.get_messages(chat.marked_id, ids=chat.id_base + 1)
    assert message is not None
    document = message.document
    assert isinstance(document, types.Document)
    assert document.size == DOCUMENT_SIZE
    assert document.dc_id != HOME_DC, "the download is to export the authorization"
    data = await client.download_media(message, file=bytes)
    assert isinstance(data, bytes)
    assert data == sandbox.files.whole(document.id, "", document.size)
    return {"chat": str(chat.marked_id), "media_id": document.id, **_digest(message.id, data)}


async def _reference(
    client: TelegramClient, sandbox: SandboxServer
) -> tuple[dict[str, Any], int, str]:
    """What Telethon sees: dialogs, and for a chat with a photo and a word in over a page of
    messages (search must page), its history, that search and the photo; and the sized
    document."""
    dialogs = await client.get_dialogs()
    for dialog in dialogs:
        if isinstance(dialog.entity, types.Channel) and dialog.entity.broadcast:
            continue
        history = await client.get_messages(dialog, limit=None)
        photo = next((m for m in history if isinstance(m.media, types.MessageMediaPhoto)), None)
        word, count = _common_word(list(history)) if len(history) else ("", 0)
        if photo is not None and count > SEARCH_PAGE and len(history) <= 1500:
            break
    else:
        raise AssertionError("the world has a chat with a photo and a word on over a page")
    found = await client.get_messages(dialog, limit=None, search=word)
    data = await client.download_media(photo, file=bytes)
    assert isinstance(data, bytes)
    reference = {
        "dialogs": [str(d.id) for d in dialogs],
        "history": {"total": history.total, "ids": [m.id for m in history]},
        "search": {"total": found.total, "ids": [m.id for m in found]},
        "photo": _digest(photo.id, data),
        "document": await _document(client, sandbox),
    }
    return reference, utils.get_peer_id(dialog.entity), word


def _assert_same(seen: dict[str, Any], reference: dict[str, Any]) -> None:
    assert seen["dialogs"] == reference["dialogs"]
    assert seen["history"]["ids"] == reference["history"]["ids"]
    assert seen["history"]["total"] == len(reference["history"]["ids"])
    assert seen["search"]["ids"] == reference["search"]["ids"]
    assert seen["search"]["total"] == len(reference["search"]["ids"]) > SEARCH_PAGE
    assert seen["photo"] == reference["photo"]
    document = reference["document"]
    assert seen["document"] == {key: document[key] for key in ("id", "size", "sha256")}


def _document_parts(sandbox: SandboxServer, media_id: int, since: float) -> list[Any]:
    """The upload.getFile requests for the document answered since ``since``, by offset."""
    parts = [
        entry.request
        for entry in sandbox.log.of("upload.getFile")
        if entry.at >= since
        and entry.error is None
        and getattr(entry.request.location, "id", None) == media_id
    ]
    return sorted(parts, key=lambda request: request.offset)


def _assert_multipart(sandbox: SandboxServer, media_id: int, since: float) -> None:
    """The client fetched the whole document, in several parts (answered: on its DC, the
    account's own answers FILE_MIGRATE)."""
    parts = _document_parts(sandbox, media_id, since)
    assert len(parts) >= math.ceil(DOCUMENT_SIZE / BIGGEST_PART) > 1
    covered = 0
    for part in parts:
        assert part.offset <= covered, f"bytes {covered}..{part.offset} never asked for"
        covered = max(covered, part.offset + part.limit)
    assert covered >= DOCUMENT_SIZE


async def _client_run(
    sandbox: SandboxServer, reference: dict[str, Any], *command: str
) -> dict[str, Any]:
    """Run a client and check its download was of several parts."""
    since = time.monotonic()
    seen = await _run(*command)
    _assert_multipart(sandbox, reference["document"]["media_id"], since)
    return seen


async def test_gramjs_logs_in_and_reads_what_telethon_reads(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    node = _node()
    _npm_installed()
    reference, chat, word = await _reference(await connect(), sandbox)
    config = json.dumps(_config(sandbox, chat, word, reference["document"]))
    seen = await _client_run(sandbox, reference, node, "gramjs_client.js", config)
    assert seen["layer"] == 198, "the test is of an older layer than the sandbox's own"
    assert int(seen["me"]) > 0
    _assert_same(seen, reference)


async def test_pyrofork_logs_in_and_reads_what_telethon_reads(
    connect: ClientFactory, sandbox: SandboxServer
) -> None:
    reference, chat, word = await _reference(await connect(), sandbox)
    config = json.dumps(_config(sandbox, chat, word, reference["document"]))
    seen = await _client_run(sandbox, reference, sys.executable, "pyrogram_client.py", config)
    assert seen["layer"] == 220, "the test is of an older layer than the sandbox's own"
    assert int(seen["me"]) > 0
    _assert_same(seen, reference)
