"""Deterministic names, titles and message text for the generated world."""

from __future__ import annotations

import random

FIRST = (
    "Alice Bob Carol Dmitri Elena Farid Grace Hiro Ines Jonas Kira Luca Maya Nikolai Olga Pavel "
    "Quinn Rosa Sven Tara Umar Vera Wei Ximena Yusuf Zoe Anya Boris Chen Dana Emil Fatima Gus "
    "Hana Ivan Julia Kofi Lena Mateo Nadia Omar Priya Rui Sara Tomas Uma Vlad Wanda Yara"
).split()
LAST = (
    "Ivanova Smith Okafor Tanaka Garcia Muller Rossi Kowalski Nguyen Haddad Berg Silva Novak "
    "Lindqvist Petrov Costa Moreau Fischer Khan Park Horvat Jensen Alvarez Dubois Sato"
).split()
ADJ = (
    "Quiet Rusty Open Little Northern Weekend Midnight Green Urban Lazy Hidden Daily Friendly "
    "Curious Tiny Electric Ancient Cosy Brave Lucky"
).split()
NOUN = (
    "Hikers Coders Readers Chess Club Gardeners Cyclists Photographers Kitchen Physics Makers "
    "Runners Cinema Linux Rust Python Jazz Vinyl Astronomy Climbers Sailors"
).split()
CHANNEL = (
    "News Digest Bulletin Updates Daily Weekly Notes Radar Journal Dispatch Feed Chronicle"
).split()
BOT = "Weather Reminder Translate Poll Music Feed Quiz Currency Notes Files".split()
WORDS = (
    "the a to and of in is it you that we for on are with this be at have not do but so just "
    "what about your can when meeting tomorrow lunch code release photo trip train coffee "
    "weekend deploy review ticket idea plan great thanks sure maybe later tonight morning "
    "book film music garden server backup file link update version bug fix test again late "
    "early soon home office rain sun snow park city river mountain beach"
).split()
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
