"""messages.search over a chat's history, as Telegram answers it: every word of the query in
the message (any case), a media filter, a sender, a date range, then the usual paging over
what matched, with the exact count (core.telegram.org/method/messages.search)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from telethon import utils
from telethon.tl import types

from tgtui.sandbox.history import DescendingHistory

_WORD = re.compile(r"\w+")


def words(text: str) -> set[str]:
    """The words of a text, in lower case."""
    return {w.casefold() for w in _WORD.findall(text)}


def _document(message: Any) -> Any:
    media = getattr(message, "media", None)
    return media.document if isinstance(media, types.MessageMediaDocument) else None


def _attribute(document: Any, kind: type) -> Any:
    return next((a for a in getattr(document, "attributes", []) if isinstance(a, kind)), None)


def _is_video(message: Any) -> bool:
    document = _document(message)
    video = _attribute(document, types.DocumentAttributeVideo)
    sticker = _attribute(document, types.DocumentAttributeSticker)  # a video sticker is none
    return video is not None and not video.round_message and sticker is None


def _is_audio(message: Any, *, voice: bool) -> bool:
    audio = _attribute(_document(message), types.DocumentAttributeAudio)
    return audio is not None and bool(audio.voice) == voice


def _is_photo(message: Any) -> bool:
    return isinstance(getattr(message, "media", None), types.MessageMediaPhoto)


def _is_file(message: Any) -> bool:
    document = _document(message)
    if document is None:
        return False
    special = (
        types.DocumentAttributeVideo,
        types.DocumentAttributeAudio,
        types.DocumentAttributeSticker,
        types.DocumentAttributeAnimated,
    )
    return not any(isinstance(a, special) for a in document.attributes)


FILTERS: dict[type, Callable[[Any], bool]] = {
    types.InputMessagesFilterEmpty: lambda m: True,
    types.InputMessagesFilterPhotos: _is_photo,
    types.InputMessagesFilterVideo: _is_video,
    types.InputMessagesFilterPhotoVideo: lambda m: _is_photo(m) or _is_video(m),
    types.InputMessagesFilterDocument: _is_file,
    types.InputMessagesFilterVoice: lambda m: _is_audio(m, voice=True),
    types.InputMessagesFilterMusic: lambda m: _is_audio(m, voice=False),
    types.InputMessagesFilterRoundVideo: lambda m: bool(
        (a := _attribute(_document(m), types.DocumentAttributeVideo)) and a.round_message
    ),
    types.InputMessagesFilterGif: lambda m: (
        _attribute(_document(m), types.DocumentAttributeAnimated) is not None
    ),
    types.InputMessagesFilterUrl: lambda m: any(
        isinstance(e, types.MessageEntityUrl | types.MessageEntityTextUrl)
        for e in getattr(m, "entities", None) or []
    ),
}


def matching(
    view: DescendingHistory,
    *,
    query: str,
    kind: Any,
    sender: int | None,
    min_date: int,
    max_date: int,
) -> list[int]:
    """Positions (newest first) of the messages that match (ValueError for a filter the
    sandbox does not serve)."""
    wanted = words(query)
    keep = FILTERS.get(type(kind))
    if keep is None:
        raise ValueError(f"{type(kind).__name__} is not served")
    found: list[int] = []
    start = view.first_below_date(max_date + 1) if max_date else 0
    for j in range(start, len(view)):
        if min_date and view.date_at(j) < min_date:
            break
        message = view.message_at(j)
        if isinstance(message, types.MessageService):
            continue
        if sender is not None:
            from_id = getattr(message, "from_id", None)
            if from_id is None or utils.get_peer_id(from_id) != sender:
                continue
        if wanted and not wanted <= words(getattr(message, "message", "") or ""):
            continue
        if keep(message):
            found.append(j)
    return found
