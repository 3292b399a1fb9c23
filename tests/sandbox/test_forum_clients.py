"""A forum's topics as a client written elsewhere lists them: mtcute (npm @mtcute/node,
layer 227), unmodified, pages a forum's topics two at a time with its own iterForumTopics
(messages.getForumTopics, the offsets from each page's last topic: core.telegram.org/method
/messages.getForumTopics); it must see what Telethon (layer 229) sees in one request: the
same topics in the same order, with the same titles, flags and newest messages.

The npm packages are pinned in tests/sandbox/clients/package-lock.json; without node the
test skips on a developer's machine and fails under CI (as test_independent_clients does).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from telethon import TelegramClient
from telethon.tl import functions

from tests.sandbox.test_independent_clients import CLIENTS, _node
from tests.sandbox.test_mtproxy_conformance import _mtcute_installed
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
from tgtui.sandbox.world import HOME_DC, SELF_ID

RUN_TIMEOUT = 180.0


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A small world (the client lists every dialog) with one forum."""
    return SandboxOptions(world=WorldOptions(seed=7, dialogs=30, messages=600, forums=1))


async def test_mtcute_pages_a_forums_topics_as_telethon_sees_them(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    node = _node()
    _mtcute_installed()
    forum = sandbox.world.chat(sandbox.world.forum_indexes[0])
    peer = await client.get_input_entity(forum.marked_id)
    answer = await client(
        functions.messages.GetForumTopicsRequest(
            peer=peer, offset_date=None, offset_id=0, offset_topic=0, limit=100
        )
    )
    reference: list[dict[str, Any]] = [
        {
            "id": t.id,
            "title": t.title,
            "closed": bool(t.closed),
            "pinned": bool(t.pinned),
            "top": t.top_message,
        }
        for t in answer.topics
    ]
    assert len(reference) > 2  # more than one page of two
    config = {
        "host": sandbox.host,
        "home_dc": HOME_DC,
        "home_port": sandbox.dc_ports[HOME_DC],
        "api_id": API_ID,
        "api_hash": API_HASH,
        "rsa_public_key": sandbox.rsa_key.public_pem,
        "phone": DEMO_PHONE,
        "code": DEMO_CODE,
        "password": DEMO_PASSWORD,
        "forum": str(forum.marked_id),
    }
    sandbox.log.clear()
    process = await asyncio.create_subprocess_exec(
        node,
        "mtcute_forum_client.mjs",
        json.dumps(config),
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
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen["me"] == str(SELF_ID)
    assert str(forum.marked_id) in seen["dialogs"]
    assert seen["topics"] == reference
    asked = sandbox.log.of("messages.getForumTopics")
    assert len(asked) > len(reference) // 2  # paged: two a request
    assert all(entry.error is None for entry in asked)
