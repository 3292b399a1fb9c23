"""Forums and the account in the reader, on real sandbox backups (two forums, the account's
data kept over two runs with a contact, a session and a website gone between them):

- `u` in the archive opens the account: the contacts (with the day each was added, when a
  data export said it), sessions, websites and chats left `read_section` gives, the ones
  gone marked with the day, at 80x24 in English and Portuguese; `/` narrows the lines to a
  contact's name; without a data export the chats left say how to keep them; no `u`
  without `account/`;
- a forum opens on its topics, counted as a plain scan of its records by `topic_of` counts
  them; Enter on a topic shows exactly its messages (General: those without a topic),
  Escape goes back to the list, `a` reads every message; search inside a topic finds only
  the topic's messages;
- the archive's search finds the saved contacts the words name, listed apart from the
  messages; Enter on one opens the account narrowed to it; a chat's search lists none;
- `c` in a chat opens that chat's statistics; in a forum's topic (or on it in the topic
  list) the topic's own, as its records count them; on the list's first row the forum's;
- hostile topic titles and account names are shown literally, nothing reaching the terminal
  as a control.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.reader.conftest import ACCOUNT_RUNS
from tests.reader.helpers import manifest_chats, reader, records
from tests.tui.helpers import wait_for
from tests.tui.screen_text import footer_keys, rows
from tgtui import i18n
from tgtui.archive.topic_log import TopicLog
from tgtui.format.account import PROFILE_KEY, read_section, section_path
from tgtui.format.topics import GENERAL, in_topic, read_topics, topic_of
from tgtui.i18n import _, short_date
from tgtui.reader_app import ReaderApp
from tgtui.screens.account import AccountScreen
from tgtui.screens.archive import ArchiveScreen
from tgtui.screens.reader import ChatScreen
from tgtui.screens.search import ContactList, HitList, SearchScreen
from tgtui.screens.stats import StatsScreen
from tgtui.screens.topics import TopicsScreen
from tgtui.untrusted import clean
from tgtui.widgets.archive_list import ArchiveList
from tgtui.widgets.topic_list import TopicList

SMALL = (80, 24)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


@pytest.fixture(params=["en", "pt_BR"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test in English, then in Brazilian Portuguese."""
    language = str(request.param)
    i18n.use(i18n.PORTUGUESE if language == "pt_BR" else i18n.ENGLISH)
    yield language
    i18n.use(i18n.ENGLISH)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dates in one time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def day(stamp: int) -> str:
    """A unix time's day as the screens write it."""
    return short_date(dt.datetime.fromtimestamp(stamp, dt.UTC).date())


async def archive_ready(pilot: Pilot[Any]) -> None:
    """Wait for the archive's chats."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))
    await wait_for(pilot, lambda: bool(app.screen.query_one(ArchiveList).shown))


async def open_account(pilot: Pilot[Any]) -> AccountScreen:
    """`u` from the archive, once read."""
    await archive_ready(pilot)
    await pilot.press("u")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, AccountScreen))
    screen = app.screen
    assert isinstance(screen, AccountScreen)
    await wait_for(pilot, lambda: screen.data is not None)
    await pilot.pause(0.1)
    return screen


def plain_lines(screen: AccountScreen) -> list[str]:
    """Every line of the account view (shown or scrolled off)."""
    return [item.text.plain for item in screen.lines.items]


def name_of(data: dict[str, Any]) -> str:
    return " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)


async def test_the_account_shows_what_the_backup_kept(forum_backup: Path, language: str) -> None:
    contacts = read_section(forum_backup, "contacts")
    sessions = read_section(forum_backup, "sessions")
    websites = read_section(forum_backup, "web_sessions")
    profile = read_section(forum_backup, "profile").current()[PROFILE_KEY]
    assert contacts.current()
    assert contacts.removed()
    assert sessions.removed()
    assert websites.removed()
    app = reader(forum_backup)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_account(pilot)
        lines = plain_lines(screen)
        text = "\n".join(lines)
        assert name_of(profile) in text
        assert profile["phone"] in text
        assert profile["bio"] in text
        gone_on = _("removed on {date}").format(date=day(ACCOUNT_RUNS[1]))
        added = _("added on {date}").split("{")[0]
        for contact in contacts.current().values():
            line = next(x for x in lines if name_of(contact) in x)
            assert contact["phone"] in line
            assert gone_on not in line
            # The data export (the second run) knew when each was added.
            assert _("added on {date}").format(date=day(contact["date"])) in line
        for key in contacts.removed():
            kept = contacts.versions[key][0].data
            assert kept is not None
            line = next(x for x in lines if name_of(kept) in x)
            assert gone_on in line
            assert kept["phone"] in line
            assert added not in line  # gone before the data export: never known
        # The chats left, kept by the data export, under their heading.
        left = read_section(forum_backup, "left_chats").current()
        assert left
        heading = next(i for i, x in enumerate(lines) if x.startswith(_("Chats left")))
        for chat in left.values():
            at = next(i for i, x in enumerate(lines) if x.strip().startswith(chat["title"]))
            assert heading < at <= heading + len(left)
        ended = _("ended on {date}").format(date=day(ACCOUNT_RUNS[1]))
        for session in sessions.current().values():
            at = next(i for i, x in enumerate(lines) if x.strip().startswith(session["app_name"]))
            assert ended not in lines[at]
            assert session["device_model"] in lines[at + 1]
        for key in sessions.removed():
            kept = sessions.versions[key][0].data
            assert kept is not None
            at = next(i for i, x in enumerate(lines) if x.strip().startswith(kept["app_name"]))
            assert lines[at].endswith(ended)
            assert kept["device_model"] in lines[at + 1]
        assert sum(1 for x in lines if x.endswith(_("this session"))) == 1
        for website in websites.current().values():
            assert any(website["domain"] in x and ended not in x for x in lines)
        for key in websites.removed():
            kept = websites.versions[key][0].data
            assert kept is not None
            assert any(kept["domain"] in x and ended in x for x in lines)
        # 80x24: every row drawn, the main keys in the footer.
        drawn = rows(app)
        assert len(drawn) == 24
        assert _("Contacts") in "\n".join(drawn)
        assert {"esc", "/"} <= set(footer_keys(app))
        # Typing part of a contact's name leaves that contact, under its heading.
        someone = name_of(next(iter(contacts.current().values())))
        await pilot.press("slash", *someone.split()[0])
        await pilot.pause(0.1)
        narrowed = plain_lines(screen)
        assert any(someone in x for x in narrowed)
        assert narrowed[0].startswith(_("Contacts"))
        others = [name_of(c) for c in contacts.current().values() if name_of(c) != someone]
        assert not any(o in x for o in others for x in narrowed if o.split()[0] not in someone)
        await pilot.press("escape")  # the filter goes
        assert plain_lines(screen) == lines
        await pilot.press("escape")  # then the screen
        assert isinstance(app.screen, ArchiveScreen)


async def test_without_a_data_export_the_chats_left_say_how_to_keep_them(
    forum_backup: Path, language: str
) -> None:
    """A backup no `--takeout` run kept the account of has no chats left: the view says
    they need one, not that there are none; after a takeout that found none, "none"."""
    section_path(forum_backup, "left_chats").unlink()
    app = reader(forum_backup)
    async with app.run_test(size=SMALL) as pilot:
        lines = plain_lines(await open_account(pilot))
    heading = next(i for i, x in enumerate(lines) if x.startswith(_("Chats left")))
    assert lines[heading + 1].strip() == _("kept only by a data export: tgtui backup --takeout")
    section_path(forum_backup, "left_chats").write_bytes(b"")  # a takeout kept none
    app = reader(forum_backup)
    async with app.run_test(size=SMALL) as pilot:
        lines = plain_lines(await open_account(pilot))
    heading = next(i for i, x in enumerate(lines) if x.startswith(_("Chats left")))
    assert lines[heading + 1].strip() == _("(none kept)")


async def test_the_archives_search_finds_contacts_apart_from_messages(
    forum_backup: Path,
) -> None:
    contacts = read_section(forum_backup, "contacts")
    key, someone = next((k, c) for k, c in contacts.current().items() if c.get("username"))
    app = reader(forum_backup)
    async with app.run_test(size=(100, 34)) as pilot:
        await archive_ready(pilot)
        archive = app.screen
        await pilot.press("s", *someone["username"])
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        assert isinstance(search, SearchScreen)
        found = search.query_one(ContactList)
        await wait_for(pilot, lambda: search.shown_for == someone["username"], within=30)
        assert [c.key for c in found.items] == [key]
        assert search.query_one(HitList).hits == []  # no message has the word
        drawn = "\n".join(rows(app))
        assert f"contact  {name_of(someone)}  @{someone['username']}" in drawn
        assert "1 contact" in drawn
        # Enter on it: the account view, narrowed to that contact.
        found.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountScreen))
        account = app.screen
        assert isinstance(account, AccountScreen)
        await wait_for(pilot, lambda: account.data is not None)
        await pilot.pause(0.1)
        lines = plain_lines(account)
        assert lines[0].startswith(_("Contacts"))
        assert [x for x in lines[1:] if name_of(someone) in x]
        await pilot.press("escape", "escape")  # the filter, then the account
        await wait_for(pilot, lambda: app.screen is search)
        # A chat's search: its messages only.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is archive)
        await pilot.press("enter")  # a chat
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen | TopicsScreen))
        await pilot.press("s", *someone["username"])
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        in_chat = app.screen
        assert isinstance(in_chat, SearchScreen)
        await wait_for(pilot, lambda: in_chat.shown_for == someone["username"], within=30)
        assert not in_chat.query(ContactList)
        assert "contact  " not in "\n".join(rows(app))


async def test_no_account_key_without_the_accounts_data(backup: Path) -> None:
    app = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        await archive_ready(pilot)
        assert "u" not in footer_keys(app)
        await pilot.press("u")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ArchiveScreen)


def forums(folder: Path) -> list[dict[str, Any]]:
    """The manifest's chats that have topics kept."""
    return [c for c in manifest_chats(folder) if read_topics(folder / c["path"])]


async def open_forum(pilot: Pilot[Any], chat: dict[str, Any]) -> TopicsScreen:
    """From the archive, the forum's topic list, once counted."""
    app = pilot.app
    await archive_ready(pilot)
    listing = app.screen.query_one(ArchiveList)
    listing.move_to(next(i for i, c in enumerate(listing.shown) if c.id == chat["id"]))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen))
    screen = app.screen
    assert isinstance(screen, TopicsScreen)
    await wait_for(pilot, lambda: screen.forum is not None)
    await pilot.pause(0.1)
    return screen


async def open_topic(pilot: Pilot[Any], topics: TopicsScreen, topic: int) -> ChatScreen:
    """Enter on ``topic`` in the list: its messages, every one found."""
    listing = topics.query_one(TopicList)
    at = next(i for i, t in enumerate(listing.items) if t is not None and t.id == topic)
    listing.move_to(at)
    await pilot.press("enter")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
    screen = app.screen
    assert isinstance(screen, ChatScreen)
    await wait_for(pilot, lambda: screen.chat_log is not None and screen.chat_log.complete)
    return screen


async def back_to(pilot: Pilot[Any], screen: Any) -> None:
    """Wait for ``screen`` to be in front again."""
    await wait_for(pilot, lambda: pilot.app.screen is screen)


async def all_found(pilot: Pilot[Any], screen: ChatScreen) -> None:
    """Wait for the chat screen to have found every message it shows."""
    await wait_for(pilot, lambda: screen.chat_log is not None and screen.chat_log.complete)


def shown_ids(screen: ChatScreen) -> list[int]:
    """The ids of the messages the chat screen reads, oldest first."""
    log = screen.chat_log
    assert log is not None
    return [int(log.at(k)["id"]) for k in range(log.count - 1, -1, -1)]


async def test_a_forum_opens_on_its_topics_and_a_topic_shows_its_messages(
    forum_backup: Path,
) -> None:
    found = forums(forum_backup)
    assert len(found) == 2
    app = reader(forum_backup)
    async with app.run_test(size=(100, 34)) as pilot:
        for chat in found:
            saved = records(forum_backup, chat)
            counts = Counter(topic_of(r) or GENERAL for r in saved)
            kept = {t.id: t for t in read_topics(forum_backup / chat["path"])}
            topics = await open_forum(pilot, chat)
            forum = topics.forum
            assert forum is not None
            assert {t.id: t.messages for t in forum.topics} == {
                t: counts.get(t, 0) for t in {*kept, *counts}
            }
            assert forum.messages == len(saved)
            for row in forum.topics:
                assert row.title == kept[row.id].title
                newest = max(
                    (r["date_unixtime"] for r in saved if in_topic(r, row.id)), default=None
                )
                assert row.last == (None if newest is None else int(newest))
            # Pinned first, then the most recently active.
            pinned = [t.pinned for t in forum.topics]
            assert pinned == sorted(pinned, reverse=True)
            drawn = "\n".join(rows(app))
            for row in forum.topics:
                assert clean(row.title, limit=20)[:15] in drawn
            for row in forum.topics:
                screen = await open_topic(pilot, topics, row.id)
                assert isinstance(screen.chat_log, TopicLog)
                expected = [r["id"] for r in saved if in_topic(r, row.id)]
                assert shown_ids(screen) == expected, row
                if row.id == GENERAL:
                    assert all(topic_of(r) is None for r in saved if r["id"] in expected)
                await pilot.press("escape")
                await back_to(pilot, topics)
            await pilot.press("a")  # every message of the forum
            await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
            every = app.screen
            assert isinstance(every, ChatScreen)
            await all_found(pilot, every)
            assert shown_ids(every) == [r["id"] for r in saved]
            await pilot.press("escape")
            await back_to(pilot, topics)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ArchiveScreen))


def words_of(record: dict[str, Any]) -> set[str]:
    text = record.get("text")
    return (
        {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)} if isinstance(text, str) else set()
    )


async def test_search_from_a_topic_finds_only_its_messages(forum_backup: Path) -> None:
    chat = forums(forum_backup)[0]
    saved = records(forum_backup, chat)
    topic = max(
        (t for t in read_topics(forum_backup / chat["path"]) if t.id != GENERAL),
        key=lambda t: sum(1 for r in saved if in_topic(r, t.id)),
    )
    inside = [r for r in saved if in_topic(r, topic.id)]
    outside = [r for r in saved if not in_topic(r, topic.id)]
    # A word of the topic's messages that other topics' messages have too.
    common = set().union(*map(words_of, inside)) & set().union(*map(words_of, outside))
    word = sorted(common)[0]
    app = reader(forum_backup)
    async with app.run_test(size=(100, 34)) as pilot:
        topics = await open_forum(pilot, chat)
        await open_topic(pilot, topics, topic.id)
        await pilot.press("s", *word)
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        hits = app.screen.query_one(HitList)
        await wait_for(pilot, lambda: bool(hits.hits), within=30)
        ids = {r["id"] for r in inside}
        assert {h.message_id for h in hits.hits} <= ids
        assert {h.chat_id for h in hits.hits} == {chat["id"]}
        expected = {r["id"] for r in inside if word in words_of(r)}
        assert expected <= {h.message_id for h in hits.hits}


async def test_c_in_a_chat_opens_its_statistics(backup: Path) -> None:
    app: ReaderApp = reader(backup)
    async with app.run_test(size=SMALL) as pilot:
        await archive_ready(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))
        stats = app.screen
        assert isinstance(stats, StatsScreen)
        assert stats.chat is chat.chat
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is chat)


def figures_shown(app: ReaderApp) -> tuple[int, int]:
    """The statistics screen's message and service message counts, as drawn."""
    drawn = "\n".join(rows(app))
    messages = re.search(r"(?<!service )\bmessages: ([\d,]+)", drawn)
    service = re.search(r"\bservice messages: ([\d,]+)", drawn)
    assert messages is not None, drawn
    assert service is not None, drawn
    return int(messages.group(1).replace(",", "")), int(service.group(1).replace(",", ""))


async def counted_stats(pilot: Pilot[Any]) -> StatsScreen:
    """`c`, then the statistics screen once it has counted."""
    app = pilot.app
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))
    stats = app.screen
    assert isinstance(stats, StatsScreen)
    await wait_for(pilot, lambda: stats.counted is not None, within=30)
    await pilot.pause(0.1)
    return stats


async def test_c_in_a_forum_topic_counts_only_the_topics_messages(forum_backup: Path) -> None:
    chat = forums(forum_backup)[0]
    saved = records(forum_backup, chat)
    assert not (forum_backup / chat["path"] / "deleted.jsonl").exists()  # none to leave out
    topic = max(
        (t for t in read_topics(forum_backup / chat["path"]) if t.id != GENERAL),
        key=lambda t: sum(1 for r in saved if in_topic(r, t.id)),
    )

    def own(keep: Any) -> tuple[int, int]:
        kept = [r for r in saved if keep(r)]
        service = sum(1 for r in kept if r.get("type") == "service")
        return len(kept) - service, service

    mine = own(lambda r: in_topic(r, topic.id))
    whole = own(lambda r: True)
    assert 0 < mine[0] < whole[0]
    app = reader(forum_backup)
    async with app.run_test(size=(120, 40)) as pilot:
        topics = await open_forum(pilot, chat)
        inside = await open_topic(pilot, topics, topic.id)
        await counted_stats(pilot)
        assert figures_shown(app) == mine
        assert clean(topic.title, limit=20)[:10] in "\n".join(rows(app)[:3])
        await pilot.press("escape")
        await back_to(pilot, inside)
        await pilot.press("escape")
        await back_to(pilot, topics)
        # In the list: the topic under the cursor, and the first row the whole forum.
        listing = topics.query_one(TopicList)
        listing.move_to(next(i for i, t in enumerate(listing.items) if t and t.id == topic.id))
        await counted_stats(pilot)
        assert figures_shown(app) == mine
        await pilot.press("escape")
        await back_to(pilot, topics)
        listing.move_to(0)
        stats = await counted_stats(pilot)
        assert stats.topic is None
        assert figures_shown(app) == whole


async def test_hostile_topic_titles_and_account_names_are_shown_literally(
    hostile_forum_backup: Path,
) -> None:
    app = reader(hostile_forum_backup)
    (chat,) = forums(hostile_forum_backup)
    async with app.run_test(size=(100, 34)) as pilot:
        topics = await open_forum(pilot, chat)
        drawn = rows(app)
        assert not any(CONTROLS.search(line) for line in drawn)
        listing = topics.query_one(TopicList)
        lines = [listing.render_line(y).text for y in range(listing.size.height)]
        assert not any(CONTROLS.search(line) for line in lines)
        forum = topics.forum
        assert forum is not None
        titled = [t for t in forum.topics if t.title]
        assert any("[" in t.title for t in titled)  # markup in titles: shown as text
        for row in titled:
            assert any(clean(row.title, limit=20)[:10] in line for line in lines), row.title
        row = titled[0]
        screen = await open_topic(pilot, topics, row.id)
        assert not any(CONTROLS.search(line) for line in rows(app))
        assert screen is app.screen
        await pilot.press("escape", "escape")
        account = await open_account(pilot)
        assert not any(CONTROLS.search(line) for line in rows(app))
        shown = plain_lines(account)
        assert not any(CONTROLS.search(line) for line in shown)
        bio = read_section(hostile_forum_backup, "profile").current()[PROFILE_KEY]["bio"]
        assert clean(bio, limit=200) in "\n".join(shown)
