"""Every string the web pages show, in English and Korean: templates look them up by key, and the
page's catalogue is embedded as JSON for its scripts. `{name}` placeholders are filled by the caller."""

from __future__ import annotations

from shopcast.web.messages_en import EN
from shopcast.web.messages_ko import KO

LANGUAGES = ("en", "ko")

CATALOGUES: dict[str, dict[str, str]] = {"en": EN, "ko": KO}


def catalogue(language: str) -> dict[str, str]:
    """The messages of `language`, English for a language we do not have."""
    return CATALOGUES.get(language, EN)
