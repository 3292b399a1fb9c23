"""Saved messages in words: service actions as sentences, media as a labelled line.

Plain strings, no styles and no terminal: the reader and any other view sanitise and style
them. Every value comes from a file on disk and is treated as untrusted data: it is only
ever inserted into these sentences, never interpreted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tgtui.backup.action_names import current_name
from tgtui.backup.integrity import media_path_problem
from tgtui.widgets.units import duration, human_bytes

Record = dict[str, Any]

_MEDIA_LABEL = {
    "photo": "photo",
    "video_file": "video",
    "video_message": "video message",
    "voice_message": "voice message",
    "audio_file": "audio",
    "sticker": "sticker",
    "animation": "GIF",
    "file": "file",
    "poll": "poll",
    "location": "location",
    "contact": "contact",
    "web_page": "link preview",
}


def _names(record: Record) -> str:
    members = record.get("members")
    if not isinstance(members, list) or not members:
        return "someone"
    names = [str(m) for m in members if m is not None]
    if len(names) > 3:
        return ", ".join(names[:3]) + f" and {len(names) - 3:,} more"
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


def _duration(seconds: object) -> str:
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
        return ""
    return duration(seconds)


def service_sentence(record: Record) -> str:
    """A service message as a sentence: "Ana changed the group name to "Hikers"."."""
    actor = str(record.get("from") or record.get("actor") or "Someone")
    action = current_name(str(record.get("action") or ""))
    title = record.get("title")
    quoted = f"“{title}”" if isinstance(title, str) else "a new name"
    duration = _duration(record.get("duration_seconds"))
    new_title = record.get("new_title", title)  # backups before 0.2 kept it in "title"
    sentences = {
        "create_group": f"{actor} created the group {quoted}",
        "create_channel": f"{actor} created the channel {quoted}",
        "edit_group_title": f"{actor} changed the name to {quoted}",
        "edit_group_photo": f"{actor} changed the group photo",
        "delete_group_photo": f"{actor} removed the group photo",
        "invite_members": f"{actor} added {_names(record)}",
        "remove_members": f"{actor} removed {_names(record)}",
        "join_group_by_link": f"{actor} joined by an invite link",
        "migrate_to_supergroup": f"{actor} turned the group into a supergroup",
        "migrate_from_group": f"{actor} turned the group {quoted} into this supergroup",
        "pin_message": f"{actor} pinned a message",
        "clear_history": f"{actor} cleared the history",
        "phone_call": f"{actor} called" + (f" ({duration})" if duration else ""),
        "take_screenshot": f"{actor} took a screenshot",
        "joined_telegram": f"{actor} joined Telegram",
        "group_call": f"{actor} started a voice chat" + (f" ({duration})" if duration else ""),
        "topic_created": f"{actor} created the topic {quoted}",
        "topic_edit": f"{actor} changed the topic"
        + (f" to “{new_title}”" if isinstance(new_title, str) else ""),
        "set_messages_ttl": f"{actor} changed the auto-delete timer",
        "join_group_by_request": f"{actor} was accepted into the group",
        "score_in_game": f"{actor} scored {record.get('score', '')} in a game",
        "send_payment": f"{actor} paid",
        "edit_chat_theme": f"{actor} changed the chat theme",
        "invite_to_group_call": f"{actor} invited {_names(record)} to the voice chat",
    }
    if action == "custom_action":
        text = record.get("information_text", record.get("text"))
        return str(text or f"{actor} did something")
    if action in sentences:
        return sentences[action]
    words = action.replace("_", " ").strip() or "did something"
    return f"{actor}: {words}"


def media_label(record: Record) -> str | None:
    """The kind of media a message carries ("photo", "voice message"...), if any."""
    kind = record.get("media_type")
    if not isinstance(kind, str) or not kind:
        return None
    return _MEDIA_LABEL.get(kind, kind.replace("_", " "))


def media_status(record: Record, folder: Path, failed: dict[str, str]) -> tuple[str, bool]:
    """Whether the message's file is saved, and if not why: (words, saved)."""
    if record.get("media_unavailable"):
        return "not available on Telegram", False
    path = record.get("file")
    if not isinstance(path, str) or not path:
        if record.get("media_type") in {"poll", "location", "contact", "web_page"}:
            return "", True  # nothing to download: the message holds it all
        return "not saved (left out by the media choice of the backup)", False
    problem = media_path_problem(path)
    if problem is not None:
        return f"not shown: {problem}", False
    if saved_file(record, folder) is not None:  # the same test Enter uses to open it
        return "saved", True
    reason = failed.get(str(record.get("id")))
    if reason:
        return f"not saved: {reason}", False
    return "not saved yet (the next backup run fetches it)", False


def media_line(record: Record, folder: Path, failed: dict[str, str]) -> tuple[str, bool] | None:
    """The media of a message as one line ("photo · holiday.jpg · 1.2 MB · saved") and
    whether its file is there; None for a message without media."""
    label = media_label(record)
    if label is None:
        return None
    parts = [label]
    name = record.get("file_name")
    if isinstance(name, str) and name:
        parts.append(name)
    elif isinstance(record.get("file"), str):
        parts.append(Path(str(record["file"])).name)
    poll = record.get("poll")
    if isinstance(poll, dict) and isinstance(poll.get("question"), str):
        parts.append(poll["question"])
    title = record.get("title")
    if record.get("type") != "service" and isinstance(title, str) and title:
        parts.append(title)
    size = record.get("file_size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        parts.append(human_bytes(size))
    duration = _duration(record.get("duration_seconds"))
    if duration:
        parts.append(duration)
    status, saved = media_status(record, folder, failed)
    if status:
        parts.append(status)
    return " · ".join(parts), saved


def saved_file(record: Record, folder: Path) -> Path | None:
    """The message's saved file, if it is there and inside the chat folder."""
    path = record.get("file")
    if not isinstance(path, str) or not path:
        return None
    if media_path_problem(path) is not None:
        return None
    target = folder / path
    try:
        resolved = target.resolve(strict=True)
        inside = resolved.is_relative_to(folder.resolve(strict=True))
    except OSError:
        return None
    return target if inside and resolved.is_file() else None
