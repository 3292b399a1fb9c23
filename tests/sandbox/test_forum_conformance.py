"""Forums and their topics against Telegram's documentation, with plain Telethon calls.

References (core.telegram.org):
- /api/forum: a forum is a supergroup with ``channel.forum``; every forum has the
  non-deletable "General" topic, id 1; every other topic's id is that of the
  messageActionTopicCreate service message that created it, and the topic is that
  message's thread; messages.getForumTopics lists topics and searches them by name,
  messages.getForumTopicsByID fetches some by id (layers before 220: channels.*);
- /constructor/messageReplyHeader: ``forum_topic`` "whether this message was sent in a forum
  topic (except for the General topic)", ``reply_to_top_id`` "ID of the message that started
  this message thread";
- /constructor/forumTopic: ``id``, ``date`` (creation), ``title``, ``icon_color`` (one of
  0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F), ``icon_emoji_id``,
  ``top_message`` (the last message sent to the topic), ``closed``, ``pinned``, ``hidden``
  ("only valid for the General topic, id=1"), ``from_id`` (who created it), ``my``;
- /constructor/messages.forumTopics: ``count`` (every topic matching), ordered by the date of
  each topic's last message unless ``order_by_create_date``; ``messages`` holds the
  ``top_message`` of each; ``pts`` the channel's;
- /method/messages.getForumTopics: ``offset_date``/``offset_id`` (date and id of the last
  message of the last topic found) and ``offset_topic`` (the last topic found) page the list;
  errors CHANNEL_INVALID, CHANNEL_FORUM_MISSING;
- /method/messages.getReplies: a thread's messages, paged as messages.getHistory pages.
"""

from __future__ import annotations

from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from tgtui.sandbox import SandboxOptions, SandboxServer, WorldOptions, names
from tgtui.sandbox.forums import GENERAL, ICON_COLORS
from tgtui.sandbox.tl.codec import Reader, TlObject, Writer
from tgtui.sandbox.tl.layers import answer_to_layer, to_native
from tgtui.sandbox.tl.schema import NATIVE_LAYER, TlType, schema_for
from tgtui.sandbox.world import Chat, Kind


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    """A world with two forums (the second with its General topic hidden)."""
    return SandboxOptions(world=WorldOptions(seed=7, dialogs=60, messages=900, forums=2))


def _forums(sandbox: SandboxServer) -> list[Chat]:
    return [sandbox.world.chat(i) for i in sandbox.world.forum_indexes]


async def _topics(client: TelegramClient, chat: Chat, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"offset_date": None, "offset_id": 0, "offset_topic": 0}
    options.update(limit=100)
    options.update(kwargs)
    peer = await client.get_input_entity(chat.marked_id)
    return await client(functions.messages.GetForumTopicsRequest(peer=peer, **options))


async def _replies(client: TelegramClient, chat: Chat, topic_id: int, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "offset_id": 0,
        "offset_date": None,
        "add_offset": 0,
        "limit": 100,
        "max_id": 0,
        "min_id": 0,
        "hash": 0,
    }
    options.update(kwargs)
    peer = await client.get_input_entity(chat.marked_id)
    return await client(functions.messages.GetRepliesRequest(peer=peer, msg_id=topic_id, **options))


async def test_a_forum_is_a_supergroup_with_the_forum_flag(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    forums = _forums(sandbox)
    assert len(forums) == 2
    dialogs = {d.id: d.entity async for d in client.iter_dialogs()}
    for chat in forums:
        entity = dialogs[chat.marked_id]
        assert isinstance(entity, types.Channel)
        assert entity.megagroup
        assert entity.forum
    plain = [d for d in dialogs.values() if isinstance(d, types.Channel) and not d.forum]
    assert plain, "the other supergroups and channels stay what they were"


async def test_topics_are_listed_as_telegram_lists_them(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """General (id 1) and the topics made by service messages; each topic's top_message is
    its newest message in the history; pinned first, then by last activity; the channel's
    pts; every field as documented."""
    seen_flags: set[str] = set()
    for chat in _forums(sandbox):
        answer = await _topics(client, chat)
        assert isinstance(answer, types.messages.ForumTopics)
        assert not answer.order_by_create_date
        topics = answer.topics
        assert answer.count == len(topics) >= 3
        ids = {t.id for t in topics}
        assert GENERAL in ids
        full = await client(
            functions.channels.GetFullChannelRequest(await client.get_input_entity(chat.marked_id))
        )
        assert answer.pts == full.full_chat.pts
        history = await client.get_messages(chat.marked_id, limit=None)
        by_id = {m.id: m for m in history}
        creations = {
            m.id: m for m in history if isinstance(m.action, types.MessageActionTopicCreate)
        }
        assert ids == {GENERAL} | set(creations)
        top_ids = {m.id for m in answer.messages}
        for topic in topics:
            assert topic.top_message in top_ids
            assert topic.peer == types.PeerChannel(chat.bare_id)
            assert topic.icon_color in ICON_COLORS
            assert topic.title
            assert topic.read_outbox_max_id == topic.top_message
            if topic.id != GENERAL:
                created = creations[topic.id]
                assert topic.date == created.date
                assert topic.from_id == created.from_id
                assert bool(topic.my) == bool(created.out)
                assert created.action.icon_emoji_id == topic.icon_emoji_id
            else:
                assert topic.title == "General"
                assert topic.date == by_id[1].date  # the channel's creation
            in_topic = [m for m in history if _topic_of(m) == topic.id]
            assert topic.top_message == max(m.id for m in in_topic)
            for flag in ("closed", "pinned", "hidden"):
                if getattr(topic, flag):
                    seen_flags.add(flag)
            if topic.hidden:
                assert topic.id == GENERAL
        pinned = [t for t in topics if t.pinned]
        rest = topics[len(pinned) :]
        assert all(t.pinned for t in topics[: len(pinned)])
        dates = [by_id[t.top_message].date for t in rest]
        assert dates == sorted(dates, reverse=True)
    assert seen_flags == {"closed", "pinned", "hidden"}


def _topic_of(message: Any) -> int:
    """The topic a message is in, read as a client reads it."""
    if isinstance(message.action, types.MessageActionTopicCreate):
        return int(message.id)
    reply = message.reply_to
    if isinstance(reply, types.MessageReplyHeader) and reply.forum_topic:
        return int(reply.reply_to_top_id or reply.reply_to_msg_id)
    return GENERAL


async def test_every_message_says_its_topic_as_telegram_sets_it(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """In a topic: ``forum_topic`` with the topic's id as ``reply_to_msg_id``, or, for a
    reply within it, the message replied to and ``reply_to_top_id``; in General no
    ``forum_topic``; a creation message none; edits (rename, close, hide) in their topic."""
    chat = _forums(sandbox)[0]
    history = await client.get_messages(chat.marked_id, limit=None)
    topics = {t.id for t in (await _topics(client, chat)).topics}
    seen = {"topic": 0, "reply in topic": 0, "general": 0, "edit": 0}
    for message in history:
        reply = message.reply_to
        if isinstance(message.action, types.MessageActionTopicCreate):
            assert reply is None
            continue
        topic = _topic_of(message)
        assert topic in topics
        if topic == GENERAL:
            assert reply is None or not reply.forum_topic
            seen["general"] += 1
        elif reply.reply_to_top_id is None:
            assert reply.reply_to_msg_id == topic
            seen["topic"] += 1
        else:
            replied = next(m for m in history if m.id == reply.reply_to_msg_id)
            assert _topic_of(replied) == topic
            assert replied.id < message.id
            seen["reply in topic"] += 1
        if isinstance(message.action, types.MessageActionTopicEdit):
            seen["edit"] += 1
    assert all(seen.values()), seen


async def test_a_topics_replies_are_its_messages_and_together_the_history(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """messages.getReplies of each topic (its creation message included) pages like history;
    the topics together hold every message of the forum exactly once."""
    chat = _forums(sandbox)[0]
    history = await client.get_messages(chat.marked_id, limit=None)
    union: list[int] = []
    for topic in (await _topics(client, chat)).topics:
        ids: list[int] = []
        offset = 0
        while True:
            page = await _replies(client, chat, topic.id, offset_id=offset, limit=37)
            assert isinstance(page, types.messages.ChannelMessages)
            if not page.messages:
                break
            ids += [m.id for m in page.messages]
            assert all(_topic_of(m) == topic.id for m in page.messages)
            assert {t.id for t in page.topics} == {topic.id}
            offset = page.messages[-1].id
        assert ids == sorted(ids, reverse=True)
        assert page.count == len(ids)
        assert ids[0] == topic.top_message
        assert ids[-1] == topic.id  # the creation message (General: the channel's)
        newest = await _replies(client, chat, topic.id, limit=1)
        assert [m.id for m in newest.messages] == [topic.top_message]
        union += ids
    assert sorted(union) == sorted(m.id for m in history)
    with pytest.raises(errors.MsgIdInvalidError):
        await _replies(client, chat, history[0].id if _topic_of(history[0]) != 1 else 10**6)


async def test_topics_page_by_offsets_and_are_found_by_name(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = _forums(sandbox)[0]
    whole = await _topics(client, chat)
    by_id = {m.id: m for m in whole.messages}
    paged: list[int] = []
    offset: dict[str, Any] = {}
    while True:
        page = await _topics(client, chat, limit=2, **offset)
        assert page.count == whole.count
        if not page.topics:
            break
        paged += [t.id for t in page.topics]
        last = page.topics[-1]
        top = next(m for m in page.messages if m.id == last.top_message)
        offset = {"offset_date": top.date, "offset_id": top.id, "offset_topic": last.id}
    assert paged == [t.id for t in whole.topics]
    # A page after a topic found only by its last message's date and id (no offset_topic).
    unpinned = [t for t in whole.topics if not t.pinned]
    third = unpinned[2]
    top = by_id[third.top_message]
    after = await _topics(client, chat, offset_date=top.date, offset_id=top.id)
    assert [t.id for t in after.topics] == [t.id for t in unpinned[3:]]
    title = next(t.title for t in whole.topics if t.id != GENERAL)
    found = await _topics(client, chat, q=title[1:6].upper())
    assert title in [t.title for t in found.topics]
    assert found.count == len(found.topics) < whole.count
    assert (await _topics(client, chat, q="no such topic here")).topics == []


async def test_topics_are_fetched_by_id_in_the_order_asked(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    chat = _forums(sandbox)[0]
    whole = await _topics(client, chat)
    wanted = [*[t.id for t in whole.topics][::-1][:3], GENERAL]
    peer = await client.get_input_entity(chat.marked_id)
    answer = await client(
        functions.messages.GetForumTopicsByIDRequest(peer=peer, topics=[*wanted, 10**6])
    )
    assert [t.id for t in answer.topics] == [*wanted, 10**6]
    assert isinstance(answer.topics[-1], types.ForumTopicDeleted)
    same = {t.id: t for t in whole.topics}
    for topic in answer.topics[:-1]:
        assert topic.title == same[topic.id].title
        assert topic.top_message == same[topic.id].top_message


async def test_what_is_not_a_forum_is_refused(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    world = sandbox.world
    plain = next(
        world.chat(i)
        for i in range(len(world))
        if world.chat(i).kind is Kind.SUPERGROUP and i not in world.forum_indexes
    )
    with pytest.raises(errors.ChannelForumMissingError):
        await _topics(client, plain)
    user = next(world.chat(i) for i in range(len(world)) if world.chat(i).kind is Kind.USER)
    with pytest.raises(errors.ChannelInvalidError):
        await _topics(client, user)


async def test_a_new_message_in_general_moves_its_topic_to_the_top(
    client: TelegramClient, sandbox: SandboxServer
) -> None:
    """Someone writes in General (no reply_to): General's top_message is that message and it
    comes first after the pinned topics."""
    chat = _forums(sandbox)[0]
    posted = sandbox.living.say(chat, "news in General")
    topics = (await _topics(client, chat)).topics
    general = next(t for t in topics if t.id == GENERAL)
    assert general.top_message == posted.id
    assert next(t for t in topics if not t.pinned).id == GENERAL
    replies = await _replies(client, chat, GENERAL, limit=1)
    assert [m.id for m in replies.messages] == [posted.id]


@pytest.mark.parametrize("layer", [198, 227])
async def test_older_layers_ask_channels_get_forum_topics_and_are_answered_in_their_layer(
    sandbox: SandboxServer, layer: int
) -> None:
    """Before layer 220 the method was channels.getForumTopics with an InputChannel; a
    client of such a layer is answered with the forumTopic of its own layer."""
    chat = _forums(sandbox)[0]
    old = schema_for(layer)
    if "channels.getForumTopics" not in old.function_named:
        pytest.skip(f"layer {layer} has no channels.getForumTopics")
    call = TlObject(
        "channels.getForumTopics",
        {
            "channel": TlObject(
                "inputChannel", {"channel_id": chat.bare_id, "access_hash": chat.access_hash}
            ),
            "offset_date": 0,
            "offset_id": 0,
            "offset_topic": 0,
            "limit": 100,
        },
        function=True,
    )
    body = Writer(old).dump(TlType("query"), call)
    incoming = to_native(body, layer)
    assert incoming.method == "channels.getForumTopics"
    native = Reader(incoming.data, schema_for(NATIVE_LAYER)).read(TlType("query"))
    assert native.name == "messages.getForumTopics"
    assert native.fields["peer"].name == "inputPeerChannel"
    assert native.fields["peer"].fields["channel_id"] == chat.bare_id
    answer = types.messages.ForumTopics(
        count=1,
        topics=[
            types.ForumTopic(
                id=1,
                date=None,
                peer=chat.peer,
                title=names.TOPIC[0],
                icon_color=ICON_COLORS[0],
                top_message=5,
                read_inbox_max_id=5,
                read_outbox_max_id=5,
                unread_count=0,
                unread_mentions_count=0,
                unread_reactions_count=0,
                unread_poll_votes_count=0,
                from_id=types.PeerUser(1),
                notify_settings=types.PeerNotifySettings(),
            )
        ],
        messages=[],
        chats=[],
        users=[],
        pts=7,
    )
    written = answer_to_layer(bytes(answer), incoming.method, layer)
    read = Reader(written, old).read(old.function_named["channels.getForumTopics"].result)
    [topic] = read.fields["topics"]
    assert topic.id == old.constructor_named["forumTopic"].id
    assert topic.fields["title"] == names.TOPIC[0].encode()
    assert read.fields["pts"] == 7


async def test_a_hostile_forums_topics_have_hostile_titles(connect: Any) -> None:
    """Topic titles come from Telegram too: in a hostile world they are hostile strings."""
    options = SandboxOptions(
        world=WorldOptions(seed=7, dialogs=40, messages=400, forums=1, hostile=True)
    )
    from tgtui.sandbox import running_sandbox
    from tgtui.sandbox.server import API_HASH, API_ID
    from tgtui.sandbox.sessions import demo_session

    async with running_sandbox(options) as server:
        client = TelegramClient(demo_session(server), API_ID, API_HASH)
        await client.connect()
        try:
            await client.get_dialogs()
            chat = server.world.chat(server.world.forum_indexes[0])
            titles = [t.title for t in (await _topics(client, chat)).topics if t.id != GENERAL]
            assert titles
            assert all(title in names.HOSTILE for title in titles)
        finally:
            await client.disconnect()
