"""The media part of a message's record: media_type and what describes the file, poll,
place, contact or link preview, in Telegram Desktop's words (see SCHEMA.md and
`tgtui.backup.schema`, which adds it to each record)."""

from __future__ import annotations

from typing import Any

from telethon.tl import types

Record = dict[str, Any]


def _first_attributes(document: Any) -> dict[type[Any], Any]:
    """Each kind of attribute ``document`` has, with its first of that kind (one pass)."""
    found: dict[type[Any], Any] = {}
    for attribute in document.attributes:
        kind = type(attribute)
        if kind not in found:
            found[kind] = attribute
    return found


def _document_fields(document: Any) -> Record:
    """media_type and details of a document, in Telegram Desktop's words."""
    record: Record = {
        "mime_type": document.mime_type,
        "file_size": document.size,
        "media_id": str(document.id),  # changes when the file is replaced (same name or not)
    }
    found = _first_attributes(document)
    get = found.get
    audio = get(types.DocumentAttributeAudio)
    video = get(types.DocumentAttributeVideo)
    sticker = get(types.DocumentAttributeSticker)
    name = get(types.DocumentAttributeFilename)
    if name is not None:
        record["file_name"] = name.file_name
    if sticker is not None:
        record["media_type"] = "sticker"
        record["sticker_emoji"] = sticker.alt or None
    elif types.DocumentAttributeAnimated in found:
        record["media_type"] = "animation"
    elif audio is not None:
        record["media_type"] = "voice_message" if audio.voice else "audio_file"
        record["duration_seconds"] = audio.duration
        if not audio.voice:
            record["performer"] = audio.performer
            record["title"] = audio.title
    elif video is not None:
        record["media_type"] = "video_message" if video.round_message else "video_file"
        record["duration_seconds"] = int(video.duration)
    else:
        record["media_type"] = "file"
    if video is not None:
        record["width"], record["height"] = video.w, video.h
    return record


# A link preview's words (webPage's site_name, title, description), as the record names them.
WEB_PAGE_FIELDS = (
    ("web_page_site", "site_name"),
    ("web_page_title", "title"),
    ("web_page_description", "description"),
)


def media_fields(media: Any) -> Record:
    """The media part of a record (media_type, sizes, poll, location...)."""
    if media is None or isinstance(media, types.MessageMediaEmpty):
        return {}
    if isinstance(media, types.MessageMediaPhoto):
        photo = media.photo
        if not isinstance(photo, types.Photo):
            return {"media_type": "photo", "media_unavailable": True}
        sizes = [
            s for s in photo.sizes if isinstance(s, types.PhotoSize | types.PhotoSizeProgressive)
        ]
        best = max(sizes, key=lambda s: s.w * s.h, default=None)
        record: Record = {"media_type": "photo"}
        if best is not None:
            size = best.size if isinstance(best, types.PhotoSize) else max(best.sizes)
            record.update(width=best.w, height=best.h, file_size=size)
        record["media_id"] = str(photo.id)
        if media.ttl_seconds:
            record["self_destruct_period_seconds"] = media.ttl_seconds
        return record
    if isinstance(media, types.MessageMediaDocument):
        document = media.document
        if not isinstance(document, types.Document):
            return {"media_type": "file", "media_unavailable": True}
        return _document_fields(document)
    if isinstance(media, types.MessageMediaPoll):
        poll, results = media.poll, media.results
        counts = (results.results or []) if results else []
        voters = {r.option: r.voters for r in counts}
        chosen = {r.option for r in counts if r.chosen}  # the account's own vote(s)
        question = poll.question.text if hasattr(poll.question, "text") else str(poll.question)
        return {
            "media_type": "poll",
            "poll": {
                "question": question,
                "closed": bool(poll.closed),
                "total_voters": results.total_voters if results else None,
                "answers": [
                    {
                        "text": a.text.text if hasattr(a.text, "text") else str(a.text),
                        "voters": voters.get(a.option),
                        **({"chosen": True} if a.option in chosen else {}),
                    }
                    for a in poll.answers
                ],
            },
        }
    if isinstance(
        media, types.MessageMediaGeo | types.MessageMediaGeoLive | types.MessageMediaVenue
    ):
        geo = media.geo
        record = {"media_type": "location"}
        if isinstance(geo, types.GeoPoint):
            record["location_information"] = {"latitude": geo.lat, "longitude": geo.long}
        if isinstance(media, types.MessageMediaVenue):
            record["place_name"], record["address"] = media.title, media.address
        return record
    if isinstance(media, types.MessageMediaContact):
        return {
            "media_type": "contact",
            "contact_information": {
                "first_name": media.first_name,
                "last_name": media.last_name,
                "phone_number": media.phone_number,
            },
        }
    if isinstance(media, types.MessageMediaWebPage):
        page = media.webpage
        url = getattr(page, "url", None)
        if not url:
            return {}
        preview: dict[str, Any] = {"media_type": "web_page", "web_page_url": url}
        for (
            field,
            attribute,
        ) in WEB_PAGE_FIELDS:  # what the preview card says, when Telegram says it
            value = getattr(page, attribute, None)
            if isinstance(value, str) and value:
                preview[field] = value
        return preview
    name = type(media).__name__.removeprefix("MessageMedia")
    return {"media_type": name[:1].lower() + name[1:]}
