"""The workbench's readings of the API's answers: pure functions, no I/O, no Dash.

The counts strip, the deadline-sorted rows and the map points come from the caller's open
cases (``/api/incidents``, JSON); the rates and their city median from ``/api/stats/units``;
the drawer's timeline from ``/api/incidents/{id}/events``.  What each action's form asks and
the body it sends are in :mod:`dashboard.actionforms`.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from dashboard.figures import MapPoint
from dashboard.i18n import lang_of, t, term
from dashboard.readings import CHINA

UNIT_ROLES: Final = frozenset({"officer", "lead"})
"""Roles that work a unit's cases (承办); the others with actions work a centre's queue."""
CENTRE_ROLES: Final = frozenset({"dispatcher", "admin"})
IN_HAND: Final = ("claimed", "assigned", "in_progress")
"""A unit has signed for the case and is working on it."""
CENTRE_QUEUE: Final = ("reported", "accepted", "handled", "verified", "review")
"""Statuses in which the centre, not a unit, must act next."""
NO_DUE: Final = 10**9
"""Sort key of a case without a running clock: after every case with one."""


def mode_of(role: str | None) -> str:
    """``unit`` for a unit's officer or lead, ``centre`` for a dispatcher, else ``none``."""
    if role in UNIT_ROLES:
        return "unit"
    if role in CENTRE_ROLES:
        return "centre"
    return "none"


def parse_time(value: str | None) -> datetime | None:
    """An API time (ISO 8601) as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def minutes_left(due_at: str | None, now: datetime) -> float | None:
    """Minutes from ``now`` to ``due_at`` (negative once past); None without a due time."""
    due = parse_time(due_at)
    if due is None:
        return None
    return (due - now).total_seconds() / 60


def span_text(minutes: float, lang: str = "zh") -> str:
    """A duration in days, hours and minutes, two units at most: ``1天3时``, ``2时05分``."""
    whole = int(abs(minutes))
    days, rest = divmod(whole, 24 * 60)
    hours, mins = divmod(rest, 60)
    d, h, m = ("d ", "h ", "m") if lang == "en" else ("天", "时", "分")
    if days:
        return f"{days}{d}{hours}{h}".rstrip()
    if hours:
        return f"{hours}{h}{mins:02d}{m}"
    return f"{mins}{m}"


def clock_text(minutes: float | None, lang: str = "zh") -> str:
    """``剩 2时05分`` before the deadline, ``超 1天3时`` after it, ``—`` without one."""
    if minutes is None:
        return "—"
    if lang == "en":
        return span_text(minutes, lang) + (" left" if minutes >= 0 else " late")
    return ("剩 " if minutes >= 0 else "超 ") + span_text(minutes)


def local_text(value: str | None, fmt: str = "%m-%d %H:%M") -> str:
    """An API time as Beijing time text (empty without one)."""
    moment = parse_time(value)
    return moment.astimezone(CHINA).strftime(fmt) if moment else ""


def _light(case: dict[str, Any]) -> str | None:
    return (case.get("deadline") or {}).get("light")


def _due(case: dict[str, Any]) -> str | None:
    return (case.get("deadline") or {}).get("due_at")


@dataclass(frozen=True)
class Strip:
    """The counts strip: how many cases wait in each state, and the soonest clock."""

    counts: dict[str, int]
    soonest_due: str | None
    """The first deadline of the cases the strip's first tile counts (待签收 / 待受理)."""


def strip_counts(cases: Iterable[dict[str, Any]], mode: str, unit: str | None = None) -> Strip:
    """Count the open cases for the strip of a unit (``unit``) or a centre (``centre``).

    A unit counts the cases it leads: 待签收 (dispatched to it, not signed), in hand, back
    for rework; and, on every case of its list, the yellow and red lights and extensions
    awaiting approval.  A centre counts its queue (to accept, dispatch, verify, call back,
    review), the lights and pending extensions.
    """
    counts: dict[str, int] = dict.fromkeys(strip_keys(mode), 0)
    first_status = "dispatched" if mode == "unit" else "reported"
    dues: list[tuple[datetime, str]] = []
    for case in cases:
        light, due = _light(case), _due(case)
        keys = counted_under(case, mode, unit)
        if first_status in keys and due:
            dues.append((parse_time(due) or datetime.max.replace(tzinfo=CHINA), due))
        for key in keys:
            counts[key] += 1
        if light in ("yellow", "red"):
            counts[light] += 1
    return Strip(counts, min(dues)[1] if dues else None)


def strip_keys(mode: str) -> tuple[str, ...]:
    """The count tiles of a mode, in order (the rates follow them)."""
    if mode == "unit":
        return ("dispatched", "in_hand", "yellow", "red", "extension", "rework", "returned")
    return ("reported", "accepted", "handled", "verified", "review", "yellow", "red", "extension")


def counted_under(case: dict[str, Any], mode: str, unit: str | None = None) -> list[str]:
    """The strip's tiles (other than the lights) that count ``case``."""
    status = case["status"]
    keys = []
    if mode == "unit" and case.get("unit") == unit:
        if status == "dispatched":
            keys.append("dispatched")
        if status in IN_HAND:
            keys.append("in_hand")
        if status in IN_HAND and case.get("rework_count", 0) + case.get("reopen_count", 0) > 0:
            keys.append("rework")
    elif mode == "centre" and status in CENTRE_QUEUE:
        keys.append(status)
    if case.get("pending_extension_days") is not None:
        keys.append("extension")
    return keys


def part_of(case: dict[str, Any], unit: str | None) -> str:
    """The unit's part in ``case``: ``lead`` (主办), ``co`` (协办), ``summoned`` (被吹哨)."""
    if unit is None or case.get("unit") == unit:
        return "lead"
    if any(c.get("unit") == unit for c in case.get("co_units") or []):
        return "co"
    return "summoned"


def in_queue(case: dict[str, Any], mode: str) -> bool:
    """Whether ``case`` is in the work list: the centre's queue, or a unit's to-do.

    A unit's to-do is what it may act on now (sign, handle, report back, report in); a
    case it handled waits at the centre for verification and leaves the list.  A centre's
    queue is what it must act on next, and extensions awaiting its approval.
    """
    if mode == "unit":
        return bool(case.get("allowed_actions"))
    return case["status"] in CENTRE_QUEUE or case.get("pending_extension_days") is not None


def flags_of(case: dict[str, Any], lang: str = "zh") -> list[str]:
    """Short marks beside a case: 急, 督办 cards, 返工, 重办, 延期待批, 吹哨."""

    def word(key: str) -> str:
        return t(f"flag_{key}", lang_of(lang))

    marks = []
    if case.get("urgent"):
        marks.append(word("urgent"))
    card = (case.get("deadline") or {}).get("supervision")
    if card in ("red_card", "yellow_card"):
        marks.append(word(card))
    for key in ("rework", "reopen"):
        if case.get(f"{key}_count"):
            marks.append(f"{word(key)}{case[f'{key}_count']}")
    if case.get("pending_extension_days") is not None:
        marks.append(word("extension"))
    if any(w.get("reported_at") is None for w in case.get("whistles") or []):
        marks.append(word("whistle"))
    return marks


def case_rows(
    cases: Iterable[dict[str, Any]], now: datetime, unit: str | None = None, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Table rows, soonest deadline first (overdue at the top, no clock at the bottom).

    With ``unit``, each row says the unit's part in the case (:func:`part_of`).
    """
    rows = []
    for case in cases:
        left = minutes_left(_due(case), now)
        rows.append(
            {
                "id": case["id"],
                "key": str(case["id"]),
                "case_no": case["case_no"],
                "light": _light(case) or "none",
                "left": NO_DUE if left is None else round(left, 1),
                "clock": clock_text(left, lang),
                "due": local_text(_due(case)),
                "status": term("status", case["status"], lang_of(lang)),
                "category": case.get("category_name") or case.get("category", ""),
                "place": case.get("address") or (case.get("grid") or {}).get("small", ""),
                "flags": " ".join(flags_of(case, lang)),
                "part": part_of(case, unit),
                "reported": local_text(case.get("reported_at")),
            }
        )
    return sorted(rows, key=lambda row: (row["left"], row["id"]))


def case_points(cases: Iterable[dict[str, Any]]) -> list[MapPoint]:
    """The cases as map points keyed by their light (``none`` without a clock)."""
    return [
        MapPoint(
            int(case["id"]),
            float(case["lon"]),
            float(case["lat"]),
            _light(case) or "none",
            f"{case['case_no']}<br>{case.get('category_name') or ''} · {case['status_label']}",
        )
        for case in cases
    ]


def points_bbox(
    points: Sequence[MapPoint], pad: float = 0.2
) -> tuple[float, float, float, float] | None:
    """The extent of the points, padded by ``pad`` of its size (None without points)."""
    if not points:
        return None
    west, east = min(p.lon for p in points), max(p.lon for p in points)
    south, north = min(p.lat for p in points), max(p.lat for p in points)
    dx, dy = max(east - west, 0.02) * pad, max(north - south, 0.02) * pad
    return west - dx, south - dy, east + dx, north + dy


# ---------------------------------------------------------------- rates beside the city's


def unit_item(answer: dict[str, Any], code: str | None) -> dict[str, Any] | None:
    """The ``/api/stats/units`` item of one unit."""
    return next((item for item in answer.get("items", []) if item["code"] == code), None)


def unit_rate(answer: dict[str, Any], code: str | None, rate: str) -> dict[str, Any] | None:
    """One rate of one unit (with its numerator and denominator), or None."""
    item = unit_item(answer, code)
    return (item.get("rates") or {}).get(rate) if item else None


def median_rate(answer: dict[str, Any], rate: str, kind: str) -> float | None:
    """The median of ``rate`` over the ranked units of ``kind`` (small samples left out)."""
    values = [
        item["rates"][rate]["percent"]
        for item in answer.get("items", [])
        if item.get("kind") == kind
        and item.get("place") is not None
        and (item.get("rates") or {}).get(rate, {}).get("percent") is not None
    ]
    return round(statistics.median(values), 1) if values else None


def beside_median(percent: float | None, median: float | None, lang: str = "zh") -> tuple[str, str]:
    """The city median as text, and where the unit stands: ``above``, ``below``, ``even``.

    The second value is empty when either rate is unknown.
    """
    head = "City median" if lang == "en" else "全市中位"
    if median is None:
        return f"{head} —", ""
    text = f"{head} {median:.1f}%"
    if percent is None:
        return text, ""
    if abs(percent - median) < 0.05:
        return text, "even"
    return text, "above" if percent > median else "below"


# ---------------------------------------------------------------- the drawer


def timeline_items(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The case's steps, newest first: when, what, who (role and unit), note, photos."""
    items = [
        {
            "at": local_text(event["at"]),
            "label": event.get("action_label") or event["action"],
            "who": " · ".join(part for part in (event.get("actor"), event.get("unit")) if part),
            "note": event.get("note") or "",
            "photos": list((event.get("data") or {}).get("photo_ids") or []),
        }
        for event in events
    ]
    return list(reversed(items))


def photo_ids(events: Iterable[dict[str, Any]]) -> list[int]:
    """Every photo the timeline cites, oldest first, once each."""
    seen: list[int] = []
    for event in events:
        for photo in (event.get("data") or {}).get("photo_ids") or []:
            if photo not in seen:
                seen.append(int(photo))
    return seen


def reporter_text(case: dict[str, Any]) -> str:
    """The reporter as the API shows it to this role (masked or hidden)."""
    parts = [case.get("reporter_name"), case.get("reporter_phone")]
    shown = [part for part in parts if part]
    return " · ".join(shown) if shown else "—"
