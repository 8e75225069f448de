"""Exports (streamed CSV and GeoJSON, a grid level as GeoPackage), request ids, /metrics."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.context import AppContext
from tests.driver import act, login, report


def test_exports_hold_what_the_list_holds(client: TestClient, tmp_path: Path) -> None:
    dispatcher = login(client, "dispatcher")
    ids = [report(client, dispatcher, description=f"废弃家具{n}")["id"] for n in range(3)]
    other = report(client, dispatcher, small="44150200200101")["id"]
    act(client, dispatcher, ids[0], "accept")
    act(client, dispatcher, ids[0], "dispatch", unit="xfj")

    table = client.get("/api/exports/incidents.csv?grid=441502001", headers=dispatcher)
    assert table.status_code == 200 and table.content.startswith("\ufeff".encode())
    assert "attachment" in table.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == sorted(ids, reverse=True)
    assert (rows[-1]["status"], rows[-1]["status_label"]) == ("dispatched", "待签收")
    listed = client.get("/api/incidents?grid=441502001", headers=dispatcher).json()
    assert [i["id"] for i in listed["items"]] == [int(r["id"]) for r in rows]

    geo = client.get("/api/exports/incidents.geojson", headers=dispatcher)
    assert geo.headers["content-type"] == "application/geo+json"
    assert {f["id"] for f in geo.json()["features"]} == {*ids, other}
    officer = login(client, "officer_xfj")
    mine = client.get("/api/exports/incidents.geojson", headers=officer).json()
    assert [f["id"] for f in mine["features"]] == [ids[0]]
    assert "13812345678" not in geo.text and "张三" not in geo.text

    gpkg = client.get("/api/exports/grids/small.gpkg", headers=dispatcher)
    assert gpkg.status_code == 200
    path = tmp_path / "small.gpkg"
    path.write_bytes(gpkg.content)
    assert pyogrio.list_layers(path)[0][0] == "grids_small"
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 16 and frame.geometry.is_valid.all()
    assert frame.crs.to_epsg() == 4326
    figures = frame.set_index("code")[["cases", "open", "overdue"]].to_dict("index")
    assert figures["44150200100101"] == {"cases": 3, "open": 3, "overdue": 0}
    assert figures["44150200200101"]["cases"] == 1
    assert sum(f["cases"] for f in figures.values()) == 4
    window = client.get(
        "/api/exports/grids/large.gpkg",
        params={"reported_from": "2000-01-01T00:00:00Z", "reported_to": "2000-01-02T00:00:00Z"},
        headers=dispatcher,
    )
    path.write_bytes(window.content)
    assert pyogrio.read_dataframe(path)["cases"].sum() == 0


def test_request_ids_and_a_log_line_per_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="minqing.access")
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["X-Request-ID"] != "bad id with spaces"
    assert len(made.headers["X-Request-ID"]) == 32
    refused = client.get("/api/incidents")
    assert refused.status_code == 401 and refused.headers["X-Request-ID"]
    lines = [r.getMessage() for r in caplog.records if r.name == "minqing.access"]
    assert any('"request_id": "abc-123"' in line and '"status": 200' in line for line in lines)


def test_metrics_count_requests_and_obey_the_setting(city_context: AppContext) -> None:
    with TestClient(create_app(city_context.settings, dashboard=False)) as client:
        client.get("/healthz")
        metrics = client.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        assert 'http_requests_total{handler="/healthz"' in metrics.text
    closed = city_context.settings.model_copy(update={"metrics": "off"})
    with TestClient(create_app(closed, dashboard=False)) as client:
        assert client.get("/metrics").status_code == 404
