"""Naming chats on the command line: ids, @usernames, links, names in any case and accent,
ambiguity refused with the candidates listed, and the filters that narrow --all."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tgtui.chats.matching import Candidate, ChatFilter, ChoiceError, choose, parse_types

CHATS = [
    Candidate(1000009, "Kofi", "users", "kofi_k"),
    Candidate(1000015, "Kofi", "users", None, archived=True),
    Candidate(1000485, "Kofi Sato", "users"),
    Candidate(1000700, "José Álvarez", "users"),
    Candidate(-4000123, "Hidden Hikers", "groups"),
    Candidate(-1001500000075, "Quiet Hikers News", "channels", "quiet_news"),
    Candidate(-1001500000080, "2024", "channels", archived=True),
    Candidate(1000041, "Currency Bot", "bots", "currency_bot"),
]
CHATS = [c if c.archived else replace(c, archived=False) for c in CHATS]  # from dialogs


def ids(selectors: list[str], chats: list[Candidate] = CHATS) -> list[int]:
    return [c.id for c in choose(chats, selectors, lambda c: c)]


def test_a_name_matches_in_any_case_and_without_accents() -> None:
    assert ids(["hidden hikers"]) == [-4000123]
    assert ids(["HIDDEN   HIKERS"]) == [-4000123]
    assert ids(["jose alvarez"]) == [1000700]
    assert ids(["josé"]) == [1000700]  # part of a name, when it fits one chat


def test_a_whole_name_wins_over_names_containing_it() -> None:
    assert ids(["kofi sato"]) == [1000485]
    assert ids(["news"]) == [-1001500000075]


def test_an_ambiguous_name_is_refused_with_every_candidate_and_its_id() -> None:
    with pytest.raises(ChoiceError) as caught:
        choose(CHATS, ["kofi"], lambda c: c)
    message = str(caught.value)
    assert "'kofi' fits 2 chats" in message
    assert "1000009" in message
    assert "@kofi_k" in message
    assert "1000015" in message
    assert "(archived)" in message
    assert "1000485" not in message  # "Kofi Sato" is not a whole-name match
    with pytest.raises(ChoiceError, match="fits 2 chats"):
        choose(CHATS, ["hikers"], lambda c: c)  # two names contain it, none is it


def test_ids_usernames_and_links() -> None:
    assert ids(["1000009", "-1001500000075"]) == [1000009, -1001500000075]
    assert ids(["1500000075"]) == [-1001500000075]  # a bare id, as Telegram Desktop writes it
    assert ids(["4000123"]) == [-4000123]
    assert ids(["@QUIET_NEWS"]) == [-1001500000075]
    for link in (
        "https://t.me/quiet_news",
        "t.me/quiet_news/42",
        "https://t.me/s/quiet_news",
        "telegram.me/Quiet_News",
        "tg://resolve?domain=quiet_news&post=3",
        "https://t.me/c/1500000075/9",
    ):
        assert ids([link]) == [-1001500000075], link
    assert ids(["2024"]) == [-1001500000080]  # not an id of any chat: a name


def test_what_names_nothing_is_reported_all_at_once() -> None:
    with pytest.raises(ChoiceError) as caught:
        choose(CHATS, ["nobody", "@ghost", "https://t.me/+AbCdEf123", "kofi sato"], lambda c: c)
    message = str(caught.value)
    assert "no chat matches 'nobody'" in message
    assert "no chat matches '@ghost'" in message
    assert "invite link" in message


def test_chats_come_once_in_the_order_named() -> None:
    assert ids(["currency bot", "@kofi_k", "1000041"]) == [1000041, 1000009]


def test_filters_narrow_by_type_folder_and_exclusions() -> None:
    def kept(chat_filter: ChatFilter, missing: list[str] | None = None) -> set[int]:
        return {c.id for c in chat_filter.apply(CHATS, lambda c: c, missing)}

    assert kept(ChatFilter(types=parse_types("channel,bots"))) == {
        -1001500000075,
        -1001500000080,
        1000041,
    }
    assert kept(ChatFilter(archived=True)) == {1000015, -1001500000080}
    assert -1001500000080 not in kept(ChatFilter(archived=False))
    missing: list[str] = []
    left = kept(ChatFilter(exclude=("@quiet_news", "kofi sato", "long gone")), missing)
    assert left == {c.id for c in CHATS} - {-1001500000075, 1000485}
    assert missing == ["long gone"]  # a chat since left: noted, not fatal
    with pytest.raises(ChoiceError, match="fits 2 chats"):
        kept(ChatFilter(exclude=("kofi",)))  # never guess what to leave out


def test_unknown_types_are_refused() -> None:
    assert parse_types("Users, supergroups") == {"users", "groups"}
    with pytest.raises(ValueError, match="unknown chat type 'stickers'"):
        parse_types("users,stickers")


def test_hostile_names_are_shown_cleaned_in_the_candidates() -> None:
    evil = [
        Candidate(1, "x\x1b]52;c;AAAA\x07", "users"),
        Candidate(2, "x\x1b]52;c;AAAA\x07", "users"),
    ]
    with pytest.raises(ChoiceError) as caught:
        choose(evil, ["x\x1b]52;c;aaaa\x07"], lambda c: c)
    assert "\x1b" not in str(caught.value)
    assert "\x07" not in str(caught.value)


def test_a_name_with_a_typo_suggests_the_closest_chats() -> None:
    with pytest.raises(ChoiceError) as caught:
        choose(CHATS, ["hikrs", "@quiet_nws", "Jose Alvares"], lambda c: c)
    lines = str(caught.value).splitlines()
    assert "did you mean Hidden Hikers (-4000123), Quiet Hikers News @quiet_news" in lines[0]
    assert (
        "'@quiet_nws'; did you mean Quiet Hikers News @quiet_news (-1001500000075)?" in (lines[1])
    )
    assert "did you mean José Álvarez (1000700)?" in lines[2]


def test_nothing_close_suggests_nothing() -> None:
    with pytest.raises(ChoiceError) as caught:
        choose(CHATS, ["zzzz", "99999"], lambda c: c)
    assert "did you mean" not in str(caught.value)
