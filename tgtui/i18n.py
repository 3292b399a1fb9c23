"""The language tgtui speaks: English (the source) or Brazilian Portuguese, from gettext
catalogs in `tgtui/locale` (`.po` files are the source; the compiled `.mo` files sit beside
them so both `pip install .` and `pip install -e .` have them).

The language is `language` in config.toml when set, else the locale (`LC_ALL`,
`LC_MESSAGES`, `LANG`, as gettext reads them): any Portuguese locale gives pt_BR, anything
else English. Strings are translated when shown (`_`); constants are marked with `N_` and
translated where they are used, so choosing the language after import works.
"""

from __future__ import annotations

import argparse
import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

DOMAIN = "tgtui"
LOCALE_DIR = Path(__file__).with_name("locale")
ENGLISH = "en"
PORTUGUESE = "pt_BR"
LANGUAGES = (ENGLISH, PORTUGUESE)
ENVIRONMENT = ("LC_ALL", "LC_MESSAGES", "LANG")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = ENGLISH


def normalize(value: str) -> str | None:
    """A language setting or locale name as one of LANGUAGES (None: not one tgtui speaks).
    "pt_BR.UTF-8", "pt-br", "pt" -> "pt_BR"; "en_GB.UTF-8", "C", "POSIX" -> "en"."""
    name = value.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if name in ("", "c", "posix") or name.startswith("en"):
        return ENGLISH
    if name == "pt" or name.startswith("pt_"):
        return PORTUGUESE
    return None


def choose(setting: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: the config's setting, else the first locale variable set."""
    if setting:
        chosen = normalize(setting)
        if chosen is not None:
            return chosen
    env = os.environ if environ is None else environ
    for variable in ENVIRONMENT:
        value = env.get(variable, "")
        if value:
            # LANGUAGE-style lists ("pt_BR:en") take their first entry.
            return normalize(value.split(":")[0]) or ENGLISH
    return ENGLISH


def use(language: str) -> None:
    """Speak ``language`` from now on (English for one without a catalog)."""
    global _translation, _language
    _language = language if language in LANGUAGES else ENGLISH
    if _language == ENGLISH:
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, [_language], fallback=True)
    # argparse words its help and errors ("usage:", "options") with gettext's process-wide
    # domain, which follows the locale only; it is given tgtui's catalog, which follows
    # config.toml too (its words are in ARGPARSE_WORDS).
    setattr(argparse, "_", _)  # noqa: B010 - a module global argparse looks up when it speaks
    setattr(argparse, "ngettext", ngettext)  # noqa: B010


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak ``language`` inside the block, then the language before it (the exports write
    Telegram Desktop's English whatever the user's language)."""
    before = _language
    use(language)
    try:
        yield
    finally:
        use(before)


def current() -> str:
    """The language in use."""
    return _language


def _(message: str) -> str:
    """``message`` in the language in use."""
    return _translation.gettext(message)


def N_(message: str) -> str:
    """Mark a constant for translation where it is shown (returns it unchanged)."""
    return message


def pgettext(context: str, message: str) -> str:
    """``message`` in the language in use, as said in ``context`` (one English word that
    two languages say differently: "saved" of a file and of Saved Messages' type)."""
    return _translation.pgettext(context, message)


def NC_(context: str, message: str) -> str:
    """Mark a constant for translation in ``context``, shown with `pgettext` (returns it)."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular and plural pair for translation where it is counted (`ngettext`)."""
    return singular, plural


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in use."""
    return _translation.ngettext(singular, plural, n)


# Numbers and dates as the language writes them. Two languages need no locale database:
# English groups thousands with "," and writes "1.5"; Brazilian Portuguese "1.234" and "1,5".
_SEPARATORS = {ENGLISH: (",", "."), PORTUGUESE: (".", ",")}
_WEEKDAYS_PT = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)
_MONTHS_PT = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# English month names: the HTML export's pages are English whatever the user's language.
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def number(value: int) -> str:
    """12345 -> "12,345" in English, "12.345" in Portuguese."""
    group, _point = _SEPARATORS[_language]
    return f"{value:,}".replace(",", group)


def decimal(value: float, places: int = 1) -> str:
    """1.5 -> "1.5" in English, "1,5" in Portuguese (thousands grouped as in `number`)."""
    group, point = _SEPARATORS[_language]
    text = f"{value:,.{places}f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


def long_date(day: date) -> str:
    """ "Saturday, 28 November 2026"; "sábado, 28 de novembro de 2026"."""
    if _language == PORTUGUESE:
        weekday, month = _WEEKDAYS_PT[day.weekday()], _MONTHS_PT[day.month - 1]
        return f"{weekday}, {day.day} de {month} de {day.year}"
    weekday, month = _WEEKDAYS_EN[day.weekday()], MONTHS_EN[day.month - 1]
    return f"{weekday}, {day.day} {month} {day.year}"


def short_date(day: date) -> str:
    """ "2026-11-28" in English (as tgtui always wrote it), "28/11/2026" in Portuguese."""
    return f"{day:%d/%m/%Y}" if _language == PORTUGUESE else f"{day:%Y-%m-%d}"


def short_datetime(moment: datetime) -> str:
    """ "2026-11-28 14:05" in English, "28/11/2026 14:05" in Portuguese."""
    return f"{short_date(moment)} {moment:%H:%M}"


def counted(singular: str, plural: str, count: int) -> str:
    """``count`` of something, in the form for it: counted("{count} chat", "{count} chats",
    1234) -> "1,234 chats" ("1.234 conversas"). Extracted like `ngettext`."""
    return ngettext(singular, plural, count).format(count=number(count))


# What argparse says to users, as it spells it (Python 3.11 to 3.14), so the catalog
# translates it: `tgtui --help` and the command line's errors in the user's language.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("ignored explicit argument %r"),
    N_("can't open '%(filename)s': %(error)s"),
)

# Textual's own key descriptions that tgtui's footer and help show (the screen's, the
# fields', buttons', lists' and scrolling areas'), so they are translated like tgtui's.
TEXTUAL_WORDS = (
    N_("Copy selected text"),
    N_("Cut selected text"),
    N_("Delete all to the left"),
    N_("Delete all to the right"),
    N_("Delete character left"),
    N_("Delete character right"),
    N_("Delete left to start of word"),
    N_("Delete right to start of word"),
    N_("Down"),
    N_("First"),
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Go to end"),
    N_("Go to start"),
    N_("Last"),
    N_("Move cursor left"),
    N_("Move cursor left a word"),
    N_("Move cursor left a word and select"),
    N_("Move cursor left and select"),
    N_("Move cursor right a word"),
    N_("Move cursor right a word and select"),
    N_("Move cursor right and select"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Next option"),
    N_("Open the command palette"),
    N_("Page Down"),
    N_("Page Left"),
    N_("Page Right"),
    N_("Page Up"),
    N_("Paste text from the clipboard"),
    N_("Press button"),
    N_("Previous option"),
    N_("Quit"),
    N_("Scroll Down"),
    N_("Scroll End"),
    N_("Scroll Home"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("Scroll Up"),
    N_("Select"),
    N_("Select all"),
    N_("Select line end"),
    N_("Select line start"),
    N_("Show menu"),
    N_("Submit"),
    N_("Toggle"),
    N_("Up"),
    N_("palette"),
)
