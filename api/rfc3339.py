"""RFC 3339 times as OGC API – Features and Open311 take them: instants and intervals."""

from __future__ import annotations

from datetime import datetime

from api.exceptions import InvalidInput

__all__ = ["parse_datetime", "parse_instant"]


def parse_instant(field: str, text: str) -> datetime:
    """An RFC 3339 date-time with its time zone (``Z`` or an offset), or InvalidInput."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not an RFC 3339 date-time") from None
    if value.tzinfo is None:
        raise InvalidInput(field, f"{text!r} needs a time zone, e.g. Z or +08:00")
    return value


def parse_datetime(text: str | None) -> tuple[datetime | None, datetime | None] | None:
    """An OGC ``datetime``: an RFC 3339 instant, or ``start/end`` with ``..`` for open ends."""
    if text is None:
        return None
    if "/" not in text:
        moment = parse_instant("datetime", text)
        return moment, moment
    start, end = (
        None if part in ("", "..") else parse_instant("datetime", part)
        for part in text.split("/", 1)
    )
    if start and end and start > end:
        raise InvalidInput("datetime", "the interval's start lies after its end")
    return start, end
