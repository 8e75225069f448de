"""Both stores: migrations, geometry round trips, GiST indexes, WAL, health."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import shapely
from sqlalchemy import inspect, text
from sqlmodel import select

from api.context import AppContext
from api.db import Database
from api.models import Grid, Incident, IncidentCoUnit, IncidentEvent
from api.settings import Settings
from tests.city import install_mini_city, mini_city

TABLES = {
    "grid",
    "unit",
    "category",
    "incident",
    "incident_event",
    "incident_photo",
    "incident_co_unit",
    "incident_whistle",
    "app_user",
    "app_meta",
}


def test_migrations_upgrade_and_downgrade(context: AppContext) -> None:
    head = context.db.head_revision()
    assert context.db.revision() == head
    assert TABLES <= set(inspect(context.db.engine).get_table_names())
    assert context.db.downgrade("base") is None
    assert not TABLES & set(inspect(context.db.engine).get_table_names())
    assert context.db.upgrade() == head
    assert TABLES <= set(inspect(context.db.engine).get_table_names())


def test_grid_geometry_round_trip(city_context: AppContext) -> None:
    city = mini_city()
    with city_context.db.session() as session:
        stored = {g.code: g for g in session.exec(select(Grid)).all()}
    assert len(stored) == sum(len(layer) for layer in city.values())
    for layer in city.values():
        for code, geom in zip(layer["code"], layer.geometry, strict=True):
            grid = stored[code]
            assert grid.geom.geom_type == "MultiPolygon"
            assert shapely.equals_exact(grid.geom, geom, tolerance=1e-12)
            assert (grid.minx, grid.miny, grid.maxx, grid.maxy) == pytest.approx(geom.bounds)


def reported_case(case_no: str, at: datetime, **columns: Any) -> Incident:
    """A reported case in small grid 44150200100101, reported and updated ``at``."""
    return Incident(
        case_no=case_no,
        category_code="0201",
        description="楼道飞线充电",
        source="patrol",
        reported_by="gridworker_test",
        lon=115.305,
        lat=22.765,
        geom=shapely.Point(115.305, 22.765),
        raw_lon=115.31,
        raw_lat=22.762,
        raw_crs="gcj02",
        small_code="44150200100101",
        medium_code="441502001001",
        large_code="441502001",
        status="reported",
        reported_at=at,
        updated_at=at,
        **columns,
    )


def test_incident_point_and_times_round_trip(city_context: AppContext) -> None:
    at = datetime(2026, 10, 8, 1, 30, tzinfo=UTC)
    with city_context.db.write_session() as session:
        incident = reported_case("T-1", at, co_units=[IncidentCoUnit(unit_code="zjj")])
        session.add(incident)
        session.flush()
        session.add(
            IncidentEvent(
                incident_id=incident.id,
                seq=1,
                action="report",
                to_status="reported",
                actor="dispatcher",
                role="dispatcher",
                at=at,
                data={"k": [1, 2]},
            )
        )
    with city_context.db.session() as session:
        back = session.exec(select(Incident).where(Incident.case_no == "T-1")).one()
        event = session.exec(select(IncidentEvent)).one()
    assert back.geom.equals(shapely.Point(115.305, 22.765))
    assert back.reported_at == at and back.reported_at.tzinfo is not None
    assert back.co_unit_codes == ("zjj",)
    assert event.data == {"k": [1, 2]} and event.at == at


def test_naive_datetimes_are_refused(city_context: AppContext) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        with city_context.db.write_session() as session:
            session.add(reported_case("T-2", datetime(2026, 1, 1)))


@pytest.mark.parametrize(
    "store", [pytest.param("postgis", marks=pytest.mark.postgis)], indirect=True
)
def test_postgis_has_real_geometry_columns_and_gist_indexes(context: AppContext) -> None:
    with context.db.engine.connect() as conn:
        types = dict(
            conn.execute(
                text(
                    "SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod) "
                    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "WHERE c.relname IN ('grid', 'incident') AND a.attname LIKE 'geom%'"
                )
            ).all()
        )
        gist = set(
            conn.execute(
                text(
                    "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                    "JOIN pg_am am ON am.oid = i.relam WHERE am.amname = 'gist'"
                )
            ).scalars()
        )
    assert types == {
        "grid.geom": "geometry(MultiPolygon,4326)",
        "grid.geom_overview": "geometry(MultiPolygon,4326)",
        "grid.geom_detail": "geometry(MultiPolygon,4326)",
        "incident.geom": "geometry(Point,4326)",
    }
    assert {
        "ix_grid_geom",
        "ix_grid_geom_overview",
        "ix_grid_geom_detail",
        "ix_incident_geom",
        "ix_incident_reported_geom",
    } <= gist


@pytest.mark.parametrize(
    "store", [pytest.param("postgis", marks=pytest.mark.postgis)], indirect=True
)
def test_postgis_connections_run_without_jit_and_keep_the_urls_options(
    settings: Settings,
) -> None:
    with_options = settings.url.update_query_dict({"options": "-c statement_timeout=5000"})
    for database_url, statement_timeout in (
        (settings.database_url, "0"),
        (with_options.render_as_string(hide_password=False), "5s"),
    ):
        db = Database(
            Settings(database_url=database_url, runtime_dir=settings.runtime_dir, secret_key="t")
        )
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == statement_timeout
        db.dispose()


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_sqlite_runs_wal_with_foreign_keys(context: AppContext) -> None:
    with context.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_healthz_names_store_and_schema(client, store: str) -> None:
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "store": store, "schema": "0005"}


def test_replacing_a_level_is_all_or_nothing(city_context: AppContext) -> None:
    city = mini_city()
    broken = city["small"].copy()
    broken.loc[0, "code"] = broken.loc[1, "code"]  # duplicate primary key: the insert fails
    from sqlalchemy.exc import IntegrityError

    from api.grids import replace_level

    with pytest.raises(IntegrityError):
        with city_context.db.write_session() as session:
            replace_level(session, broken, level="small")
    with city_context.db.session() as session:
        codes = sorted(session.exec(select(Grid.code).where(Grid.level == "small")).all())
    assert codes == sorted(city["small"]["code"])


def test_install_is_repeatable(city_context: AppContext) -> None:
    install_mini_city(city_context)
    with city_context.db.session() as session:
        assert len(session.exec(select(Grid)).all()) == 2 + 4 + 16
