"""A bounded fuzzing run over the whole OpenAPI schema, as the dispatcher, on both stores.

Schemathesis generates valid and invalid requests for every operation the schema lists and
checks each answer: never a 5xx, a documented status code and content type, a body and
headers that match the documented schema.  The run is bounded (``MAX_EXAMPLES`` per
operation and phase) and seeded, so CI repeats it exactly; set ``MINQING_FUZZ_SEED`` to
shake other inputs out locally.

The schema is read once, from an app that never opens its store; each case is then sent
in-process to the app over the mini city of the store under test.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import Settings
from tests.driver import login, report

MAX_EXAMPLES = 15
SEED = int(os.environ.get("MINQING_FUZZ_SEED", "20240601"))

FUZZ_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # No example database: each run is its seed alone, and writes nothing.
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {"stateful": {"enabled": False}},
        # A schema-valid request may still name no stored category, an EPSG code pyproj does
        # not know, or miss what one action's rule needs (escalate needs a reason): the API
        # refuses it with a documented 422, which this check would count as a failure.
        "checks": {"positive_data_acceptance": {"enabled": False}},
    }
)
_SCHEMA_ONLY = Settings(database_url="sqlite://", secret_key="schema-only")
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(_SCHEMA_ONLY, dashboard=False), config=FUZZ_CONFIG
)


@pytest.fixture
def dispatcher(client: TestClient) -> dict[str, str]:
    """The dispatcher's Authorization header, signed in once for all of a test's inputs."""
    return login(client, "dispatcher")


@pytest.fixture
def open_case(client: TestClient, dispatcher: dict[str, str]) -> int:
    """A reported case (id 1, the smallest id the fuzzer tries) for the case operations."""
    return int(report(client, dispatcher)["id"])


# The store, the token and the case are shared by all inputs of one operation on purpose:
# what earlier inputs did to the case is there for later ones to read and act on.
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_answers_as_documented(
    case: schemathesis.Case, client: TestClient, dispatcher: dict[str, str], open_case: int
) -> None:
    case.call_and_validate(headers=dispatcher, app=client.app)


# ------------------------------------------------------------------ what the fuzzer found


FOUND = [
    ("GET", "/api/grids?level=small&bbox=115.2,22.7,115.5,23.0", None, 200),
    ("GET", "/api/incidents?limit=2147483647", None, 200),
    ("GET", "/api/incidents/2147483648", None, 422),
    ("POST", "/api/incidents/1/actions/accept", b'{"days": false}', 422),
    ("POST", "/api/incidents", b"\x80", 400),
]


@pytest.mark.parametrize(("method", "url", "body", "status"), FOUND)
def test_what_the_fuzzer_found_is_answered_as_documented(
    client: TestClient,
    dispatcher: dict[str, str],
    open_case: int,
    method: str,
    url: str,
    body: bytes | None,
    status: int,
) -> None:
    headers = {**dispatcher, "Content-Type": "application/json"}
    response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == status, response.text
    if status >= 400:
        error = response.json()
        assert error["detail"] and error["error"]
