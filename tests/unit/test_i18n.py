"""The language tgtui speaks: chosen from config.toml, else the locale; every marked string
has its Portuguese translation, and the compiled catalog says what the .po file says."""

from __future__ import annotations

import datetime as dt
import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tgtui import i18n
from tgtui.choices import parse_date
from tgtui.config import ConfigError, Paths, load_settings
from tgtui.units import human_bytes

ROOT = Path(i18n.__file__).parent
PO = ROOT / "locale" / "pt_BR" / "LC_MESSAGES" / "tgtui.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "counted": (1, 2),
    "N_plural": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NC_": ((1, "c"), 2),
}


@pytest.mark.parametrize(
    ("setting", "environ", "chosen"),
    [
        (None, {"LANG": "pt_BR.UTF-8"}, "pt_BR"),
        (None, {"LC_ALL": "pt_PT.UTF-8", "LANG": "en_US.UTF-8"}, "pt_BR"),  # LC_ALL first
        (None, {"LC_MESSAGES": "pt", "LANG": "de_DE.UTF-8"}, "pt_BR"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),  # no German catalog: English
        (None, {"LANG": "C"}, "en"),
        (None, {}, "en"),
        ("en", {"LANG": "pt_BR.UTF-8"}, "en"),  # config.toml beats the locale
        ("pt-BR", {"LANG": "en_US.UTF-8"}, "pt_BR"),
    ],
)
def test_the_language_comes_from_the_config_then_the_locale(
    setting: str | None, environ: dict[str, str], chosen: str
) -> None:
    assert i18n.choose(setting, environ) == chosen


def test_portuguese_is_spoken_once_chosen_and_english_after() -> None:
    i18n.use("pt_BR")
    assert i18n._("Sign in to Telegram") == "Entrar no Telegram"
    assert i18n._("password") == "senha"
    assert i18n._("a string no catalog has") == "a string no catalog has"
    i18n.use("en")
    assert i18n._("Sign in to Telegram") == "Sign in to Telegram"


def _marked() -> set[str]:
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_marked_string_has_its_portuguese_translation() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else all(m.string or ()))
    }
    missing = sorted(_marked() - translated)
    assert missing == [], f"not translated in {PO.name}: {missing}"


def test_the_compiled_catalog_is_the_po_files() -> None:
    """`pybabel compile -d tgtui/locale -D tgtui` after every .po change: what is installed
    (pip install . or -e .) is the compiled file."""
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    plurals = 0
    for message in catalog:
        if message.id and isinstance(message.id, str):
            shown = (
                compiled.pgettext(message.context, message.id)
                if message.context
                else compiled.gettext(message.id)
            )
            assert shown == message.string, message.id
        elif message.id:  # one, many (a million: "de"), other
            singular, plural = message.id
            forms = message.string
            assert isinstance(forms, tuple | list), singular
            for n, form in ((1, 0), (2, 2), (1_000_000, 1)):
                assert compiled.ngettext(singular, plural, n) == forms[form], singular
            plurals += 1
    assert plurals > 20  # the counts are there


def test_a_language_tgtui_does_not_speak_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('language = "klingon"\n')
    environ = {"TGTUI_CONFIG": str(config)}
    with pytest.raises(ConfigError, match="language"):
        load_settings(Paths.default(), environ)
    config.write_text('language = "pt-BR"\n')
    assert load_settings(Paths.default(), environ).language == "pt_BR"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            ("1,234,567", "1,234.6", "1.5 MB", "Saturday, 28 November 2026", "2026-11-28 14:05"),
        ),
        (
            "pt_BR",
            (
                "1.234.567",
                "1.234,6",
                "1,5 MB",
                "sábado, 28 de novembro de 2026",
                "28/11/2026 14:05",
            ),
        ),
    ],
)
def test_numbers_sizes_and_dates_are_written_as_the_language_writes_them(
    language: str, expected: tuple[str, ...]
) -> None:
    i18n.use(language)
    moment = dt.datetime(2026, 11, 28, 14, 5)
    assert (
        i18n.number(1_234_567),
        i18n.decimal(1234.56),
        human_bytes(1_500_000),
        i18n.long_date(moment.date()),
        i18n.short_datetime(moment),
    ) == expected


def test_counts_take_the_form_for_their_number_in_portuguese() -> None:
    """pt_BR has three plural forms: one (1), many (whole millions), other (0 too: Brazilians
    write "0 conversas" and "(0 novas)", not CLDR's "0 conversa")."""
    i18n.use(i18n.PORTUGUESE)
    chats = ("{count} chat", "{count} chats")
    assert i18n.counted(*chats, 1) == "1 conversa"
    assert i18n.counted(*chats, 0) == "0 conversas"  # issue 29: "(0 nova)" read wrong
    assert i18n.counted(*chats, 2) == "2 conversas"
    assert i18n.counted(*chats, 2_000_000) == "2.000.000 conversas"
    i18n.use(i18n.ENGLISH)
    assert i18n.counted(*chats, 1) == "1 chat"
    assert i18n.counted(*chats, 1234) == "1,234 chats"


def test_speaking_a_language_for_a_while_comes_back_to_the_one_before() -> None:
    i18n.use(i18n.PORTUGUESE)
    with i18n.speaking(i18n.ENGLISH):
        assert i18n._("Saved Messages") == "Saved Messages"
    assert i18n._("Saved Messages") == "Mensagens Salvas"


def test_dates_are_read_as_the_language_writes_them() -> None:
    """ISO dates everywhere; in Portuguese also day first, as Brazilians write them. In
    English a slashed date is refused rather than guessed (is 03/04 March or April?)."""
    i18n.use(i18n.PORTUGUESE)
    assert parse_date("28/11/2026").replace(tzinfo=None) == dt.datetime(2026, 11, 28)
    assert parse_date("2/1/2026 9:05").replace(tzinfo=None) == dt.datetime(2026, 1, 2, 9, 5)
    assert parse_date("2026-11-28").replace(tzinfo=None) == dt.datetime(2026, 11, 28)
    with pytest.raises(ValueError, match=r"'31/02/2026' não é uma data: use DD/MM/AAAA"):
        parse_date("31/02/2026")
    i18n.use(i18n.ENGLISH)
    with pytest.raises(ValueError, match=r"'28/11/2026' is not a date: use YYYY-MM-DD"):
        parse_date("28/11/2026")
    assert parse_date("2026-11-28T14:05").replace(tzinfo=None) == dt.datetime(2026, 11, 28, 14, 5)
