"""The indicators of DOMAIN.md ("Indicators"): each formula once, over plain per-case rows.

Framework-free: no web, no database. A :class:`CaseRow` holds what the formulas need of
one case; :data:`CASE_COUNTS` says, once, which cases each count takes (the SQL form in
:mod:`api.stats.counts` mirrors it, and a test compares the two case by case);
:func:`tally` adds them up into a :class:`Tally`, and :func:`rates` turns a tally into
every rate, each a :class:`Rate` carrying its numerator and denominator.

Counts that depend on the clock (due to handle, overdue) are taken ``as_of`` a moment.
The department score and the rankings (:func:`rank`) keep small samples out of the top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from api.workflow import OPEN_STATUSES, SATISFIED, Status, Tier

__all__ = [
    "CASE_COUNTS",
    "IN_HAND",
    "RATE_LABELS",
    "RATE_RULES",
    "CaseRow",
    "Rate",
    "Ranked",
    "SummonsRow",
    "Tally",
    "counts_of",
    "department_score",
    "per_thousand_households",
    "rank",
    "rates",
    "tally",
    "tier_shares",
]

IN_HAND: Final = frozenset({Status.dispatched, Status.claimed, Status.assigned, Status.in_progress})
"""Statuses in which a unit holds the case and its handling clock runs."""


@dataclass(frozen=True)
class Rate:
    """A rate with what it is made of; ``value`` is None when nothing was counted."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """The share, 0–1 (None when the denominator is 0)."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        """The share in per cent, rounded to two decimals (安乡's 93.76)."""
        value = self.value
        return None if value is None else round(value * 100, 2)

    def complement(self) -> Rate:
        """``1 − rate`` over the same denominator (准确派遣率 from 退回率)."""
        return Rate(self.denominator - self.numerator, self.denominator)

    def as_dict(self) -> dict[str, Any]:
        """``numerator``, ``denominator``, ``value`` and ``percent``, for an answer."""
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "percent": self.percent,
        }


@dataclass(frozen=True)
class CaseRow:
    """What the indicators need of one case.

    The last three are facts of the event log, given as worked out by the store:
    ``signed_in_time`` (the lead unit signed within the signing limit of its dispatch),
    ``responded_in_time`` (the first step after intake came within the response limit),
    ``repeats`` (a report of the same 小类 in the same small grid as an open or recent
    case, or rejected as its duplicate).
    """

    status: Status
    handle_due_at: datetime | None = None
    dispatched: bool = False
    claimed: bool = False
    handled: bool = False
    resolved_on_site: bool = False
    unreasonable: bool = False
    ever_overdue: bool = False
    rework_count: int = 0
    reopen_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    called_back: bool = False
    first_rating: str | None = None
    first_solved: bool | None = None
    unreachable: bool = False
    closing_tier: Tier | None = None
    signed_in_time: bool = False
    responded_in_time: bool = False
    repeats: bool = False


@dataclass(frozen=True)
class SummonsRow:
    """One department summoned by a whistle: its 报到 deadline and when it reported."""

    due_at: datetime
    reported_at: datetime | None = None


def _collected(c: CaseRow) -> bool:
    return c.status is not Status.rejected


def _was_dispatched(c: CaseRow) -> bool:
    return c.dispatched or c.return_count > 0


def _ever_handled(c: CaseRow) -> bool:
    return c.dispatched and (c.handled or c.rework_count > 0 or c.reopen_count > 0)


def _past_due(c: CaseRow, as_of: datetime) -> bool:
    return c.handle_due_at is not None and c.handle_due_at <= as_of


def _due_to_handle(c: CaseRow, as_of: datetime) -> bool:
    return c.dispatched and (_ever_handled(c) or c.ever_overdue or _past_due(c, as_of))


def _overdue_open(c: CaseRow, as_of: datetime) -> bool:
    return c.status in IN_HAND and _past_due(c, as_of)


CaseCount = Callable[[CaseRow, datetime], bool]

CASE_COUNTS: Final[dict[str, CaseCount]] = {
    "cases": lambda c, t: True,
    "collected": lambda c, t: _collected(c),
    "open": lambda c, t: c.status in OPEN_STATUSES,
    "resolved": lambda c, t: c.status is Status.closed and not c.unreasonable,
    "on_site": lambda c, t: _collected(c) and c.resolved_on_site,
    "closed": lambda c, t: c.status is Status.closed,
    "due_to_close": lambda c, t: (
        _collected(c) and (c.status is Status.closed or c.ever_overdue or _past_due(c, t))
    ),
    "closed_on_time": lambda c, t: c.status is Status.closed and not c.ever_overdue,
    "dispatched": lambda c, t: _was_dispatched(c),
    "returned": lambda c, t: c.return_count > 0,
    "signed": lambda c, t: c.dispatched and c.claimed,
    "signed_in_time": lambda c, t: c.dispatched and c.claimed and c.signed_in_time,
    "due_to_handle": _due_to_handle,
    "handled": lambda c, t: _ever_handled(c),
    "handled_on_time": lambda c, t: _ever_handled(c) and not c.ever_overdue,
    "reworked": lambda c, t: c.dispatched and c.rework_count > 0,
    "overdue_open": _overdue_open,
    "ever_overdue": lambda c, t: c.ever_overdue,
    "extended": lambda c, t: _due_to_handle(c, t) and c.extension_count > 0,
    "called_back": lambda c, t: c.called_back,
    "reopened": lambda c, t: c.called_back and c.reopen_count > 0,
    "rated": lambda c, t: c.first_rating is not None,
    "satisfied": lambda c, t: c.first_rating in SATISFIED,
    "unreachable": lambda c, t: c.unreachable,
    "solved": lambda c, t: c.first_rating is not None and c.first_solved is True,
    "responded": lambda c, t: c.responded_in_time,
    "repeated": lambda c, t: c.repeats,
    "closed_grid": lambda c, t: c.status is Status.closed and c.closing_tier is Tier.grid,
    "closed_township": lambda c, t: c.status is Status.closed and c.closing_tier is Tier.township,
    "closed_county": lambda c, t: c.status is Status.closed and c.closing_tier is Tier.county,
}
"""Which cases each count takes, as of a moment: one rule per count."""


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(CASE_COUNTS, 0)


_SUMMONS_COUNTS: Final = frozenset({"summons", "summons_on_time", "summons_awaiting"})


@dataclass(frozen=True)
class Tally:
    """The counts of a set of cases (``cases``) and of the summons on them."""

    cases: dict[str, int] = field(default_factory=_zero_counts)
    summons: int = 0
    summons_on_time: int = 0
    summons_awaiting: int = 0

    def __getitem__(self, name: str) -> int:
        """One count by name: a case count (``tally["resolved"]``) or a summons count."""
        if name in _SUMMONS_COUNTS:
            count: int = getattr(self, name)
            return count
        return self.cases[name]

    def __add__(self, other: Tally) -> Tally:
        """The tally of both sets together."""
        return Tally(
            cases={k: self.cases[k] + other.cases[k] for k in CASE_COUNTS},
            summons=self.summons + other.summons,
            summons_on_time=self.summons_on_time + other.summons_on_time,
            summons_awaiting=self.summons_awaiting + other.summons_awaiting,
        )


def tally(
    cases: Iterable[CaseRow], summons: Iterable[SummonsRow] = (), *, as_of: datetime
) -> Tally:
    """Count ``cases`` (and the ``summons`` on them) by every rule of :data:`CASE_COUNTS`.

    A summons counts once it is answered or its deadline has passed (``as_of``); one that
    is still awaited within its limit is neither late nor on time yet.
    """
    counts = _zero_counts()
    for case in cases:
        for name, counts_case in CASE_COUNTS.items():
            counts[name] += counts_case(case, as_of)
    due = on_time = awaiting = 0
    for s in summons:
        awaiting += s.reported_at is None
        if s.reported_at is not None or s.due_at <= as_of:
            due += 1
            on_time += s.reported_at is not None and s.reported_at <= s.due_at
    return Tally(cases=counts, summons=due, summons_on_time=on_time, summons_awaiting=awaiting)


RATE_RULES: Final[dict[str, tuple[str, str, str, bool]]] = {
    # name: (Chinese name, numerator, denominator, counted as 1 − numerator / denominator)
    "resolution_rate": ("化解率", "resolved", "collected", False),
    "closure_rate": ("结案率", "closed", "due_to_close", False),
    "closed_on_time_rate": ("按期结案率", "closed_on_time", "due_to_close", False),
    "handling_rate": ("处置率", "handled", "due_to_handle", False),
    "handled_on_time_rate": ("按期处置率", "handled_on_time", "due_to_handle", False),
    "rework_rate": ("返工率", "reworked", "handled", False),
    "overdue_open_rate": ("超期待处置率", "overdue_open", "due_to_handle", False),
    "extension_rate": ("延期率", "extended", "due_to_handle", False),
    "return_rate": ("退回率", "returned", "dispatched", False),
    "accurate_dispatch_rate": ("准确派遣率", "returned", "dispatched", True),
    "signing_rate": ("签收率", "signed", "dispatched", False),
    "signed_in_time_rate": ("按时签收率", "signed_in_time", "dispatched", False),
    "reopen_rate": ("重办率", "reopened", "called_back", False),
    "satisfaction_rate": ("满意率", "satisfied", "rated", False),
    "solved_rate": ("解决率", "solved", "rated", False),
    "response_rate": ("响应率", "responded", "cases", False),
    "repeat_rate": ("重复投诉率", "repeated", "cases", False),
    "report_in_rate": ("报到及时率", "summons_on_time", "summons", False),
    "on_site_rate": ("就地处置率", "on_site", "collected", False),
}
"""Every rate :func:`rates` returns, with its Chinese name and the :class:`Tally` counts
it divides (准确派遣率 is ``1 − 退回率`` over the same dispatched cases)."""

RATE_LABELS: Final[dict[str, str]] = {name: rule[0] for name, rule in RATE_RULES.items()}
"""The Chinese name of every rate."""


def counts_of(names: Iterable[str]) -> list[str]:
    """The case counts the rates ``names`` divide, in :data:`CASE_COUNTS` order.

    A tally of only these (the summons counts aside) is enough for those rates: a screen
    showing three rates need not pay for the costly counts of the others.
    """
    wanted = {count for name in names for count in RATE_RULES[name][1:3]}
    return [count for count in CASE_COUNTS if count in wanted]


def rates(t: Tally, names: Iterable[str] | None = None) -> dict[str, Rate]:
    """Every rate of DOMAIN.md (or those ``names``) over one tally, by :data:`RATE_RULES`.

    满意率 and 解决率 are over the call-backs that reached the resident (first ratings);
    unreachable call-backs are counted apart (``t["unreachable"]``). 重办率 is over
    call-backs, 返工率 (failed verification) over handled cases.
    """
    found = {}
    for name in RATE_RULES if names is None else names:
        _, numerator, denominator, complement = RATE_RULES[name]
        rate = Rate(t[numerator], t[denominator])
        found[name] = rate.complement() if complement else rate
    return found


SCORE_WEIGHTS: Final[tuple[tuple[str, float, bool], ...]] = (
    ("handling_rate", 30.0, False),
    ("handled_on_time_rate", 20.0, False),
    ("rework_rate", 20.0, True),
    ("overdue_open_rate", 20.0, True),
    ("extension_rate", 10.0, True),
)
"""(rate, weight, counts as ``1 − rate``) of the published department score variant."""


def department_score(t: Tally) -> float | None:
    """处置率×30 + 按期处置率×20 + (1−返工率)×20 + (1−超期待处置率)×20 + (1−延期率)×10.

    Out of 100, rounded to two decimals; None when the unit had nothing due to handle. A
    unit that has handled nothing yet has no 返工率 and loses nothing for rework.
    """
    if t["due_to_handle"] == 0:
        return None
    found = rates(t)
    score = 0.0
    for name, weight, inverted in SCORE_WEIGHTS:
        value = found[name].value or 0.0
        score += weight * ((1.0 - value) if inverted else value)
    return round(score, 2)


def tier_shares(t: Tally) -> dict[Tier, Rate]:
    """The share of closed cases closed at each tier (grid, township, county)."""
    closed = t["closed_grid"] + t["closed_township"] + t["closed_county"]
    return {tier: Rate(t[f"closed_{tier.value}"], closed) for tier in Tier}


def per_thousand_households(cases: int, households: int) -> float | None:
    """Cases per 1,000 households, two decimals (None for a grid without households)."""
    return round(cases * 1000 / households, 2) if households > 0 else None


@dataclass(frozen=True)
class Ranked:
    """One place of a ranking: the key, its value, its case count, whether it is ranked."""

    key: str
    value: float | None
    cases: int
    place: int | None
    note: str | None = None


def rank(
    entries: Sequence[tuple[str, float | None, int]], *, min_cases: int, descending: bool = True
) -> list[Ranked]:
    """Order ``(key, value, cases)`` best first, small samples and empty values last.

    Entries with fewer than ``min_cases`` cases, or no value, get no place and say why,
    so that three cases never top three hundred.
    """
    ranked = [e for e in entries if e[1] is not None and e[2] >= min_cases]
    ranked.sort(key=lambda e: (-(e[1] or 0.0) if descending else (e[1] or 0.0), -e[2], e[0]))
    out = [Ranked(key, value, n, place) for place, (key, value, n) in enumerate(ranked, 1)]
    unranked = sorted((e for e in entries if e not in ranked), key=lambda e: (-e[2], e[0]))
    for key, value, n in unranked:
        note = "no value" if value is None else f"fewer than {min_cases} cases: not ranked"
        out.append(Ranked(key, value, n, None, note))
    return out
