"""The page's languages: translation files (``i18n/{lang}.json``, editable by a translator), the
choice of language (``?lang=``, then ``Accept-Language``), and numbers and dates per language.

A key missing from a translation falls back to English, so a partial translation still renders.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from pathlib import Path

import orjson

from resolver.gs1.linkset import LANGUAGES, preferred_languages

__all__ = ["Texts", "choose_language", "texts"]

_DIR = Path(__file__).resolve().parent / "i18n"
# A table entry: a text, or a list of them (the month names).
_Text = str | list[str]


class Texts:
    """One language's texts, with number and date formatting."""

    def __init__(self, lang: str, table: Mapping[str, _Text], fallback: Mapping[str, _Text]) -> None:
        self.lang = lang
        self._table = table
        self._fallback = fallback

    def __call__(self, key: str, **values: object) -> str:
        text = self._table.get(key, self._fallback.get(key, key))
        return str(text).format(**values) if values else str(text)

    def has(self, key: str) -> bool:
        return key in self._table or key in self._fallback

    def number(self, value: float, digits: int | None = None) -> str:
        """``value`` with this language's decimal and thousands separators; ``digits`` after the
        point (None: as few as show the value, at most 3)."""
        if digits is None:
            text = f"{value:,.3f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
        else:
            text = f"{value:,.{digits}f}"
        decimal, thousands = self("decimal"), self("thousands")
        return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)

    def date(self, text: str) -> str:
        """An ISO date or date-time as this language writes a date; unreadable text as given."""
        try:
            when = datetime.date.fromisoformat(text[:10])
        except ValueError:
            return text
        months = self._table.get("months") or self._fallback["months"]
        return self(
            "date", day=when.day, month=months[when.month - 1], month_number=when.month, year=when.year
        )


@functools.cache
def _table(lang: str) -> Mapping[str, _Text]:
    loaded: dict[str, _Text] = orjson.loads((_DIR / f"{lang}.json").read_bytes())
    return loaded


def texts(lang: str) -> Texts:
    """The texts of ``lang`` (one of LANGUAGES)."""
    return Texts(lang, _table(lang), _table(LANGUAGES[0]))


def choose_language(query_lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` when it names an offered language, else the best of ``Accept-Language``."""
    if query_lang:
        primary = query_lang.strip().lower().split("-", 1)[0]
        if primary in LANGUAGES:
            return primary
    ranked = preferred_languages(accept_language)
    return ranked[0] if ranked else LANGUAGES[0]
