"""Saved messages in words: service actions as sentences, media as a labelled line.

Plain strings, no styles and no terminal: the reader and any other view sanitise and style
them. Every value comes from a file on disk and is treated as untrusted data: it is only
ever inserted into these sentences, never interpreted, and a value of another type than
tgtui writes (a list where a name goes) is taken as absent.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from tgtui.format.action_names import current_name
from tgtui.format.records import media_path_problem, non_negative
from tgtui.format.safe_files import inside_folder, link_refused, not_a_file
from tgtui.i18n import N_, _, ngettext, number
from tgtui.units import duration, human_bytes

Record = dict[str, Any]

_MEDIA_LABEL = {
    "photo": N_("photo"),
    "video_file": N_("video"),
    "video_message": N_("video message"),
    "voice_message": N_("voice message"),
    "audio_file": N_("audio"),
    "sticker": N_("sticker"),
    "animation": N_("GIF"),
    "file": N_("file"),
    "poll": N_("poll"),
    "location": N_("location"),
    "contact": N_("contact"),
    "web_page": N_("link preview"),
}

# Service actions as sentences: {actor} did it; {title} is quoted, {names} listed.
_SENTENCES = {
    "create_group": N_("{actor} created the group {title}"),
    "create_channel": N_("{actor} created the channel {title}"),
    "edit_group_title": N_("{actor} changed the name to {title}"),
    "edit_group_photo": N_("{actor} changed the group photo"),
    "delete_group_photo": N_("{actor} removed the group photo"),
    "invite_members": N_("{actor} added {names}"),
    "remove_members": N_("{actor} removed {names}"),
    "join_group_by_link": N_("{actor} joined by an invite link"),
    "migrate_to_supergroup": N_("{actor} turned the group into a supergroup"),
    "migrate_from_group": N_("{actor} turned the group {title} into this supergroup"),
    "pin_message": N_("{actor} pinned a message"),
    "clear_history": N_("{actor} cleared the history"),
    "take_screenshot": N_("{actor} took a screenshot"),
    "joined_telegram": N_("{actor} joined Telegram"),
    "topic_created": N_("{actor} created the topic {title}"),
    "set_messages_ttl": N_("{actor} changed the auto-delete timer"),
    "join_group_by_request": N_("{actor} was accepted into the group"),
    "score_in_game": N_("{actor} scored {score} in a game"),
    "send_payment": N_("{actor} paid"),
    "edit_chat_theme": N_("{actor} changed the chat theme"),
    "invite_to_group_call": N_("{actor} invited {names} to the voice chat"),
}
# The same, with a length or a new name when the message has one.
_WITH_DURATION = {
    "phone_call": (N_("{actor} called"), N_("{actor} called ({duration})")),
    "group_call": (
        N_("{actor} started a voice chat"),
        N_("{actor} started a voice chat ({duration})"),
    ),
}


def _text(value: object) -> str | None:
    """A name or text field: the string, or None for anything else."""
    return value if isinstance(value, str) else None


def _names(record: Record) -> str:
    members = record.get("members")
    if not isinstance(members, list) or not members:
        return _("someone")
    names = [m for m in members if isinstance(m, str)]
    if not names:
        return _("someone")
    if len(names) > 3:
        more = len(names) - 3
        return ngettext("{names} and {count} more", "{names} and {count} more", more).format(
            names=", ".join(names[:3]), count=number(more)
        )
    if len(names) == 1:
        return names[0]
    return _("{names} and {last}").format(names=", ".join(names[:-1]), last=names[-1])


def _duration(seconds: object) -> str:
    whole = non_negative(seconds)
    return "" if whole is None else duration(whole)


def service_sentence(record: Record) -> str:
    """A service message as a sentence: "Ana changed the group name to "Hikers"."."""
    actor = _text(record.get("from")) or _text(record.get("actor")) or _("Someone")
    action = current_name(_text(record.get("action")) or "")
    title = record.get("title")
    if action in _SENTENCES:
        quoted = f"“{title}”" if isinstance(title, str) else _("a new name")
        members = _names(record) if "{names}" in _SENTENCES[action] else ""
        score = record.get("score")
        return _(_SENTENCES[action]).format(
            actor=actor, title=quoted, names=members, score=score if type(score) is int else ""
        )
    if action in _WITH_DURATION:
        duration = _duration(record.get("duration_seconds"))
        plain, timed = _WITH_DURATION[action]
        return _(timed if duration else plain).format(actor=actor, duration=duration)
    if action == "topic_edit":
        new_title = record.get("new_title", title)  # backups before 0.2 kept it in "title"
        if isinstance(new_title, str):
            return _("{actor} changed the topic to {title}").format(
                actor=actor, title=f"“{new_title}”"
            )
        return _("{actor} changed the topic").format(actor=actor)
    if action == "custom_action":
        text = _text(record.get("information_text", record.get("text")))
        return text or _("{actor} did something").format(actor=actor)
    words = action.replace("_", " ").strip() or _("did something")
    return f"{actor}: {words}"


def media_label(record: Record) -> str | None:
    """The kind of media a message carries ("photo", "voice message"...), if any."""
    kind = record.get("media_type")
    if not isinstance(kind, str) or not kind:
        return None
    return _(_MEDIA_LABEL[kind]) if kind in _MEDIA_LABEL else kind.replace("_", " ")


def media_status(record: Record, folder: Path, failed: dict[str, str]) -> tuple[str, bool]:
    """Whether the message's file is saved, and if not why: (words, saved)."""
    if record.get("media_unavailable"):
        return _("not available on Telegram"), False
    path = record.get("file")
    if not isinstance(path, str) or not path:
        if record.get("media_type") in {"poll", "location", "contact", "web_page"}:
            return "", True  # nothing to download: the message holds it all
        return _("not saved (left out by the media choice of the backup)"), False
    problem = media_path_problem(path)
    if problem is not None:
        return _("not shown: {problem}").format(problem=problem), False
    found, refused = media_file(record, folder)  # the same test Enter uses to open it
    if found is not None:
        return _("saved"), True
    if refused is not None:
        return _("not opened: {reason}").format(reason=refused), False
    reason = failed.get(str(record.get("id")))
    if reason:
        return _("not saved: {reason}").format(reason=reason), False
    return _("not saved yet (the next backup run fetches it)"), False


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
    if record.get("media_type") == "web_page":  # where it leads, as its card says
        for field in ("web_page_site", "web_page_title"):
            words = record.get(field)
            if isinstance(words, str) and words:
                parts.append(words)
    title = record.get("title")
    if record.get("type") != "service" and isinstance(title, str) and title:
        parts.append(title)
    size = non_negative(record.get("file_size"))
    if size is not None:
        parts.append(human_bytes(size))
    duration = _duration(record.get("duration_seconds"))
    if duration:
        parts.append(duration)
    status, saved = media_status(record, folder, failed)
    if status:
        parts.append(status)
    return " · ".join(parts), saved


def saved_file(record: Record, folder: Path) -> Path | None:
    """The message's saved file, if it is there: a regular file inside the chat folder,
    with no link on its way (a link is never opened or exported, wherever it leads)."""
    return media_file(record, folder)[0]


def media_file(record: Record, folder: Path) -> tuple[Path | None, str | None]:
    """The message's saved file (`saved_file`), or why what is in its place is refused: its
    path leaves the chat folder, a link on its way, not a regular file (a FIFO, a folder).
    (None, None) when the message names no file, or it is not there."""
    path = record.get("file")
    if not isinstance(path, str) or not path:
        return None, None
    problem = media_path_problem(path)
    if problem is not None:
        return None, problem
    problem = inside_folder(folder, path)
    if problem is not None:
        return None, problem
    target = folder / path
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, exc.strerror or str(exc)
    if not stat.S_ISREG(mode):
        return None, link_refused() if stat.S_ISLNK(mode) else not_a_file(mode)
    return target, None
