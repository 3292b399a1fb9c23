"""The forum topic a command's ``--topic`` names (`tgtui search`, `tgtui stats`), among
the topics the backup kept for its forums (`tgtui.format.topics`).

A topic is named by its id, or by its title as chats are named by name (any case, with or
without accents: the topics whose whole title is that, or if none is, those whose title
contains it). A name or an id that fits topics of more than one forum, or several topics
of one, is an error that lists them (name the forum too, or the topic by id),
never a silent choice of all of them. General (topic 1) holds a forum's messages that
carry no topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tgtui.archive.folder import ArchiveChat, ArchiveError
from tgtui.chats.matching import fold
from tgtui.format.topics import Topic, read_topics
from tgtui.i18n import _, ngettext, number
from tgtui.lazylog import logger
from tgtui.untrusted import clean

MAX_LISTED = 10  # topics listed for a name that fits several


@dataclass(frozen=True)
class ChosenTopic:
    """A topic of a forum in the backup."""

    chat: ArchiveChat
    topic: Topic


def forum_topics(chats: Sequence[ArchiveChat], notes: list[str]) -> list[ChosenTopic]:
    """Every topic the backup kept for these chats (the forums among them); a topics file
    that cannot be read is said in ``notes``."""
    found: list[ChosenTopic] = []
    for chat in chats:
        try:
            topics = read_topics(chat.folder)
        except OSError as exc:
            logger.warning("{}: topics not read ({})", chat.folder, exc)
            notes.append(
                _("{chat}: its forum topics are not read: {reason}").format(
                    chat=chat.name or chat.id, reason=exc.strerror or exc
                )
            )
            continue
        found += [ChosenTopic(chat, topic) for topic in topics]
    return found


def _named(found: ChosenTopic) -> str:
    return (
        f"{clean(found.chat.name or found.chat.id, limit=60)} ({found.chat.id}) · "
        f"{clean(found.topic.title, limit=60)} ({found.topic.id})"
    )


def choose_topic(
    text: str, chats: Sequence[ArchiveChat], notes: list[str], chat_option: str
) -> ChosenTopic:
    """The one topic ``text`` names among those of ``chats``; ArchiveError, saying why,
    when it names none or several (``chat_option``: how the command names a chat, for
    the user to name the forum)."""
    topics = forum_topics(chats, notes)
    given = text.strip()
    if given.isdigit():
        found = [t for t in topics if t.topic.id == int(given)]
    else:
        wanted = fold(given)
        found = [t for t in topics if fold(t.topic.title) == wanted]
        if not found and wanted:
            found = [t for t in topics if wanted in fold(t.topic.title)]
    quoted = repr(clean(text, limit=80))
    if not topics:
        raise ArchiveError(
            _("no forum topics are kept for the chats chosen (back the forums up again)")
        )
    if not found:
        raise ArchiveError(_("no forum topic matches {text}").format(text=quoted))
    if len(found) > 1:
        listed = "\n".join("  " + _named(t) for t in found[:MAX_LISTED])
        more = len(found) - MAX_LISTED
        if more > 0:
            listed += "\n  " + _("... and {count} more").format(count=number(more))
        fits = ngettext(
            "{text} fits {count} topic; name its forum ({option}) or the topic by its id:",
            "{text} fits {count} topics; name its forum ({option}) or the topic by its id:",
            len(found),
        )
        said = fits.format(text=quoted, count=number(len(found)), option=chat_option)
        raise ArchiveError(said + "\n" + listed)
    return found[0]
