"""The case vocabulary is declared once, in the API, and the screens take it from there."""

from __future__ import annotations

import json
import tomllib
from enum import StrEnum

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from api.vocabulary import PUBLISHED, Source
from api.workflow import OPEN_STATUSES, Action, LabelledEnum, Light, Rating, Status
from dashboard import i18n
from tests.driver import login


def test_the_api_serves_every_term_in_order_with_both_names(client: TestClient) -> None:
    response = client.get("/api/vocabulary")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    served = response.json()
    assert [t["code"] for t in served["status"]] == [s.value for s in Status]
    assert [t["code"] for t in served["open_status"]] == [
        s.value for s in Status if s in OPEN_STATUSES
    ]
    assert {"code": "return", "zh": "退回", "en": "Return"} in served["action"]
    assert [t["code"] for t in served["rating"]] == ["满意", "基本满意", "不满意"]
    assert [t["en"] for t in served["light"]] == ["Green", "Yellow", "Red"]
    assert served["source"][1] == {"code": "hotline", "zh": "12345热线", "en": "12345 hotline"}
    for kind, terms in served.items():
        assert terms, kind
        for term in terms:
            assert term["zh"] and term["en"] and term["code"], (kind, term)


def test_each_published_code_is_one_the_api_accepts(client: TestClient) -> None:
    """A screen filtering by a served status, source or light gets an answer, not a 422."""
    served = client.get("/api/vocabulary").json()
    analyst = login(client, "analyst")
    for kind, param in (("status", "status"), ("source", "source"), ("light", "light")):
        for term in served[kind]:
            query = {param: term["code"], "limit": 1}
            answer = client.get("/api/incidents", params=query, headers=analyst)
            assert answer.status_code == 200, (kind, term["code"], answer.text)


def test_the_dashboard_copy_is_what_the_api_serves(client: TestClient) -> None:
    served = client.get("/api/vocabulary").json()
    copied = json.loads(i18n.VOCABULARY.read_text(encoding="utf-8"))
    assert copied == served, "dashboard/vocabulary.json is stale: run `make vocabulary`"


def test_the_cli_prints_the_same_terms() -> None:
    printed = CliRunner().invoke(cli, ["vocabulary"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output)["tier"] == [
        {"code": "grid", "zh": "网格", "en": "Grid"},
        {"code": "township", "zh": "镇街", "en": "Township"},
        {"code": "county", "zh": "县区", "en": "County"},
    ]


def test_the_dashboard_declares_no_term_of_its_own() -> None:
    """No word of the interface's own table is keyed by a published term."""
    words = tomllib.loads(i18n.WORDS.read_text(encoding="utf-8"))
    published = {f"{kind}_{m.value}" for kind, members in PUBLISHED.items() for m in members}
    assert published.isdisjoint(words), sorted(published & set(words))


@pytest.mark.parametrize(
    ("kind", "code", "lang", "name"),
    [
        ("status", "closed", "zh", "已结案"),
        ("status", "closed", "en", "Closed"),
        ("action", "return", "en", "Return"),
        ("source", "patrol", "zh", Source.patrol.label),
        ("light", "red", "en", Light.red.english),
        ("rating", "基本满意", "en", Rating.fairly_satisfied.english),
        ("status", "no-such-status", "zh", "no-such-status"),
        ("no-such-kind", "closed", "en", "closed"),
    ],
)
def test_the_dashboard_names_a_term_in_either_language(
    kind: str, code: str, lang: i18n.Lang, name: str
) -> None:
    assert i18n.term(kind, code, lang) == name


def test_the_dashboard_lists_a_vocabulary_in_the_apis_order() -> None:
    assert i18n.codes("action") == tuple(a.value for a in Action)
    assert i18n.codes("open_status") == tuple(s.value for s in Status if s in OPEN_STATUSES)


def test_a_term_declared_without_both_names_is_refused() -> None:
    with pytest.raises(TypeError, match='"value", "中文", "English"'):

        class Half(LabelledEnum):
            only = "only", "只有中文"

    assert issubclass(Status, StrEnum) and Status("closed") is Status.closed
