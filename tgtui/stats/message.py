"""What one saved message adds to the statistics (STATS.md says each figure):

- a record whose ``type`` is ``service`` (a title changed, someone joined) is counted as a
  service message and nothing else; every other record is a message;
- a message deleted on Telegram (in ``deleted.jsonl``) is counted as deleted and nothing
  else: the figures are the chat as it is now;
- an edited message counts in its latest version (`tgtui.format.versions.Changes.apply`);
- its sender is its ``from_id`` (a channel's post without one: its ``author``), named by
  its ``from`` (or ``author``); its media kind is its ``media_type`` (anything but a short
  lower-case name is ``other``); ``file_size`` and ``duration_seconds`` count when they are
  whole numbers; ``out`` marks the account's own messages.

A field of another type than SCHEMA.md says is read as absent, as every reader does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tgtui.format.records import non_negative
from tgtui.stats.text import TextFacts, entities_of, text_facts

SERVICE = "service"
OTHER_MEDIA = "other"
_MEDIA_NAME = re.compile(r"[a-z][a-z_]{0,31}")
MAX_NAME = 200  # a sender's name is kept cut to this many characters


@dataclass
class Look:
    """One message as the statistics see it."""

    service: bool
    deleted: bool
    edited: bool
    out: bool
    sender: str  # "user123", "name:Carol" (a signature without an id), "" when unknown
    name: str  # how the sender is named in it
    media: str  # "" for none
    size: int
    seconds: int
    text: TextFacts


_NO_TEXT = TextFacts()


def media_kind(value: object) -> str:
    """A record's ``media_type`` as a media kind: "" for none, `OTHER_MEDIA` for a value
    tgtui does not write (not a short lower-case name)."""
    if value is None or value == "":
        return ""
    if type(value) is str and _MEDIA_NAME.fullmatch(value):
        return value
    return OTHER_MEDIA


def sender_of(record: dict[str, Any]) -> tuple[str, str]:
    """Who sent a message: (key, name). The key is its ``from_id``, else ``name:`` and its
    author's signature, else "" (unknown)."""
    name = record.get("from")
    if type(name) is not str or not name:
        author = record.get("author")
        name = author if type(author) is str else ""
    key = record.get("from_id")
    if type(key) is not str or not key:
        key = f"name:{name[:MAX_NAME]}" if name else ""
    return key[: MAX_NAME + 5], name[:MAX_NAME]


def look(record: dict[str, Any]) -> Look:
    """What ``record`` (a message as it is now: `Changes.apply`) adds."""
    deleted = "deleted_on_telegram" in record
    if record.get("type") == SERVICE:
        return Look(True, deleted, False, False, "", "", "", 0, 0, _NO_TEXT)
    sender, name = sender_of(record)
    text = record.get("text")
    entities = entities_of(record)
    facts = text_facts(text if type(text) is str else "", entities)
    media = media_kind(record.get("media_type"))
    return Look(
        service=False,
        deleted=deleted,
        edited="versions" in record,
        out=record.get("out") is True,
        sender=sender,
        name=name,
        media=media,
        size=(non_negative(record.get("file_size")) or 0) if media else 0,
        seconds=(non_negative(record.get("duration_seconds")) or 0) if media else 0,
        text=facts,
    )
