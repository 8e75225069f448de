"""The interface's words in Chinese (first) and English: one table (``words.toml``), one lookup.

The terms of the case vocabulary (statuses, actions, sources, lights, tiers, ratings…) are
not the dashboard's to declare: they come from the API's ``/api/vocabulary``, of which
``vocabulary.json`` is the copy ``make vocabulary`` writes (a test fails while it is stale).
:func:`term` names one, :func:`codes` lists a vocabulary in the API's order.

The language travels in the page URL (``?lang=en``) so a shared link opens in the same
language; Chinese is the default.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Final, Literal
from urllib.parse import parse_qs

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")

WORDS: Final = Path(__file__).with_name("words.toml")
"""The table of words: ``key = ["中文", "English"]``, a data file like any message catalogue."""


def _read(path: Path) -> dict[str, tuple[str, str]]:
    with path.open("rb") as f:
        table = tomllib.load(f)
    return {key: (zh, en) for key, (zh, en) in table.items()}


TEXT: Final = _read(WORDS)
"""Every word of the interface by key, as (Chinese, English)."""


def lang_of(value: object) -> Lang:
    """The language named by a URL value; Chinese unless it says ``en``."""
    return "en" if value == "en" else "zh"


def lang_of_search(search: str | None) -> Lang:
    """The language named by a page URL's query string (``?lang=en``); Chinese by default."""
    return lang_of(parse_qs((search or "").lstrip("?")).get("lang", ["zh"])[0])


def t(key: str, lang: Lang = "zh") -> str:
    """The word for ``key`` in ``lang`` (the key itself if the table lacks it)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


VOCABULARY: Final = Path(__file__).with_name("vocabulary.json")
"""The API's terms, as ``/api/vocabulary`` serves them (generated: never edited by hand)."""


def _read_terms(path: Path) -> dict[str, dict[str, tuple[str, str]]]:
    table = json.loads(path.read_text(encoding="utf-8"))
    return {kind: {x["code"]: (x["zh"], x["en"]) for x in terms} for kind, terms in table.items()}


TERMS: Final = _read_terms(VOCABULARY)
"""Each vocabulary's terms by code, as (Chinese, English), in the API's order."""


def term(kind: str, code: str, lang: Lang = "zh") -> str:
    """The name of ``code`` in the API's vocabulary ``kind`` (``"status"``…); else the code."""
    pair = TERMS.get(kind, {}).get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]


def codes(kind: str) -> tuple[str, ...]:
    """The codes of the API's vocabulary ``kind``, in its order (statuses in the loop's)."""
    return tuple(TERMS[kind])
