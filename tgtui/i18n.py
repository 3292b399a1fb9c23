"""The language tgtui speaks: English (the source) or Brazilian Portuguese, from gettext
catalogs in `tgtui/locale` (`.po` files are the source; the compiled `.mo` files sit beside
them so both `pip install .` and `pip install -e .` have them).

The language is `language` in config.toml when set, else the locale (`LC_ALL`,
`LC_MESSAGES`, `LANG`, as gettext reads them): any Portuguese locale gives pt_BR, anything
else English. Strings are translated when shown (`_`); constants are marked with `N_` and
translated where they are used, so choosing the language after import works.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
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
        return
    _translation = gettext.translation(DOMAIN, LOCALE_DIR, [_language], fallback=True)


def current() -> str:
    """The language in use."""
    return _language


def _(message: str) -> str:
    """``message`` in the language in use."""
    return _translation.gettext(message)


def N_(message: str) -> str:
    """Mark a constant for translation where it is shown (returns it unchanged)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in use."""
    return _translation.ngettext(singular, plural, n)
