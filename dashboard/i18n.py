"""The interface's words in Chinese (first) and English: one table (``words.toml``), one lookup.

The language travels in the page URL (``?lang=en``) so a shared link opens in the same
language; Chinese is the default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Final, Literal

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


def t(key: str, lang: Lang = "zh") -> str:
    """The word for ``key`` in ``lang`` (the key itself if the table lacks it)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]
