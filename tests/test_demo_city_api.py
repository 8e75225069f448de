"""After the demo is built, /api/grids serves 56 / 868 / 4,555 nested, non-overlapping grids.

The demo is built once for this module by the same function ``minqing demo`` runs; the
checks read only what the HTTP API returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Geod
from rich.console import Console
from sqlmodel import col, select

from api.app import create_app
from api.context import AppContext
from api.demo import ensure_demo, story_of
from api.models import Incident, IncidentEvent
from api.settings import Settings
from api.workflow import SATISFIED, UNSATISFIED
from geo.crs import geometry_gcj02_to_wgs84
from tests.server import minqing_server

pytestmark = pytest.mark.slow
DISTRICTS = ("441502", "441521", "441523", "441581")
EXPECTED = {"large": 56, "medium": 868, "small": 4555}
GEOD = Geod(ellps="WGS84")


def geodesic_area(geoms: np.ndarray) -> np.ndarray:
    return np.array(
        [abs(GEOD.geometry_area_perimeter(g)[0]) if not g.is_empty else 0.0 for g in geoms]
    )


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    runtime = tmp_path_factory.mktemp("demo")
    settings = Settings(
        database_url=f"sqlite:///{runtime / 'minqing.db'}", runtime_dir=runtime, secret_key="t"
    )
    ensure_demo(settings, seed=2026, console=Console(quiet=True))
    return settings


@pytest.fixture(scope="module")
def layers(demo_settings: Settings) -> Iterator[dict[str, dict]]:
    with TestClient(create_app(demo_settings, dashboard=False)) as client:
        yield {
            level: client.get("/api/grids", params={"level": level}).json() for level in EXPECTED
        }


def _geoms(collection: dict) -> tuple[list[str], np.ndarray]:
    codes = [f["properties"]["code"] for f in collection["features"]]
    geoms = np.array(
        [shapely.from_geojson(json.dumps(f["geometry"])) for f in collection["features"]]
    )
    return codes, geoms


def test_counts_and_properties(layers: dict[str, dict]) -> None:
    for level, count in EXPECTED.items():
        collection = layers[level]
        assert collection["type"] == "FeatureCollection"
        assert len(collection["features"]) == collection["numberMatched"] == count
        for feature in collection["features"]:
            props = feature["properties"]
            assert {"code", "name", "level", "parent_code"} <= props.keys()
            assert props["level"] == level and props["name"]


@pytest.mark.parametrize(("child", "parent"), [("small", "medium"), ("medium", "large")])
def test_every_child_lies_in_its_parent(layers: dict[str, dict], child: str, parent: str) -> None:
    parent_codes, parent_geoms = _geoms(layers[parent])
    by_code = dict(zip(parent_codes, parent_geoms, strict=True))
    codes, geoms = _geoms(layers[child])
    parents = [f["properties"]["parent_code"] for f in layers[child]["features"]]
    assert all(code.startswith(p) for code, p in zip(codes, parents, strict=True))
    inside = shapely.intersection(geoms, np.array([by_code[p] for p in parents]))
    share = geodesic_area(inside) / geodesic_area(geoms)
    assert share.min() >= 0.999, codes[int(share.argmin())]
    # every parent has children
    assert set(parents) == set(parent_codes)


@pytest.mark.parametrize("level", list(EXPECTED))
def test_siblings_do_not_overlap(layers: dict[str, dict], level: str) -> None:
    codes, geoms = _geoms(layers[level])
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    overlap = geodesic_area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(geodesic_area(geoms[left]), geodesic_area(geoms[right]))
    worst = int(np.argmax(overlap / smaller)) if len(overlap) else 0
    assert len(overlap) == 0 or (overlap / smaller).max() < 0.001, (
        codes[left[worst]],
        codes[right[worst]],
    )


def test_large_grids_cover_the_mainland(layers: dict[str, dict], demo_settings: Settings) -> None:
    parts = []
    for adcode in DISTRICTS:
        raw = json.loads((demo_settings.data_dir / "shanwei" / f"{adcode}.geojson").read_text())
        district = geometry_gcj02_to_wgs84(shapely.from_geojson(json.dumps(raw)))
        for polygon in shapely.get_parts(district):
            if abs(GEOD.geometry_area_perimeter(polygon)[0]) >= 5e6 and polygon.centroid.y >= 22.5:
                parts.append(polygon)
    mainland = shapely.union_all(parts)
    _, large = _geoms(layers["large"])
    covered = shapely.union_all(large)
    gap = shapely.difference(mainland, covered)
    share = abs(GEOD.geometry_area_perimeter(gap)[0]) / abs(
        GEOD.geometry_area_perimeter(mainland)[0]
    )
    assert share < 0.001, f"{share:.4%} of the mainland is not covered by any large grid"


def test_demo_command_serves_the_built_city(demo_settings: Settings) -> None:
    """``minqing demo --db`` on an already built file skips the build and serves it."""
    env: dict[str, str | None] = {
        "MINQING_RUNTIME_DIR": str(demo_settings.work_dir),
        "MINQING_SECRET_KEY": "t",
        "MINQING_DATABASE_URL": None,
    }
    database = str(demo_settings.work_dir / "minqing.db")
    with minqing_server("demo", "--db", database, "--no-simulate", env=env, timeout=90) as base:
        health = httpx.get(f"{base}/healthz", timeout=5)
        assert health.json() == {"status": "ok", "store": "sqlite", "schema": "0005"}
        located = httpx.get(
            f"{base}/api/grids/locate", params={"lon": 115.37, "lat": 22.78, "crs": "gcj02"}
        )
        assert located.status_code == 200 and len(located.json()["grid"]["small"]) == 14


def _satisfaction(ratings: list[str]) -> float:
    """满意率: the share of 满意 and 基本满意 among the ratings."""
    return sum(r in SATISFIED for r in ratings) / len(ratings)


def test_rebuilt_city_keeps_planned_ratings_and_separates_duties(
    demo_settings: Settings,
) -> None:
    """First and final 满意率 differ as the history planned; nobody verifies their own work."""
    context = AppContext.build(demo_settings)
    with context.db.session() as session:
        rated = session.exec(select(Incident).where(col(Incident.first_rating).is_not(None))).all()
        events = session.exec(
            select(IncidentEvent).order_by(col(IncidentEvent.incident_id), col(IncidentEvent.seq))
        ).all()
    context.db.dispose()
    closed = [i for i in rated if i.status == "closed"]
    planned_first = [story_of(str(i.external_id)).ratings[0] for i in rated]
    planned_final = [story_of(str(i.external_id)).ratings[bool(i.reopen_count)] for i in closed]
    assert [i.first_rating for i in rated] == planned_first
    assert [i.rating for i in closed] == planned_final
    first_rate = _satisfaction([str(i.first_rating) for i in rated])
    final_rate = _satisfaction([str(i.rating) for i in closed])
    assert first_rate == _satisfaction(planned_first)
    assert final_rate == _satisfaction(planned_final)
    assert 0.90 < first_rate < final_rate < 1.0, (first_rate, final_rate)
    assert sum(i.first_rating == UNSATISFIED for i in rated) > 50
    handler: dict[int, str] = {}
    for event in events:
        if event.action in ("handle", "resolve_on_site"):
            handler[event.incident_id] = event.actor
        elif event.action == "verify":
            assert event.actor != handler.get(event.incident_id), event.incident_id
