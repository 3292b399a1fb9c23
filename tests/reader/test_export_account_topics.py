"""The HTML export's account pages and forum topic pages (issue 34), on real sandbox backups
(two forums; the account's data kept over two runs with a contact, a session and a website
gone between them):

- index.html has an Account block above the chats linking to a page a section the backup
  has; each page lists every item `read_section` gives, the ones gone marked removed (with
  when the backup noticed), none left out; the profile shows its fields;
- a profile picture's or story's saved ``file`` is placed in the export and shown, and one
  that is a link, out of the backup, absolute or missing reads as not saved (nothing of it
  in the export);
- a forum gets topics.html (each topic: its icon, title, marks, messages, last activity)
  linked from its pages' header, and pages per topic holding exactly its messages (each
  message of the chat on exactly its topic's pages), paginated like the chat's, every link
  between them leading to a page that is there; a chat that is not a forum has none;
- hostile names and titles are text; the pages speak the language they are written in.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.reader.conftest import ACCOUNT_RUNS
from tgtui import i18n
from tgtui.archive.folder import open_archive
from tgtui.cli import main
from tgtui.export import html_pages, html_topics
from tgtui.export.account_tde import format_phone, read_account
from tgtui.export.html_account import write_account_pages
from tgtui.export.html_pages import local_time
from tgtui.export.html_topics import topic_page
from tgtui.export.run import chat_folder, export_backup
from tgtui.format.account import read_section
from tgtui.format.topics import GENERAL, TOPICS, read_topics, topic_of
from tgtui.untrusted import html_text as esc

PAGES = {
    "profile": "personal_information.html",
    "profile_pictures": "profile_pictures.html",
    "stories": "stories.html",
    "contacts": "contacts.html",
    "frequent_contacts": "frequent.html",
    "sessions": "sessions.html",
    "web_sessions": "web_sessions.html",
    "left_chats": "left_chats.html",
}
NEVER = {"script", "iframe", "object", "embed", "form", "style", "base", "svg", "math"}


class Page(HTMLParser):
    """What a page holds: its tags, links, message ids, and its list entries (their text,
    and whether marked removed)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.links: list[str] = []
        self.sources: list[str] = []
        self.messages: list[int] = []
        self.attributes: list[tuple[str, str]] = []
        self.entries: list[tuple[str, bool]] = []
        self._entry: list[str] | None = None
        self._removed = False
        self._initials = False
        self.text: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        found = {name: value or "" for name, value in attrs}
        self.attributes.extend(found.items())
        if tag == "a" and "href" in found:
            self.links.append(found["href"])
        if tag in ("img", "video") and "src" in found:
            self.sources.append(found["src"])
        ident = re.fullmatch(r"message([0-9]+)", found.get("id", ""))
        if ident is not None and "message" in found.get("class", "").split():
            self.messages.append(int(ident[1]))
        if ident is not None and "service" in found.get("class", "").split():
            self.messages.append(int(ident[1]))
        if tag == "span" and "userpic" in found.get("class", "").split():
            self._initials = True  # drawn, not read
        if tag == "li" and "entry" in found.get("class", "").split():
            self._entry = []
            self._removed = "removed" in found.get("class", "").split()

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._initials = False
        if tag == "li" and self._entry is not None:
            self.entries.append((" ".join("".join(self._entry).split()), self._removed))
            self._entry = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._entry is not None and not self._initials:
            self._entry.append(data)


def _local_links(html: Path, page: Page) -> list[Path]:
    """The files a page's links and pictures lead to (without their #fragment)."""
    found = []
    for link in page.links + page.sources:
        target = link.split("#", 1)[0]
        if not target or re.match(r"[a-z]+:", target):
            continue
        found.append((html.parent / target).resolve())
    return found


def _export(backup: Path, out: Path, *extra: str) -> None:
    assert main(["export", str(backup), "--out", str(out), "--format", "html", *extra]) == 0


def _entry(page: Page, name: str) -> tuple[str, bool]:
    """The one entry of a list page whose text starts with ``name``."""
    found = [entry for entry in page.entries if entry[0].startswith(" ".join(name.split()))]
    assert len(found) == 1, (name, page.entries)
    return found[0]


# -- the account's pages ------------------------------------------------------------------


def test_the_account_pages_list_every_item_of_each_section(
    forum_backup: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    _export(forum_backup, out)
    index = Page(out / "index.html")
    text = "".join(index.text)
    assert text.index("Account") < text.index("Chats") < text.index("Statistics of this export")
    kept = sorted(p.stem for p in (forum_backup / "account").glob("*.jsonl"))
    linked = sorted(link for link in index.links if link.startswith("lists/"))
    assert linked == sorted(f"lists/{PAGES[section]}" for section in kept)
    for link in linked:
        page = Page(out / link)
        assert "../index.html" in page.links  # and back
        assert all(target.exists() for target in _local_links(out / link, page))
    me = read_section(forum_backup, "profile").current()["self"]
    assert f"{me['first_name']} {me['last_name']}" in text
    profile = "".join(Page(out / "lists" / PAGES["profile"]).text)
    for value in (me["first_name"], me["last_name"], "@" + me["username"], me["bio"]):
        assert value in profile
    assert format_phone(me["phone"]) in profile

    contacts = Page(out / "lists" / PAGES["contacts"])
    versions = read_section(forum_backup, "contacts").versions
    assert len(contacts.entries) == len(versions)
    for key, kept_versions in versions.items():
        data = next(v.data for v in reversed(kept_versions) if v.data is not None)
        name = f"{data['first_name']} {data['last_name']}".strip()
        entry, removed = _entry(contacts, name)
        assert removed == (kept_versions[-1].data is None), key
        assert format_phone(data["phone"]) in entry
        if removed:  # when the backup noticed it gone: its second run
            assert f"removed (noticed {local_time(ACCOUNT_RUNS[1])})" in entry
    assert sum(removed for _text, removed in contacts.entries) == 1

    sessions = Page(out / "lists" / PAGES["sessions"])
    versions = read_section(forum_backup, "sessions").versions
    assert len(sessions.entries) == len(versions)
    assert sum(removed for _text, removed in sessions.entries) == 1
    current = [text for text, _removed in sessions.entries if "this session" in text]
    assert len(current) == 1
    assert sessions.entries[0][0] == current[0]  # the current one first
    for kept_versions in versions.values():
        data = next(v.data for v in reversed(kept_versions) if v.data is not None)
        entry, removed = _entry(sessions, f"{data['app_name']} {data['app_version']}")
        assert removed == (kept_versions[-1].data is None)
        assert data["device_model"] in entry
        assert f"Last active: {local_time(data['last_active'])}" in entry

    web = Page(out / "lists" / PAGES["web_sessions"])
    versions = read_section(forum_backup, "web_sessions").versions
    assert len(web.entries) == len(versions)
    for kept_versions in versions.values():
        data = next(v.data for v in reversed(kept_versions) if v.data is not None)
        entry, removed = _entry(web, data["domain"])
        assert removed == (kept_versions[-1].data is None)
        assert f"@{data['bot_username']}" in entry

    frequent = Page(out / "lists" / PAGES["frequent_contacts"])
    rows = read_section(forum_backup, "frequent_contacts").current()
    assert len(frequent.entries) == len(rows)
    texts = [entry for entry, _removed in frequent.entries]
    for row in rows.values():
        assert any(t.startswith(row["name"]) and f"{row['rating']:.2f}" in t for t in texts)

    pictures = Page(out / "lists" / PAGES["profile_pictures"])
    items = read_section(forum_backup, "profile_pictures").current()
    assert len(pictures.entries) == len(items) >= 1
    dates = [local_time(p["date"]) for p in sorted(items.values(), key=lambda p: -p["date"])]
    assert [text[:16] for text, _removed in pictures.entries] == dates  # the newest first
    saved = [p for p in items.values() if "file" in p]  # once the backup saves them
    assert pictures.tags["img"] == len(saved)
    assert "".join(pictures.text).count("Not saved in the backup") == len(items) - len(saved)

    stories = Page(out / "lists" / PAGES["stories"])
    told = read_section(forum_backup, "stories").current()
    assert len(stories.entries) == len(told) >= 1
    shown = "".join(stories.text)
    for story in told.values():
        assert story["caption"] in shown
    assert "Saved to profile" in shown


def _picture(path: Path, colour: tuple[int, int, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, "JPEG")


def _set_files(backup: Path, section: str, files: dict[str, str], only: bool = False) -> None:
    """Gives items of a section a ``file`` (the field the backup's pictures pass writes);
    ``only``: the others none (as a backup made before pictures were saved)."""
    path = backup / "account" / f"{section}.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if "data" in line and line["key"] in files:
            line["data"]["file"] = files[line["key"]]
        elif "data" in line and only:
            line["data"].pop("file", None)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def test_saved_pictures_are_shown_and_anything_else_reads_as_not_saved(
    forum_backup: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.jpg"
    _picture(secret, (255, 0, 0))
    keys = list(read_section(forum_backup, "profile_pictures").current())
    stories = list(read_section(forum_backup, "stories").current())
    assert len(keys) >= 2
    assert len(stories) >= 2
    good = "account/profile_pictures/a b#1.jpg"  # a name a URL must escape
    _picture(forum_backup / good, (0, 128, 255))
    (forum_backup / "account" / "profile_pictures" / "link.jpg").symlink_to(secret)
    pictures = {keys[0]: good, keys[1]: "account/profile_pictures/link.jpg"}
    _set_files(forum_backup, "profile_pictures", pictures, only=True)
    story = "account/stories/story.jpg"
    _picture(forum_backup / story, (0, 200, 0))
    chosen = {stories[0]: story, stories[1]: str(secret)}  # the second one absolute
    if len(stories) > 2:
        chosen[stories[2]] = "../secret.jpg"
    if len(stories) > 3:
        chosen[stories[3]] = "account/stories/gone.jpg"
    _set_files(forum_backup, "stories", chosen, only=True)
    out = tmp_path / "export"
    summary = export_backup(open_archive(forum_backup), out, "html")

    shown = Page(out / "lists" / PAGES["profile_pictures"])
    placed = f"profile_pictures/{keys[0]}.jpg"
    assert shown.sources == [f"../{placed}"]
    assert (out / placed).read_bytes() == (forum_backup / good).read_bytes()
    assert "".join(shown.text).count("Not saved in the backup") == len(keys) - 1
    story_page = Page(out / "lists" / PAGES["stories"])
    assert story_page.sources == [f"../stories/{stories[0]}.jpg"]
    assert "".join(story_page.text).count("Not saved in the backup") == len(stories) - 1
    # Nothing of what is not a regular file inside the backup reached the export.
    exported = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {p for p in exported if p.startswith(("profile_pictures/", "stories/"))} == {
        placed,
        f"stories/{stories[0]}.jpg",
    }
    secret_bytes = secret.read_bytes()
    assert all((out / p).read_bytes() != secret_bytes for p in exported)
    assert any("link.jpg is refused" in problem for problem in summary.problems)
    # The index shows the newest saved picture as the account's.
    assert Page(out / "index.html").sources[0] == placed


def test_hostile_account_and_topic_names_are_text(
    hostile_forum_backup: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(hostile_forum_backup, backup, symlinks=True)
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>\u202e&amp;'
    (backup / "account" / "left_chats.jsonl").write_text(
        json.dumps(
            {
                "key": "42",
                "seen": ACCOUNT_RUNS[0],
                "data": {"id": 42, "title": hostile, "type": "public_channel", "username": "x"},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "export"
    _export(backup, out)
    pages = [out / "index.html", *sorted((out / "lists").glob("*.html"))]
    forum = next(p for p in (backup / "chats").iterdir() if (p / TOPICS).exists())
    folders = list((out / "chats").iterdir())
    topics = [f / "topics.html" for f in folders if (f / "topics.html").exists()]
    assert len(topics) == 1
    pages += [topics[0], *sorted(topics[0].parent.glob("topic[0-9]*.html"))]
    assert len(pages) > 10
    for html in pages:
        page = Page(html)
        assert not set(page.tags) & NEVER, html
        assert not [name for name, _value in page.attributes if name.startswith("on")], html
        assert not [link for link in page.links if link.lower().startswith("javascript")]
    left = (out / "lists" / PAGES["left_chats"]).read_text(encoding="utf-8")
    assert esc(hostile) in left
    assert "\u202e" not in left
    index = topics[0].read_text(encoding="utf-8")
    for topic in read_topics(forum):
        assert esc(topic.title) in index
    for section in ("contacts", "sessions", "frequent_contacts"):
        listed = (out / "lists" / PAGES[section]).read_text(encoding="utf-8")
        for data in read_section(backup, section).current().values():
            if section == "contacts":
                name = f"{data['first_name']} {data['last_name']}".strip()
            elif section == "sessions":
                name = data["device_model"]
            else:
                name = data["name"]
            assert esc(name) in listed, (section, name)
    about = read_section(backup, "profile").current()["self"]["bio"]
    assert esc(about).replace("\n", "<br>") in (out / "lists" / PAGES["profile"]).read_text(
        encoding="utf-8"
    )


def test_the_pages_speak_the_language_they_are_written_in(
    forum_backup: Path, tmp_path: Path
) -> None:
    account = read_account(forum_backup)
    (tmp_path / "pt").mkdir()
    with i18n.speaking(i18n.PORTUGUESE):
        block = write_account_pages(tmp_path / "pt", forum_backup, account).block
        # `tgtui export` writes Telegram Desktop's English whatever the user's language.
        export_backup(open_archive(forum_backup), tmp_path / "export", "html")
    assert "<h2>Conta</h2>" in block
    assert "Contatos" in block
    assert "Sessões" in block
    contacts = (tmp_path / "pt" / "lists" / PAGES["contacts"]).read_text(encoding="utf-8")
    assert "removido" in contacts
    index = (tmp_path / "export" / "index.html").read_text(encoding="utf-8")
    assert "Account" in index
    assert "Contacts" in index
    assert "<h2>Conta</h2>" not in index


def test_a_backup_without_account_data_has_no_account_block(
    forum_backup: Path, tmp_path: Path
) -> None:
    shutil.rmtree(forum_backup / "account")
    out = tmp_path / "export"
    _export(forum_backup, out)
    assert not (out / "lists").exists()
    assert 'class="account"' not in (out / "index.html").read_text(encoding="utf-8")


# -- a forum's topics ---------------------------------------------------------------------


def records(folder: Path) -> list[dict[str, Any]]:
    """A chat's saved messages, read plainly."""
    text = (folder / "messages.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _topics_of(folder: Path) -> dict[int, int]:
    """Each message id of a chat's backup -> its topic."""
    return {r["id"]: topic_of(r) or GENERAL for r in records(folder)}


def _check_forums(backup: Path, out: Path) -> int:
    """Every forum of ``backup`` exported in ``out`` as the tests want it; how many pages
    its topics have in all."""
    chats = open_archive(backup).chats
    forums = 0
    topic_pages = 0
    for index, chat in enumerate(chats, 1):
        folder = out / chat_folder(index, len(chats))
        first = Page(folder / "messages.html")
        if not (chat.folder / TOPICS).exists():
            assert not (folder / "topics.html").exists()
            assert "topics.html" not in first.links
            assert not list(folder.glob("topic*.html"))
            continue
        forums += 1
        assert "topics.html" in first.links  # the chat's header leads to its topics
        chat_ids = set()
        for html in folder.glob("messages*.html"):
            chat_ids.update(Page(html).messages)
        expected = _topics_of(chat.folder)
        assert chat_ids == set(expected)
        counts = Counter(expected.values())
        listing = Page(folder / "topics.html")
        kept = {t.id: t for t in read_topics(chat.folder)}
        linked = [link for link in listing.links if re.fullmatch(r"topic[0-9]+\.html", link)]
        assert sorted(linked) == sorted(topic_page(t) for t in set(kept) | set(counts))
        assert "messages.html" in listing.links
        rows = {
            int(m[1]): m[2]
            for m in re.finditer(
                r'<tr id="topic([0-9]+)">(.*?)</tr>',
                (folder / "topics.html").read_text(encoding="utf-8"),
            )
        }
        for topic_id, row in rows.items():
            messages = re.search(r'<td class="n">([0-9,]+)</td>', row)
            assert messages is not None
            assert int(messages[1].replace(",", "")) == counts.get(topic_id, 0)
            topic = kept.get(topic_id)
            if topic is not None:
                assert esc(topic.title) in row
                assert ("pinned" in row) == topic.pinned
                assert ("closed" in row) == topic.closed
        # Each message on exactly its topic's pages, in order; every link leads somewhere.
        seen: dict[int, int] = {}
        for topic_id in rows:
            ids: list[int] = []
            number = 1
            while (folder / topic_page(topic_id, number)).exists():
                html = folder / topic_page(topic_id, number)
                page = Page(html)
                topic_pages += 1
                assert "topics.html" in page.links
                assert "messages.html" in page.links
                assert all(target.exists() for target in _local_links(html, page)), html
                ids += page.messages
                number += 1
            assert number > 1, topic_id  # every topic has its page
            assert ids == sorted(ids)
            for message in ids:
                assert message not in seen
                seen[message] = topic_id
        assert seen == expected
    assert forums == 2
    return topic_pages


def test_a_forum_has_a_topic_index_and_a_page_per_topic(forum_backup: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    _export(forum_backup, out)
    assert _check_forums(forum_backup, out) >= 4


def test_topic_pages_are_paged_like_the_chats_and_written_by_the_workers(
    forum_backup: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages of 4 messages, 2 topics' pages open at once (the chat read again for every 2
    # topics), in this process; then the same with worker processes.
    monkeypatch.setattr(html_pages, "PAGE_SIZE", 4)
    monkeypatch.setattr(html_topics, "OPEN_AT_ONCE", 2)
    one = tmp_path / "one"
    export_backup(open_archive(forum_backup), one, "html", parallel=False)
    pages = _check_forums(forum_backup, one)
    assert any(one.glob(f"chats/*/{topic_page(GENERAL, 2)}"))
    assert pages > 10
    monkeypatch.undo()
    many = tmp_path / "many"
    export_backup(open_archive(forum_backup), many, "both", parallel=True)
    _check_forums(forum_backup, many)
    assert os.listdir(many)  # the whole-account JSON beside it, as before
    assert (many / "result.json").exists()


def test_a_forum_filtered_by_date_has_only_those_messages_in_its_topics(
    forum_backup: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    every = [r for f in (forum_backup / "chats").iterdir() for r in records(f)]
    days = sorted(int(r["date_unixtime"]) for r in every)
    middle = days[len(days) // 2]
    since = local_time(middle)[:10]
    _export(forum_backup, out, "--since", since)
    folders = [f for f in (out / "chats").iterdir() if (f / "topics.html").exists()]
    assert folders
    for folder in folders:
        for html in folder.glob("topic[0-9]*.html"):
            for day in re.findall(r'title="([0-9-]{10}) ', html.read_text(encoding="utf-8")):
                assert day >= since, html
