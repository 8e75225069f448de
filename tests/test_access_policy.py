"""The access table decides every route for every role, and its SQL and Python forms agree."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import select

from api.cases.access import visibility_clause
from api.cases.record import snapshot_of
from api.context import AppContext
from api.deps import Allowed, Public
from api.models import Incident
from api.workflow import Actor, Permission, Role, can_see, may
from tests.driver import act, login, report

USERS = {
    Role.admin: "admin",
    Role.dispatcher: "dispatcher",
    Role.lead: "lead_xfj",
    Role.officer: "officer_xfj",
    Role.gridworker: "gridworker_441502001001",
    Role.analyst: "analyst",
    Role.screen: "screen",
}


def decision_of(route: APIRoute) -> Permission | None:
    """The permission a route declares (through ``allowed(...)`` or ``PUBLIC``)."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        call = dependant.call
        if isinstance(call, Allowed | Public):
            return call.permission
        pending.extend(dependant.dependencies)
    return None


def _all_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_all_routes(route.original_router.routes))
    return found


def api_routes(client: TestClient) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every operation in the OpenAPI document."""
    routes = _all_routes(client.app.routes)  # type: ignore[attr-defined]
    by_name = {(r.name, m): r for r in routes for m in r.methods}
    assert len(by_name) == sum(len(r.methods) for r in routes), "endpoint names must be unique"
    schema = client.get("/openapi.json").json()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            name = operation["operationId"].split("_api_")[0].split("_healthz_")[0]
            found.append((method.upper(), path, by_name[(name, method.upper())]))
    return found


def test_every_route_has_an_access_decision(client: TestClient) -> None:
    routes = api_routes(client)
    missing = [f"{method} {path}" for method, path, r in routes if decision_of(r) is None]
    assert not missing, f"routes without an access decision: {missing}"
    assert len(routes) >= 12


def _url(path: str, case_id: int) -> str:
    values = {"incident_id": str(case_id), "code": "441502001", "action": "accept"}
    return re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "1"), path)


@pytest.fixture
def dispatched_case(client: TestClient) -> int:
    """A case every role can see: in the grid worker's grid, dispatched to the officer."""
    case_id = int(report(client, login(client, "gridworker_441502001001"))["id"])
    dispatcher = login(client, "dispatcher")
    act(client, dispatcher, case_id, "accept")
    act(client, dispatcher, case_id, "dispatch", unit="xfj")
    return case_id


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_route_answers_each_role_as_the_table_says(
    client: TestClient, dispatched_case: int, role: Role
) -> None:
    headers = login(client, USERS[role])
    checked = 0
    for method, path, route in api_routes(client):
        permission = decision_of(route)
        assert permission is not None
        if permission is Permission.public:
            continue
        response = client.request(method, _url(path, dispatched_case), json={}, headers=headers)
        if may(role, permission):
            assert response.status_code != 403, (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.json()["error"] == "forbidden"
        checked += 1
    assert checked >= 8


def test_sql_and_python_visibility_agree(city_context: AppContext, client: TestClient) -> None:
    dispatcher = login(client, "dispatcher")
    cases = [
        report(client, login(client, "gridworker_441502001001"))["id"],
        report(client, login(client, "officer_cgj"), small="44150200200101")["id"],
        report(client, dispatcher, small="44150200100202")["id"],
    ]
    for case_id, department, co in ((cases[0], "xfj", ["cgj"]), (cases[2], "cgj", [])):
        act(client, dispatcher, case_id, "accept")
        act(client, dispatcher, case_id, "dispatch", unit=department, co_units=co)
    actors = [
        Actor(username="officer_cgj", role=Role.officer, unit="cgj"),
        Actor(username="officer_xfj", role=Role.officer, unit="xfj"),
        Actor(username="officer_zjj", role=Role.officer, unit="zjj"),
        Actor(username="g", role=Role.gridworker, grid_codes=frozenset({"441502001001"})),
        Actor(username="g2", role=Role.gridworker, grid_codes=frozenset({"441502002"})),
        Actor(username="screen", role=Role.screen),
    ]
    with city_context.db.session() as session:
        every = session.exec(select(Incident)).all()
        for actor in actors:
            clause = visibility_clause(actor)
            query = select(Incident.id) if clause is None else select(Incident.id).where(clause)
            by_sql = set(session.exec(query).all())
            by_python = {i.id for i in every if can_see(actor, snapshot_of(i))}
            assert by_sql == by_python, actor.username
    assert len(every) == 3
