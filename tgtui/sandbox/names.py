"""Deterministic names, titles and message text for the generated world."""

from __future__ import annotations

import random

FIRST = [
    "Alice",
    "Bob",
    "Carol",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kira",
    "Luca",
    "Maya",
    "Nikolai",
    "Olga",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Anya",
    "Boris",
    "Chen",
    "Dana",
    "Emil",
    "Fatima",
    "Gus",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Rui",
    "Sara",
    "Tomas",
    "Uma",
    "Vlad",
    "Wanda",
    "Yara",
]
LAST = [
    "Ivanova",
    "Smith",
    "Okafor",
    "Tanaka",
    "Garcia",
    "Muller",
    "Rossi",
    "Kowalski",
    "Nguyen",
    "Haddad",
    "Berg",
    "Silva",
    "Novak",
    "Lindqvist",
    "Petrov",
    "Costa",
    "Moreau",
    "Fischer",
    "Khan",
    "Park",
    "Horvat",
    "Jensen",
    "Alvarez",
    "Dubois",
    "Sato",
]
ADJ = [
    "Quiet",
    "Rusty",
    "Open",
    "Little",
    "Northern",
    "Weekend",
    "Midnight",
    "Green",
    "Urban",
    "Lazy",
    "Hidden",
    "Daily",
    "Friendly",
    "Curious",
    "Tiny",
    "Electric",
    "Ancient",
    "Cosy",
    "Brave",
    "Lucky",
]
NOUN = [
    "Hikers",
    "Coders",
    "Readers",
    "Chess",
    "Club",
    "Gardeners",
    "Cyclists",
    "Photographers",
    "Kitchen",
    "Physics",
    "Makers",
    "Runners",
    "Cinema",
    "Linux",
    "Rust",
    "Python",
    "Jazz",
    "Vinyl",
    "Astronomy",
    "Climbers",
    "Sailors",
]
CHANNEL = [
    "News",
    "Digest",
    "Bulletin",
    "Updates",
    "Daily",
    "Weekly",
    "Notes",
    "Radar",
    "Journal",
    "Dispatch",
    "Feed",
    "Chronicle",
]
BOT = [
    "Weather",
    "Reminder",
    "Translate",
    "Poll",
    "Music",
    "Feed",
    "Quiz",
    "Currency",
    "Notes",
    "Files",
]
WORDS = [
    "the",
    "a",
    "to",
    "and",
    "of",
    "in",
    "is",
    "it",
    "you",
    "that",
    "we",
    "for",
    "on",
    "are",
    "with",
    "this",
    "be",
    "at",
    "have",
    "not",
    "do",
    "but",
    "so",
    "just",
    "what",
    "about",
    "your",
    "can",
    "when",
    "meeting",
    "tomorrow",
    "lunch",
    "code",
    "release",
    "photo",
    "trip",
    "train",
    "coffee",
    "weekend",
    "deploy",
    "review",
    "ticket",
    "idea",
    "plan",
    "great",
    "thanks",
    "sure",
    "maybe",
    "later",
    "tonight",
    "morning",
    "book",
    "film",
    "music",
    "garden",
    "server",
    "backup",
    "file",
    "link",
    "update",
    "version",
    "bug",
    "fix",
    "test",
    "again",
    "late",
    "early",
    "soon",
    "home",
    "office",
    "rain",
    "sun",
    "snow",
    "park",
    "city",
    "river",
    "mountain",
    "beach",
]
TOPIC = [
    "Announcements",
    "Off-topic",
    "Help & support",
    "Releases",
    "Design",
    "Bug reports",
    "Ideas",
    "Events",
    "Introductions",
    "Jobs",
    "Showcase",
    "Translations",
]
EMOJI = ("👍", "❤", "🔥", "😂", "🎉", "😮", "🙏")
URLS = ("https://example.org/a", "https://tgtui.invalid/docs", "https://example.com/p?id=7")


def person(rng: random.Random) -> tuple[str, str]:
    """A first and last name (the last may be empty, as on Telegram)."""
    last = rng.choice(LAST) if rng.random() < 0.7 else ""
    return rng.choice(FIRST), last


def group_title(rng: random.Random) -> str:
    """A group chat's title."""
    return f"{rng.choice(ADJ)} {rng.choice(NOUN)}"


def channel_title(rng: random.Random) -> str:
    """A channel's title."""
    return f"{rng.choice(ADJ)} {rng.choice(NOUN)} {rng.choice(CHANNEL)}"


def bot_name(rng: random.Random) -> str:
    """A bot's display name."""
    return f"{rng.choice(BOT)} Bot"


def sentence(rng: random.Random, low: int = 2, high: int = 24) -> str:
    """A sentence of random words, capitalised, sometimes with an emoji."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    text = " ".join(words).capitalize()
    if rng.random() < 0.15:
        text += " " + rng.choice(EMOJI)
    return text


# A hostile world (WorldOptions.hostile): names, titles, texts and file names as an attacker
# or an unlucky chat would write them. Each one has broken a Telegram tool somewhere: Rich
# markup, terminal escapes (OSC 52 writes the clipboard, OSC 0 the window title, OSC 8 links,
# CSI 2J wipes the screen), C0/C1 controls and NUL, bidi overrides, names long in bytes.
HOSTILE = (
    "[/r/linux] memes",
    "Crypto [/signals]",
    "Chat [beta]",
    "[bold red]x[/] [link=https://evil.invalid]click[/link]",
    "\x1b]52;c;ZWNobyBwd25lZCA+IC90bXAvcHduZWQ=\x07Clipboard",
    "\x1b]0;you have been pwned\x07Window title",
    "\x1b[2J\x1b[HWiped screen\x1b[31m red",
    "\x1b]8;;https://evil.invalid/\x1b\\innocent link\x1b]8;;\x1b\\",
    "NUL\x00byte\x01bell\x07del\x7fC1\x9b31m",
    "Bidi \u202egnp.exe\u202c trick",
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 mixed RTL",
    "Lines\nbroken\r\nby\u2028separators\ttabs",
    "\U0001d401" * 70,  # mathematical bold B: 4 bytes each, 280 bytes
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035a\u035b\u035c\u035d algo",
    "{} {0} %s %(name)s <red>loguru</red>",
    "A" * 300,
    "<script>alert('name')</script>Scripted",
    '"><img src=x onerror="alert(1)"><b>html</b> &amp; entities',
)
HOSTILE_FILE_NAMES = (
    "\U0001d401" * 70 + ".pdf",
    "\U0001d401" * 70,
    "../../../../etc/passwd",
    "/tmp/absolute.sh",
    "..",
    "\x1b]52;c;cGF5bG9hZA==\x07.txt",
    "name\x00with NUL.txt",
    "\u202egnp.exe",
    "CON",
    "x" * 400 + ".tar.gz",
    "\u00e9" * 200 + "." + "e" * 40,
)


def hostile(index: int) -> str:
    """The hostile string for ``index`` (every one comes round)."""
    return HOSTILE[index % len(HOSTILE)]


def hostile_file_name(index: int) -> str:
    """A hostile file name for ``index``."""
    return HOSTILE_FILE_NAMES[index % len(HOSTILE_FILE_NAMES)]
