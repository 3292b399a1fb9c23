"""A forum's topics, kept beside its messages (`tgtui.format.topics`): the topics
Telegram lists (messages.getForumTopics, paged), each kept as versions in the chat's
``topics.jsonl``: a topic new or changed since its last version is appended, one no longer
listed is marked removed, nothing is rewritten.

One burst of requests per forum and run (a page per 100 topics), sent through the chat's
history reader: the shared flood gate, the retry policy and the takeout, if the run is in
one (`tgtui.backup.history.HistoryReader.call`). A chat that is no forum sends none.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telethon.tl import functions, types

from tgtui.backup.history import HistoryReader
from tgtui.backup.versioned import Items, Kept, keep_versions
from tgtui.format.topics import topics_path

FORUM_TOPICS = "messages.getForumTopics"
PAGE = 100  # topics a request (Telegram's most)
MAX_PAGES = 1_000  # a server that never says "no more" is not followed for ever


@dataclass
class Listed:
    """The topics a forum's listing gave, and whether it gave all of them."""

    items: Items
    complete: bool
    requests: int


def _seconds(when: object) -> int | None:
    return int(when.timestamp()) if isinstance(when, dt.datetime) else None


def topic_data(topic: Any) -> dict[str, Any]:
    """A forumTopic as its line's ``data`` (SCHEMA.md)."""
    title = topic.title if isinstance(topic.title, str) else ""
    return {
        "id": topic.id,
        "title": title,
        "icon_color": topic.icon_color,
        "icon_emoji_id": topic.icon_emoji_id,
        "created": _seconds(topic.date),
        "closed": bool(topic.closed),
        "pinned": bool(topic.pinned),
        "hidden": bool(topic.hidden),
        "top_message": topic.top_message,
    }


async def list_topics(reader: HistoryReader) -> Listed:
    """Every topic of the forum ``reader`` reads, a page at a time: each page starts after
    the last topic of the one before (its id, and the date and id of its newest message),
    as Telegram's apps page them, until the count is reached or a page brings nothing new."""
    items: Items = {}
    offset: dict[str, Any] = {"offset_date": None, "offset_id": 0, "offset_topic": 0}
    requests = 0
    for _page in range(MAX_PAGES):
        answer = await reader.call(
            functions.messages.GetForumTopicsRequest(peer=reader.peer, limit=PAGE, **offset),
            FORUM_TOPICS,
            probed=False,  # one burst per forum, beside its history (`tgtui.backup.budget`)
        )
        requests += 1
        listed = [t for t in answer.topics if isinstance(t, types.ForumTopic)]
        new = [t for t in listed if str(t.id) not in items]
        for topic in new:
            items[str(topic.id)] = topic_data(topic)
        if len(items) >= answer.count or len(answer.topics) < PAGE:
            return Listed(items, True, requests)
        if not new:
            break  # the same page again: the server does not page on; keep what came
        last = listed[-1]
        tops = {m.id: m for m in answer.messages}
        top = tops.get(last.top_message)
        offset = {
            "offset_date": getattr(top, "date", None),
            "offset_id": last.top_message,
            "offset_topic": last.id,
        }
    return Listed(items, False, requests)


@dataclass
class TopicsResult:
    """What a forum's topics run found (keys of the topics added, changed, removed)."""

    kept: Kept
    total: int
    requests: int


async def back_up_topics(
    reader: HistoryReader, folder: Path, clock: Callable[[], float] = time.time
) -> TopicsResult:
    """List the forum's topics and keep what changed in ``folder``'s topics.jsonl (a topic
    missing from a listing that did not end is not taken for removed)."""
    listed = await list_topics(reader)
    kept = await asyncio.to_thread(
        keep_versions, topics_path(folder), listed.items, int(clock()), complete=listed.complete
    )
    return TopicsResult(kept, len(listed.items), listed.requests)
