"""What a message's media and a sender's userpic look like on a page of the HTML export, with
no JavaScript: pictures and stickers as `<img>`, GIFs playing by themselves as muted looping
`<video>`, videos and round videos with the browser's controls, voice and music as `<audio>`,
polls with a bar per answer (`<meter>`), and coloured initials where no userpic is saved.

Everything here comes from the backup: names, file names and answers are escaped (`esc`),
and a saved file's path is made a relative link (`file_url`) that leads to it whatever its
name holds. Nothing from a message becomes markup or an address.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from tgtui.format.records import non_negative
from tgtui.format.userpics import initials as plain_initials
from tgtui.units import duration
from tgtui.untrusted import html_text as esc

Record = dict[str, Any]

# How a saved file of each kind is shown in place (anything else is a link).
PLAYED = frozenset({"video_file", "video_message", "voice_message", "audio_file"})
SHOWN = frozenset({"photo", "sticker", "animation"}) | PLAYED
# Media whose saved thumbnail is shown where the file itself is not (not saved, or not a
# thing a browser shows: an animated sticker), marked as a preview; a ▶ on those that move.
PREVIEWED = frozenset({"photo", "sticker", "animation", "video_file", "video_message", "file"})
MOVING = frozenset({"animation", "video_file", "video_message"})
_PREVIEW_CLASS = {"video_file": "video", "video_message": "round"}
_PREVIEW_ALT = {
    "photo": "Photo",
    "sticker": "Sticker",
    "animation": "GIF",
    "video_file": "Video",
    "video_message": "Round video",
    "file": "File",
}


class Pictures:
    """The small pictures of a chat's export, where the backup saved them (SCHEMA.md,
    "Thumbnails and avatars"), as paths relative to the chat's export folder.

    This one has none: a sender and the chat are shown by coloured initials, a video without
    a poster, a photo that is not saved by its words only. `tgtui.export.files.SavedPictures`
    places the backup's own in the export as a page asks for them."""

    chat: str | None = None  # the chat's peer ("channel789"), whose picture the header shows

    def userpic(self, peer: str) -> str | None:
        """The saved userpic of ``peer`` (a record's from_id: "user123"), if any."""
        return None

    def preview(self, record: Record) -> str | None:
        """The saved thumbnail of a message's media (a picture), if any."""
        return None


# The first bytes of the files a browser plays or draws (JPEG, PNG, GIF, RIFF: WebP and WAV,
# Ogg, FLAC, MP3 with or without its ID3 tag, Matroska: WebM) and MP4's "ftyp" at byte 4.
_MAGIC = (
    b"\xff\xd8\xff",
    b"\x89PNG",
    b"GIF8",
    b"RIFF",
    b"OggS",
    b"fLaC",
    b"ID3",
    b"\x1a\x45\xdf\xa3",
)


def playable(file: Path) -> bool:
    """Whether a saved file starts as a picture, a video or a sound a browser shows does: a
    file that is something else (noise, a name that lies) stays a link, not a broken player."""
    try:
        with open(file, "rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    return head.startswith(_MAGIC) or head[4:8] == b"ftyp" or head[:2] in (b"\xff\xfb", b"\xff\xf3")


def file_url(path: str) -> str:
    """A relative file path as a link: every character a URL gives a meaning (#, ?, %,
    spaces...) escaped, so the link leads to the file whatever its name."""
    return esc(quote(path, safe="/", errors="replace"))


def initials(name: str) -> str:
    """One or two initials of a name ("Ana Lima" -> "AL"), escaped; "?" if it has none."""
    return esc(plain_initials(name))


def userpic(colour: int, name: str, picture: str | None = None, big: bool = False) -> str:
    """A round userpic: the saved picture (a path in the chat's export folder), else the
    name's initials on the sender's colour."""
    size = " big" if big else ""
    if picture is not None:
        return f'<img class="userpic{size}" src="{file_url(picture)}" alt="" loading="lazy">'
    return f'<span class="userpic{size} c{colour}" aria-hidden="true">{initials(name)}</span>'


def _size(message: Record) -> str:
    """width and height attributes (the space a picture or video takes before it loads)."""
    width, height = message.get("width"), message.get("height")
    if type(width) is int and type(height) is int and 0 < width <= 99_999 and 0 < height <= 99_999:
        return f' width="{width}" height="{height}"'
    return ""


def saved_media(
    kind: str, record: Record, message: Record, path: str, body: str, pictures: Pictures
) -> str | None:
    """A saved file of ``kind`` shown in place, with ``body`` (its escaped details: kind,
    name, size, duration) as the link to the file under a player, and a video's saved
    thumbnail (``pictures``) as its poster; None: shown as a link."""
    url = file_url(path)
    mime = record.get("mime_type")
    mime = mime if isinstance(mime, str) else ""
    if kind == "photo":
        return (
            f'<div class="media photo"><a href="{url}"><img src="{url}"{_size(message)}'
            ' loading="lazy" alt="Photo"></a></div>\n'
        )
    if kind == "sticker" or (kind == "animation" and mime.startswith("image/")):
        emoji = record.get("sticker_emoji")
        alt = "Sticker " + esc(emoji) if isinstance(emoji, str) and kind == "sticker" else "GIF"
        if mime.startswith("image/") or (not mime and path.lower().endswith((".webp", ".png"))):
            return (
                f'<div class="media {kind}"><img src="{url}"{_size(message)} loading="lazy"'
                f' alt="{alt}"></div>\n'
            )
        if not mime.startswith("video/"):
            return None  # an animated (Lottie) sticker: no browser draws it
    poster = pictures.preview(record) if kind != "voice_message" and kind != "audio_file" else None
    picture = "" if poster is None else f' poster="{file_url(poster)}"'
    if kind in ("sticker", "animation"):  # a video sticker or a GIF (an MP4): plays in a loop
        return (
            f'<div class="media {kind}"><video src="{url}"{_size(message)}{picture} autoplay'
            ' loop muted playsinline preload="auto"></video></div>\n'
        )
    caption = f'<div class="caption"><a href="{url}">{body}</a></div>'
    if kind == "video_file":
        return (
            f'<div class="media video"><video src="{url}"{_size(message)}{picture} controls'
            f' preload="metadata"></video>{caption}</div>\n'
        )
    if kind == "video_message":
        return (
            f'<div class="media round"><video src="{url}"{picture} controls'
            f' preload="metadata"></video>{caption}</div>\n'
        )
    if kind in ("voice_message", "audio_file"):
        return (
            f'<div class="media audio"><audio src="{url}" controls preload="none"></audio>'
            f"{caption}</div>\n"
        )
    return None


def preview_media(kind: str, message: Record, picture: str, body: str) -> str:
    """A message's media whose file is not shown (not saved, or not a thing a browser shows)
    as its saved thumbnail ``picture``, marked as a preview (with a ▶ on those that move),
    and ``body`` (escaped: what it is, and why its file is not here or a link to it)."""
    shape = _PREVIEW_CLASS.get(kind, kind)
    mark = "▶ Preview" if kind in MOVING else "Preview"
    alt = _PREVIEW_ALT.get(kind, "Media")
    return (
        f'<div class="media {shape} preview"><div class="still"><img src="{file_url(picture)}"'
        f'{_size(message) if kind != "video_message" else ""} loading="lazy"'
        f' alt="{alt} (preview)"><span class="tag">{mark}</span></div>'
        f'<div class="caption">{body}</div></div>\n'
    )


def poll_html(poll: Record) -> str:
    """A poll (Telegram Desktop's object: question, closed, total_voters, answers) with a bar
    for each answer's share of the voters."""
    answers = [a for a in poll.get("answers") or () if isinstance(a, dict)]
    votes = [non_negative(a.get("voters")) or 0 for a in answers]
    total = non_negative(poll.get("total_voters")) or sum(votes)
    rows = []
    for answer, count in zip(answers, votes, strict=True):
        share = min(100, round(100 * count / total)) if total else 0
        chosen = " chosen" if answer.get("chosen") is True else ""
        rows.append(
            f'<div class="answer{chosen}"><span class="share">{share}%</span> '
            f'{esc(answer.get("text", ""))} <span class="n">{count:,}</span>'
            f'<meter min="0" max="100" value="{share}"></meter></div>'
        )
    closed = " · closed" if poll.get("closed") is True else ""
    voters = "1 vote" if total == 1 else f"{total:,} votes"
    return (
        f'<div class="media poll"><div class="question">{esc(poll.get("question", ""))}</div>'
        f'{"".join(rows)}<div class="votes">{voters}{closed}</div></div>\n'
    )


def details(label: str, record: Record, message: Record) -> list[str]:
    """The escaped words saying what a file is: its kind (``label``, escaped), name or
    performer and title, and length (the size is added by the caller)."""
    out = [label]
    name = record.get("file_name")
    if record.get("media_type") == "audio_file":
        song = [message.get("performer"), message.get("title")]
        named = " — ".join(esc(part) for part in song if isinstance(part, str) and part)
        if named:
            out.append(named)
        elif isinstance(name, str) and name:
            out.append(esc(name))
    elif isinstance(name, str) and name:
        out.append(esc(name))
    return out


def length(record: Record) -> str | None:
    """How long a voice message, song or video lasts ("1:15")."""
    seconds = non_negative(record.get("duration_seconds"))
    return None if seconds is None else duration(seconds)
