"""Forum topics in a backup, against the sandbox's forums (served as Telegram serves them):
each forum's topics kept in its topics.jsonl as versions (a topic renamed or closed between
runs gets a new version, the old one kept), one request burst per forum and run, none for
any other chat; hostile titles kept exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import stat
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telethon import TelegramClient, utils

from tests.flows.backup_helpers import targets
from tests.flows.test_stats import ZONE, assert_same, plain_scan
from tgtui.archive.index_reading import searchable
from tgtui.backup.engine import BackupEngine, BackupOptions
from tgtui.backup.selection import ChatTarget
from tgtui.format.media_paths import MediaFilter
from tgtui.format.topics import GENERAL, TOPICS, read_topic_versions, read_topics
from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions, names
from tgtui.sandbox.forums import Forum
from tgtui.sandbox.methods.forum_state import topics_now
from tgtui.sandbox.world_types import Chat

NO_MEDIA = MediaFilter(frozenset(), None)
FORUM_TOPICS = "messages.getForumTopics"


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """Two forums among chats of every kind."""
    return SandboxOptions(world=WorldOptions(seed=7, dialogs=40, messages=600, forums=2))


def forums(sandbox: SandboxServer) -> list[tuple[Chat, Forum]]:
    """The world's forums and their topics."""
    world = sandbox.world
    found = []
    for index in world.forum_indexes:
        chat = world.chat(index)
        forum = world.forum(chat)
        assert forum is not None
        found.append((chat, forum))
    return found


def listed(sandbox: SandboxServer, chat: Chat, forum: Forum) -> dict[int, dict[str, Any]]:
    """Each topic as the sandbox lists it now, as topics.jsonl keeps it."""
    answer = {}
    for topic_id, now in topics_now(sandbox, chat, forum).items():
        topic = now.topic
        answer[topic_id] = {
            "title": topic.title,
            "closed": topic.closed,
            "pinned": topic.pinned,
            "hidden": topic.hidden,
            "top_message": now.top_id,
            "icon_color": topic.icon_color,
            "icon_emoji_id": topic.icon_emoji_id,
        }
    return answer


def kept(folder: Path) -> dict[int, dict[str, Any]]:
    """Each topic of a chat's topics.jsonl as its latest version says."""
    return {
        t.id: {
            "title": t.title,
            "closed": t.closed,
            "pinned": t.pinned,
            "hidden": t.hidden,
            "top_message": t.top_message,
            "icon_color": t.icon_color,
            "icon_emoji_id": t.icon_emoji_id,
        }
        for t in read_topics(folder)
        if not t.removed
    }


def asked(sandbox: SandboxServer) -> Counter[int]:
    """messages.getForumTopics requests per chat (Telethon-marked id)."""
    return Counter(utils.get_peer_id(e.request.peer) for e in sandbox.log.of(FORUM_TOPICS))


async def back_up(client: TelegramClient, out: Path, chats: list[ChatTarget]) -> dict[int, Path]:
    """A backup of ``chats``; each chat's folder."""
    options = BackupOptions(out, media=NO_MEDIA)
    result = await BackupEngine(client, options, account={"id": 77_777}).run(chats)
    assert result.all_complete, [(c.target.name, c.status, c.reason) for c in result.chats]
    return {c.target.chat_id: c.path for c in result.chats}


async def test_a_forums_topics_are_kept_and_changes_are_versions(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    chats = await targets(client)
    both = forums(sandbox)
    forum_ids = {chat.marked_id for chat, _forum in both}
    assert {t.chat_id for t in chats if t.forum} == forum_ids
    sandbox.log.clear()
    folders = await back_up(client, tmp_path, chats)
    # One request per forum (fewer than 100 topics each), none for any other chat.
    assert asked(sandbox) == Counter(forum_ids)
    for chat, forum in both:
        folder = folders[chat.marked_id]
        assert kept(folder) == listed(sandbox, chat, forum)
        assert GENERAL in kept(folder)
        assert stat.S_IMODE((folder / TOPICS).stat().st_mode) == 0o600
        records = [json.loads(line) for line in (folder / "messages.jsonl").open()]
        created = {r["id"] for r in records if r.get("action") == "topic_created"}
        assert created == set(forum.topics) - {GENERAL}
        for topic in read_topics(folder):
            line = next(r for r in records if r["id"] == (topic.id if topic.id > 1 else 1))
            assert topic.created == int(line["date_unixtime"])
    for chat_id, folder in folders.items():
        if chat_id not in forum_ids:
            assert not (folder / TOPICS).exists()

    # Between runs: a topic renamed, another closed.
    chat, forum = both[0]
    first_lines = (folders[chat.marked_id] / TOPICS).read_bytes()
    renamed, closed = [t for t in forum.topics.values() if t.id != GENERAL and not t.closed][:2]
    forum.topics[renamed.id] = dataclasses.replace(renamed, title="A new name ✨")
    forum.topics[closed.id] = dataclasses.replace(closed, closed_at=closed.created)
    sandbox.log.clear()
    folders = await back_up(client, tmp_path, chats)
    assert asked(sandbox) == Counter(forum_ids)  # an incremental run: one request a forum
    folder = folders[chat.marked_id]
    assert (folder / TOPICS).read_bytes().startswith(first_lines)  # nothing rewritten
    assert kept(folder) == listed(sandbox, chat, forum)
    versions = read_topic_versions(folder).versions
    grown = {key for key, v in versions.items() if len(v) > 1}
    assert grown == {str(renamed.id), str(closed.id)}
    old, new = versions[str(renamed.id)]
    assert old.data is not None
    assert new.data is not None
    assert (old.data["title"], new.data["title"]) == (renamed.title, "A new name ✨")
    old, new = versions[str(closed.id)]
    assert old.data is not None
    assert new.data is not None
    assert (old.data["closed"], new.data["closed"]) == (False, True)
    other, _forum = both[1]
    assert len(read_topic_versions(folders[other.marked_id]).versions) == len(_forum.topics)


async def test_non_forums_send_no_topic_requests(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A backup of chats none of which is a forum asks for no topics, first run or later."""
    chats = [t for t in await targets(client) if not t.forum]
    for _run in range(2):
        sandbox.log.clear()
        await back_up(client, tmp_path, chats)
        assert not sandbox.log.of(FORUM_TOPICS)


async def test_a_hostile_forums_titles_are_kept_exactly(connect: Any, tmp_path: Path) -> None:
    options = SandboxOptions(
        world=WorldOptions(seed=7, dialogs=30, messages=400, forums=2, hostile=True)
    )
    from tgtui.sandbox import running_sandbox
    from tgtui.sandbox.server import API_HASH, API_ID
    from tgtui.sandbox.sessions import demo_session

    async with running_sandbox(options) as server:
        client = TelegramClient(demo_session(server), API_ID, API_HASH, flood_sleep_threshold=0)
        await client.connect()
        try:
            chats = [t for t in await targets(client) if t.forum]
            assert len(chats) == 2
            folders = await back_up(client, tmp_path, chats)
            for chat, forum in forums(server):
                topics = kept(folders[chat.marked_id])
                assert topics == listed(server, chat, forum)
                titles = [t["title"] for i, t in topics.items() if i != GENERAL]
                assert titles
                assert all(title in names.HOSTILE for title in titles)
        finally:
            await client.disconnect()


def tgtui(*args: str, zone: str = ZONE) -> subprocess.CompletedProcess[str]:
    """`python -m tgtui ARGS`, offline, in a time zone half an hour off UTC."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TGTUI_")}
    env["TZ"] = zone
    return subprocess.run(
        [sys.executable, "-m", "tgtui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "messages.jsonl").open()]


def _topic_of(record: dict[str, Any]) -> int:
    """A forum's message's topic, read plainly: topic_id, a creation message its own,
    else General."""
    if "topic_id" in record:
        return int(record["topic_id"])
    return int(record["id"]) if record.get("action") == "topic_created" else GENERAL


def _words(record: dict[str, Any]) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", searchable(record))}


async def test_search_and_stats_take_a_topic(
    client: TelegramClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    chats = await targets(client)
    folders = await back_up(client, out, chats)
    (chat, _forum), (other, _other_forum) = forums(sandbox)
    folder = folders[chat.marked_id]
    records = _records(folder)
    topics = {t.id: t for t in read_topics(folder)}
    named = next(t for t in topics.values() if t.id != GENERAL and not t.title.isdigit())
    name = next(t.name for t in chats if t.chat_id == chat.marked_id)
    by_title = ["--topic", named.title.upper()]
    cases = (
        (named.id, by_title, by_title),
        (
            GENERAL,
            ["--topic", "1", "--chat", str(chat.marked_id)],
            [str(chat.marked_id), "--topic", "1"],
        ),
    )
    for topic_id, search_by, stats_by in cases:
        inside = [r for r in records if _topic_of(r) == topic_id]
        assert inside
        assert len(inside) < len(records)
        # The word most used in the topic, searched there: exactly the topic's messages
        # that have it, none of the rest of the forum's or of any other chat.
        counts = Counter(w for r in inside for w in _words(r) if w.isalpha() and len(w) > 2)
        word = counts.most_common(1)[0][0]
        expected = {r["id"] for r in inside if word in _words(r)}
        done = tgtui("search", word, "--in", str(out), "--json", "--limit", "100000", *search_by)
        assert done.returncode == 0, done.stderr
        hits = [json.loads(line) for line in done.stdout.splitlines()]
        assert {h["chat_id"] for h in hits} == {chat.marked_id}
        assert {h["message_id"] for h in hits} == expected
        elsewhere = {r["id"] for r in records if word in _words(r)} - expected
        assert elsewhere, "the word is in other topics too"
        # The topic's figures are a plain scan of its messages.
        stats = tgtui("stats", "--in", str(out), "--json", *stats_by)
        assert stats.returncode == 0, stats.stderr
        figures = json.loads(stats.stdout)
        expected_figures = plain_scan(
            out,
            ZoneInfo(ZONE),
            {chat.marked_id},
            keep=lambda r, t=topic_id: _topic_of(r) == t,  # type: ignore[misc]
        )
        assert_same(figures, expected_figures)
        assert figures["messages"] > 0
        assert figures["chats"] == [
            {"id": chat.marked_id, "name": name, "type": "private_supergroup",
             "messages": expected_figures["messages"]}
        ]  # fmt: skip
    # A range that cuts months.
    half = sorted(int(r["date_unixtime"]) for r in records)[len(records) // 2]
    since = dt.datetime.fromtimestamp(half, ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")
    stats = tgtui("stats", "--in", str(out), "--json", "--topic", str(named.id), "--since", since)
    assert stats.returncode == 0, stats.stderr
    low = int(dt.datetime.fromisoformat(since).replace(tzinfo=ZoneInfo(ZONE)).timestamp())
    expected_figures = plain_scan(
        out, ZoneInfo(ZONE), {chat.marked_id}, low, keep=lambda r: _topic_of(r) == named.id
    )
    assert_same(json.loads(stats.stdout), expected_figures)
    # General is in both forums: a name that fits both is refused, listing them.
    for command in ("search", "stats"):
        words = ["word"] if command == "search" else []
        done = tgtui(command, *words, "--in", str(out), "--topic", "general")
        assert done.returncode == 2
        assert "fits 2 topics" in done.stderr
        assert str(chat.marked_id) in done.stderr
        assert str(other.marked_id) in done.stderr
        done = tgtui(command, *words, "--in", str(out), "--topic", "no such topic at all")
        assert done.returncode == 2
        assert "no forum topic matches" in done.stderr


def test_chats_marks_the_forums_and_picks_them(tmp_path: Path) -> None:
    """`tgtui chats --demo`: --json says which chats are forums, the table marks them, and
    --type forums lists only them."""
    from tgtui.demo import demo_world
    from tgtui.sandbox.world import World

    world = World(demo_world())
    expected = {world.chat(i).marked_id for i in world.forum_indexes}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TGTUI_", "XDG_"))}
    env["HOME"] = str(tmp_path)

    def chats(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "tgtui", "chats", "--demo", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = json.loads(chats("--json"))
    assert {item["id"] for item in listed if item["forum"]} == expected
    assert all(item["type"] == "group" for item in listed if item["forum"])
    assert all(item["forum"] is False for item in listed if item["id"] not in expected)
    rows = chats("--type", "forums").splitlines()[1:]
    assert {int(row.split()[0]) for row in rows} == expected
    assert all(row.split()[1] == "forum" for row in rows)
    groups = json.loads(chats("--json", "--type", "groups"))
    assert expected <= {item["id"] for item in groups}
