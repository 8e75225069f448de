"""When demo steps happen: shares of the running stage's limit, in the workflow's time.

A stage's window runs from its start to the due time the service set from the category's
limit (:func:`api.workflow.deadline`): working time on the Chinese calendar for ordinary
cases, so "3d" is three working days, and calendar time for urgent ones. A step planned at
share 0.5 comes half-way through that window; a late one at a share above 1 comes after the
due time, so it is late under the same rules that grade it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from api.models import Incident
from api.workflow import Action, WorkCalendar

__all__ = [
    "AFTER_CLOSE_HOURS",
    "LATE_SHARE",
    "RATE_REPORT_IN_MINUTES",
    "REPORT_IN_SHARE",
    "RETURN_HOURS",
    "STAGE_SHARE",
    "moment_for",
    "stage_point",
]

STAGE_SHARE: dict[Action, tuple[float, float]] = {
    Action.accept: (0.05, 0.5),
    Action.reject: (0.1, 0.8),
    Action.answer: (0.1, 0.8),
    Action.resolve_on_site: (0.1, 0.8),
    Action.dispatch: (0.05, 0.6),
    Action.claim: (0.05, 0.6),
    Action.assign: (0.01, 0.04),
    Action.start: (0.04, 0.12),
    Action.escalate: (0.05, 0.25),
    Action.whistle: (0.1, 0.25),
    Action.extend: (0.3, 0.5),
    Action.approve_extension: (0.5, 0.6),
    Action.co_feedback: (0.2, 0.5),
    Action.handle: (0.15, 0.8),
    Action.verify: (0.05, 0.6),
    Action.callback: (0.1, 0.7),
    Action.review: (0.1, 0.6),
}
"""Share of the running stage's window used when each action happens (low, high)."""

LATE_SHARE = (1.3, 2.5)
"""Share of the window used by a step planned late: after the due time."""

RETURN_HOURS = (0.2, 1.5)
"""Working hours after dispatch when a wrongly dispatched unit returns the case (the
window is two; calendar hours for urgent cases)."""

REPORT_IN_SHARE = (0.2, 0.9)
"""Share of a whistle's 报到 window used by a department that reports in on time."""

RATE_REPORT_IN_MINUTES = (10.0, 90.0)
"""Minutes after a 报到 when the centre rates it."""

AFTER_CLOSE_HOURS = (1.0, 16.0)
"""Working hours after the last step for a step with no stage clock running."""

_MIN_GAP = timedelta(minutes=1)


def stage_point(
    calendar: WorkCalendar, started: datetime, due: datetime, share: float, *, urgent: bool
) -> datetime:
    """The moment ``share`` of a stage's window is used (1.0 is the due time itself).

    Parameters
    ----------
    calendar : WorkCalendar
        Office hours and working days.
    started, due : datetime
        Start and due time of the stage (timezone-aware).
    share : float
        0 or more; above 1 lies after the due time.
    urgent : bool
        Urgent cases count calendar time, others working time.

    Returns
    -------
    datetime
        In Asia/Shanghai.
    """
    start = calendar.to_local(started)
    if urgent:
        return start + share * (calendar.to_local(due) - start)
    return calendar.add_working_hours(start, share * calendar.working_hours_between(start, due))


def moment_for(
    action: Action,
    case: Incident,
    *,
    now: datetime,
    late: bool,
    calendar: WorkCalendar,
    rng: random.Random,
) -> datetime:
    """When ``action`` happens to ``case``, the last step having happened at ``now``.

    Within the running stage's window at a share drawn from :data:`STAGE_SHARE` (or
    :data:`LATE_SHARE` when ``late``), never earlier than a minute after ``now``; with no
    stage running (a closed case) some working hours after ``now``. A return, a 报到 and
    its rating follow their own clocks: a return comes within the return window after
    dispatch; a 报到 within (or, ``late``, after) the 报到 window its whistle set, in calendar
    time; a rating soon after.
    """
    local = calendar.to_local(now)
    started, due = case.stage_started_at, case.stage_due_at
    if action is Action.return_:
        hours = rng.uniform(*RETURN_HOURS)
        at = (
            local + timedelta(hours=hours)
            if case.urgent
            else calendar.add_working_hours(local, hours)
        )
    elif action is Action.report_in:
        summons = next(w for w in case.whistles if w.reported_at is None)
        share = rng.uniform(*LATE_SHARE) if late else rng.uniform(*REPORT_IN_SHARE)
        start = calendar.to_local(summons.whistled_at)
        at = start + share * (calendar.to_local(summons.due_at) - start)
    elif action is Action.rate_report_in:
        at = local + timedelta(minutes=rng.uniform(*RATE_REPORT_IN_MINUTES))
    elif started is None or due is None:
        return calendar.add_working_hours(now, rng.uniform(*AFTER_CLOSE_HOURS))
    else:
        low, high = LATE_SHARE if late else STAGE_SHARE[action]
        at = stage_point(calendar, started, due, rng.uniform(low, high), urgent=case.urgent)
    return max(at, local + _MIN_GAP)
