"""The words, emoji and links of a message's text, as the statistics count them (STATS.md):

- a **link** is a URL written in the text (``http://`` or ``https://`` and what follows up to
  a space, quotes or angle brackets, without trailing punctuation), or the address of a text
  link (an entity of type ``text_link`` whose ``href`` starts so); its **domain** is the
  URL's host in lower case, without ``www.``;
- a **word** is a run of letters, digits or ``_`` in the text once its URLs are taken out;
  the **most used words** count those made only of letters, two or more of them, in lower
  case, that are not stop words (`tgtui.stats.stop_words`);
- an **emoji** is a pictograph (the ranges in `_EMOJI`, with its skin tone, ZWJ sequence or
  flag pair), counted as written but without variation selectors (``❤️`` is ``❤``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tgtui.stats.stop_words import STOP_WORDS

_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"…"
_WORD = re.compile(r"\w+")
_PICTOGRAPH = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328"
    "\u23cf\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe"
    "\u2600-\u27bf\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff"
)
_MODIFIER = "(?:\ufe0f|\u20e3|[\U0001f3fb-\U0001f3ff])*"
_EMOJI = re.compile(
    f"[\U0001f1e6-\U0001f1ff]{{2}}|[{_PICTOGRAPH}]{_MODIFIER}(?:\u200d[{_PICTOGRAPH}]{_MODIFIER})*"
)
MAX_TERM = 64  # a longer word, emoji sequence or domain is kept cut to this many characters


@dataclass
class TextFacts:
    """What a message's text adds: its word count, and the words, emoji and domains."""

    words: int = 0
    links: int = 0
    top_words: list[str] = field(default_factory=list)
    emoji: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)


def urls(text: str, entities: object = None) -> list[str]:
    """The links of a message: URLs in its text, then its text links' addresses."""
    found = [url.rstrip(_TRAILING) for url in _URL.findall(text)] if "://" in text else []
    if type(entities) is list:
        for entity in entities:
            if type(entity) is dict and entity.get("type") == "text_link":
                href = entity.get("href")
                if type(href) is str and href[:8].lower().startswith(("http://", "https://")):
                    found.append(href)
    return found


# URLs (of up to `HOST_URL` characters) whose host `domain` keeps: a chat's links are often
# the same ones, and `urlsplit` is slow.
HOSTS_KEPT, HOST_URL = 4096, 256
_HOSTS: dict[str, str | None] = {}


def domain(url: str) -> str | None:
    """The host a URL points to, lower case, without ``www.`` (None if it has none)."""
    if url in _HOSTS:
        return _HOSTS[url]
    try:
        host: str | None = urlsplit(url).hostname
    except ValueError:  # a bad [IPv6] part, or a port that is not a number
        host = None
    host = (host.removeprefix("www.")[:MAX_TERM] or None) if host else None
    if len(_HOSTS) < HOSTS_KEPT and len(url) <= HOST_URL:
        _HOSTS[url] = host
    return host


def text_facts(text: str, entities: object = None) -> TextFacts:
    """The words, links, emoji and domains of a text (see the module's notes)."""
    facts = TextFacts()
    if not text and entities is None:
        return facts
    links = urls(text, entities)
    if links:
        facts.links = len(links)
        facts.domains = [d for d in map(domain, links) if d is not None]
        text = _URL.sub(" ", text)
    tokens = _WORD.findall(text)
    facts.words = len(tokens)
    if tokens:
        facts.top_words = [
            w[:MAX_TERM]
            for w in _WORD.findall(text.lower())
            if len(w) > 1 and w.isalpha() and w not in STOP_WORDS
        ]
    if not text.isascii():
        facts.emoji = [e.replace("\ufe0f", "")[:MAX_TERM] for e in _EMOJI.findall(text)]
    return facts


def entities_of(record: dict[str, Any]) -> object:
    """A record's ``text_entities`` when it has text links (else None: nothing to read)."""
    entities = record.get("text_entities")
    if type(entities) is list and any(
        type(e) is dict and e.get("type") == "text_link" for e in entities
    ):
        return entities
    return None
