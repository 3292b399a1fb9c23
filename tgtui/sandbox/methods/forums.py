"""Forum topics (core.telegram.org/api/forum): messages.getForumTopics,
messages.getForumTopicsByID and messages.getReplies of a topic.

Layers before 220 name the first two channels.getForumTopics and channels.getForumTopicsByID
(an InputChannel instead of an InputPeer); `tgtui.sandbox.tl.layers` reads them as these.
"""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.forums import Forum
from tgtui.sandbox.methods.common import entities_for, resolve
from tgtui.sandbox.methods.forum_state import TopicNow, TopicView, forum_topic, topics_now
from tgtui.sandbox.methods.history import (
    date_param,
    history_hash,
    limit_param,
    messages_answer,
    window,
)
from tgtui.sandbox.rpc import Call, RpcError, handles
from tgtui.sandbox.world import Chat, Kind

MAX_TOPICS = 100  # topics per answer


def _forum(call: Call, peer: Any) -> tuple[Chat, Forum]:
    """The forum a peer names: CHANNEL_INVALID for no supergroup, CHANNEL_FORUM_MISSING for
    one that is not a forum (/method/channels.getForumTopics)."""
    try:
        chat = resolve(call.server, peer)
    except RpcError as error:
        if error.message == "PEER_ID_INVALID":
            raise RpcError(400, "CHANNEL_INVALID") from None
        raise
    if chat.kind is not Kind.SUPERGROUP:
        raise RpcError(400, "CHANNEL_INVALID")
    forum = call.server.world.forum(chat)
    if forum is None:
        raise RpcError(400, "CHANNEL_FORUM_MISSING")
    return chat, forum


def _ordered(topics: list[TopicNow]) -> list[TopicNow]:
    """Pinned topics first, then by their newest message, newest first (the order without
    ``order_by_create_date``: /constructor/messages.forumTopics)."""
    pinned = [t for t in topics if t.topic.pinned]
    rest = [t for t in topics if not t.topic.pinned]
    rest.sort(key=lambda t: (t.top_date, t.top_id, t.topic.id), reverse=True)
    return pinned + rest


def _answer(call: Call, chat: Chat, chosen: list[TopicNow], count: int) -> Any:
    """messages.forumTopics: the topics, their newest messages, whom those need, the
    forum's pts."""
    server = call.server
    history = server.history
    messages = [m for t in chosen if (m := history.by_id(chat, t.top_id)) is not None]
    users, chats = entities_for(server, messages, [chat])
    known = {u.id for u in users}
    for now in chosen:  # each topic's creator too
        if now.topic.creator not in known and (user := server.world.user(now.topic.creator)):
            users.append(user)
            known.add(user.id)
    return types.messages.ForumTopics(
        count=count,
        topics=[forum_topic(server, chat, now) for now in chosen],
        messages=messages,
        chats=chats,
        users=users,
        pts=server.living.box(chat).pts,
    )


@handles(functions.messages.GetForumTopicsRequest)
async def get_forum_topics(call: Call, request: Any) -> Any:
    """messages.getForumTopics (/method/messages.getForumTopics): ``q`` finds topics by
    title (any case); a page starts after the topic ``offset_topic`` (or, when that is not
    one, after the date and id of the newest message of the last topic seen:
    ``offset_date``/``offset_id``); ``count`` is every topic that matches."""
    call.user_id()
    chat, forum = _forum(call, request.peer)
    if request.limit < 0:
        raise RpcError(400, "LIMIT_INVALID")
    topics = list(topics_now(call.server, chat, forum).values())
    if request.q:
        words = request.q.casefold()
        topics = [t for t in topics if words in t.topic.title.casefold()]
    ordered = _ordered(topics)
    start = 0
    offset_date = date_param(request.offset_date)
    if request.offset_topic or request.offset_id or offset_date:
        at = next((n for n, t in enumerate(ordered) if t.topic.id == request.offset_topic), None)
        if at is not None:
            start = at + 1
        else:
            cursor = (offset_date or 2**31, request.offset_id or 2**31)
            start = next(
                (
                    n
                    for n, t in enumerate(ordered)
                    if not t.topic.pinned and (t.top_date, t.top_id) < cursor
                ),
                len(ordered),
            )
    chosen = ordered[start : start + min(MAX_TOPICS, request.limit)]
    return _answer(call, chat, chosen, len(ordered))


@handles(functions.messages.GetForumTopicsByIDRequest)
async def get_forum_topics_by_id(call: Call, request: Any) -> Any:
    """messages.getForumTopicsByID (/method/messages.getForumTopicsByID): the topics asked
    for, in that order; an id that is no topic is forumTopicDeleted."""
    call.user_id()
    chat, forum = _forum(call, request.peer)
    now = topics_now(call.server, chat, forum)
    found = [now[i] for i in request.topics if i in now]
    answer = _answer(call, chat, found, len(found))
    by_id = {t.id: t for t in answer.topics}
    answer.topics = [by_id.get(i) or types.ForumTopicDeleted(id=i) for i in request.topics]
    answer.count = len(answer.topics)
    return answer


@handles(functions.messages.GetRepliesRequest)
async def get_replies(call: Call, request: Any) -> Any:
    """messages.getReplies (/method/messages.getReplies) of a forum topic: the topic's
    messages, its creation message included (General: id 1, the channel's creation), paged
    as messages.getHistory pages a chat (offset_id, offset_date, add_offset, limit, max_id,
    min_id, hash). Other threads (channel comments) are not part of the world: MSG_ID_INVALID."""
    call.user_id()
    chat = resolve(call.server, request.peer)
    forum = call.server.world.forum(chat) if chat.kind is Kind.SUPERGROUP else None
    if forum is None:
        raise RpcError(400, "MSG_ID_INVALID")
    now = topics_now(call.server, chat, forum).get(request.msg_id - chat.id_base)
    if now is None:
        raise RpcError(400, "MSG_ID_INVALID")
    view = TopicView(call.server.history, chat, now.ids)
    positions = window(
        view,
        (0, len(view)),
        offset_id=request.offset_id,
        offset_date=date_param(request.offset_date),
        add_offset=request.add_offset,
        limit=limit_param(request.limit),
        max_id=request.max_id,
        min_id=request.min_id,
    )
    messages = [view.message_at(j) for j in positions]
    if request.hash and request.hash == history_hash(messages):
        return types.messages.MessagesNotModified(count=len(view))
    first = positions[0] if positions else len(view)
    return messages_answer(call, chat, messages, len(view), first if request.offset_id else None)
