"""The SQL form of every count agrees with the Python rules, on a played history, both stores.

As the access policy's two forms are compared, the ``GROUP BY`` sums of
:mod:`api.stats.counts` are compared with :func:`api.indicators.tally` over the same cases
read as plain rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.cases.queries import CaseFilter
from api.context import AppContext
from api.indicators import SummonsRow, tally
from api.models import utcnow
from api.stats.counts import StatsQuery, case_rows, summons_of, tally_by
from api.workflow import Actor, Role
from tests.history import DAYS, END, play_history

ANALYST = Actor(username="analyst", role=Role.analyst)


@pytest.fixture
def played(city_context: AppContext) -> AppContext:
    assert play_history(city_context) == 240
    return city_context


def _query(context: AppContext, filters: CaseFilter) -> StatsQuery:
    return StatsQuery(
        context=context,
        actor=ANALYST,
        filters=filters,
        start=END - timedelta(days=DAYS + 1),
        end=END + timedelta(days=1),
        as_of=utcnow(),
    )


@pytest.mark.parametrize("filters", [CaseFilter(), CaseFilter(unit="441502001")])
def test_sql_counts_agree_with_the_python_rules(played: AppContext, filters: CaseFilter) -> None:
    query = _query(played, filters)
    with played.db.session() as session:
        rows = case_rows(session, query)
        summons = [SummonsRow(w.due_at, w.reported_at) for w in summons_of(session, query)]
        in_sql = tally_by(session, query, None)[None]
    in_python = tally(rows, summons, as_of=query.as_of)
    assert in_sql == in_python
    if filters == CaseFilter():
        assert in_sql["cases"] == 240
        unused = {name for name, n in in_sql.cases.items() if n == 0}
        assert unused <= {"overdue_open", "closed_county"}, f"the history never shows {unused}"
