"""The account view and the files of the profile pictures and stories, on a real sandbox
backup (`backup --account`: the profile pictures saved, the stories' files not, as the
backup saved no media): each picture's and story's line says whether its file is saved,
Enter on a saved one hands exactly that file to the system's opener, Enter on one not saved
(or lost from the backup since, or replaced by a link) opens nothing and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.reader.helpers import open_account, reader
from tgtui.format.account import read_section
from tgtui.screens.account import AccountScreen

SMALL = (100, 30)


def _line_of(screen: AccountScreen, words: str) -> int:
    return next(i for i, e in enumerate(screen.lines.items) if words in e.text.plain)


async def _enter_on(pilot: Pilot[Any], screen: AccountScreen, index: int) -> None:
    screen.lines.move_to(index)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def test_pictures_and_stories_say_whether_their_file_is_saved_and_enter_opens_it(
    forum_backup: Path,
) -> None:
    pictures = read_section(forum_backup, "profile_pictures").current()
    stories = read_section(forum_backup, "stories").current()
    assert pictures
    assert stories
    assert all("file" in p for p in pictures.values())
    assert all("file" not in s for s in stories.values())
    lost_key = sorted(pictures)[0]
    lost = forum_backup / pictures[lost_key]["file"]
    lost.unlink()  # gone from the backup since it was saved
    opened: list[Path] = []
    said: list[str] = []
    app = reader(forum_backup)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_account(pilot, opened, said)
        lines = [e.text.plain for e in screen.lines.items]
        picture_lines = [x for x in lines if "file saved" in x or "file missing" in x]
        assert len(picture_lines) == len(pictures)
        assert sum("file missing" in x for x in picture_lines) == 1
        story_lines = [e for e in screen.lines.items if e.section == "stories" and e.media]
        assert len(story_lines) == len(stories)
        assert all("file not saved" in e.text.plain for e in story_lines)

        saved = _line_of(screen, "file saved")
        await _enter_on(pilot, screen, saved)
        entry = screen.lines.items[saved]
        assert opened == [forum_backup / entry.file]
        assert opened[0].read_bytes().startswith(b"\xff\xd8\xff")
        assert said == [f"Opening {opened[0].name}"]

        await _enter_on(pilot, screen, _line_of(screen, "file missing"))
        await _enter_on(pilot, screen, _line_of(screen, "file not saved"))
        assert len(opened) == 1  # nothing else opened
        assert said[1:] == ["Its file is not saved in the backup (the line says why)."] * 2


async def test_a_link_in_a_pictures_place_is_not_opened(forum_backup: Path, tmp_path: Path) -> None:
    pictures = read_section(forum_backup, "profile_pictures").current()
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"\xff\xd8\xff not yours")
    for data in pictures.values():
        path = forum_backup / data["file"]
        path.unlink()
        path.symlink_to(secret)
    opened: list[Path] = []
    app = reader(forum_backup)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_account(pilot, opened)
        assert not [e for e in screen.lines.items if "file saved" in e.text.plain]
        await _enter_on(pilot, screen, _line_of(screen, "file missing"))
        assert opened == []
