"""stories.getPinnedStories, stories.getStoriesArchive, stories.getStoriesByID and
stories.deleteStories: the account's own stories (`tgtui.sandbox.account_data`); no one else
in the world posts any."""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from tgtui.sandbox.account_data import Story
from tgtui.sandbox.methods.common import is_self, numbers_vector, resolve
from tgtui.sandbox.rpc import Call, RpcError, handles

MAX_LIMIT = 100


def _answer(call: Call, stories: list[Story], request: Any) -> types.stories.Stories:
    """stories.stories: the stories with an id below ``offset_id`` (all, for 0), newest
    first, at most ``limit``; ``count`` all of them."""
    if request.limit < 0:
        raise RpcError(400, "LIMIT_INVALID")
    account = call.server.account
    below = [s for s in stories if not request.offset_id or s.id < request.offset_id]
    page = below[: min(MAX_LIMIT, request.limit)]
    return types.stories.Stories(
        count=len(stories),
        stories=[account.story_item(s) for s in page],
        chats=[],
        users=[call.server.world.me()],
    )


def _own(call: Call, peer: Any) -> bool:
    """Whether ``peer`` is the account (else a peer of the world, which has no stories)."""
    if is_self(peer):
        return True
    resolve(call.server, peer)  # PEER_ID_INVALID and friends for one that is not there
    return False


@handles(functions.stories.GetPinnedStoriesRequest)
async def get_pinned_stories(call: Call, request: Any) -> types.stories.Stories:
    """stories.getPinnedStories (core.telegram.org/method/stories.getPinnedStories): the
    stories pinned to a profile, newest first."""
    call.user_id()
    own = _own(call, request.peer)
    stories = [s for s in call.server.account.stories() if s.pinned] if own else []
    return _answer(call, stories, request)


@handles(functions.stories.GetStoriesArchiveRequest)
async def get_stories_archive(call: Call, request: Any) -> types.stories.Stories:
    """stories.getStoriesArchive (core.telegram.org/method/stories.getStoriesArchive): all of
    the account's stories, expired ones too, newest first; only its own
    (PEER_ID_INVALID: another's archive is not shown)."""
    call.user_id()
    if not _own(call, request.peer):
        raise RpcError(400, "PEER_ID_INVALID")
    return _answer(call, call.server.account.stories(), request)


@handles(functions.stories.GetStoriesByIDRequest)
async def get_stories_by_id(call: Call, request: Any) -> types.stories.Stories:
    """stories.getStoriesByID (core.telegram.org/method/stories.getStoriesByID): full info
    about stories of ``peer`` by their ids, in the order asked, each with its media's current
    file reference; one deleted since is a storyItemDeleted
    (core.telegram.org/constructor/storyItemDeleted). No ids: STORY_ID_EMPTY."""
    call.user_id()
    if not request.id:
        raise RpcError(400, "STORY_ID_EMPTY")
    account = call.server.account
    found: list[Any] = []
    if _own(call, request.peer):
        for story_id in request.id:
            story = account.story(story_id)
            found.append(
                account.story_item(story) if story is not None else types.StoryItemDeleted(story_id)
            )
    return types.stories.Stories(
        count=len(found), stories=found, chats=[], users=[call.server.world.me()]
    )


@handles(functions.stories.DeleteStoriesRequest)
async def delete_stories(call: Call, request: Any) -> bytes:
    """stories.deleteStories (core.telegram.org/method/stories.deleteStories): delete stories
    the account posted; the ids of those deleted (one not there is passed over). Another's
    stories are not the account's to delete (PEER_ID_INVALID); no ids: STORY_ID_EMPTY."""
    call.user_id()
    if not _own(call, request.peer):
        raise RpcError(400, "PEER_ID_INVALID")
    if not request.id:
        raise RpcError(400, "STORY_ID_EMPTY")
    account = call.server.account
    gone = [story_id for story_id in dict.fromkeys(request.id) if account.delete_story(story_id)]
    return numbers_vector(gone, long=False)
