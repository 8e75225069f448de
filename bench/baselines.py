"""The bare SQL the read benchmark measures our reads against: one statement per answer.

Each baseline runs as SQL text on a raw DB-API connection (no ORM, no HTTP, no Python
per row) and builds the same GeoJSON our endpoint sends, in the database:
``json_build_object`` / ``json_agg`` on PostGIS, ``json_object`` / ``json_group_array``
on SQLite. The benchmark checks that both give the same features before it times them.
"""

from __future__ import annotations

from typing import Any

from api.workflow import Status
from bench.caseload import LoadedStore

__all__ = ["BareSQL", "map_geojson_sql", "ogc_geojson_sql"]

MAP_TIMES = ("reported_at", "updated_at", "closed_at", "stage_due_at")


class BareSQL:
    """Runs SQL text on a raw DB-API connection of the store (no ORM, no HTTP)."""

    def __init__(self, loaded: LoadedStore) -> None:
        self.store = loaded.context.db.store
        self.connection = loaded.context.db.engine.raw_connection()
        self.mark = "?" if self.store == "sqlite" else "%s"

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of ``sql`` (``{p}`` marks a parameter)."""
        cursor = self.connection.cursor()
        cursor.execute(sql.replace("{p}", self.mark), params)
        rows = cursor.fetchall()
        cursor.close()
        if self.store == "postgis":
            self.connection.rollback()
        return list(rows)

    def bbox_where(self, alias: str = "") -> str:
        """The bbox condition of each store (the same index the API uses)."""
        if self.store == "sqlite":
            return (
                f"{alias}lon >= {{p}} AND {alias}lat >= {{p}} "
                f"AND {alias}lon <= {{p}} AND {alias}lat <= {{p}}"
            )
        return f"{alias}geom && ST_MakeEnvelope({{p}}, {{p}}, {{p}}, {{p}}, 4326)"

    @property
    def json_fns(self) -> tuple[str, str]:
        """The store's JSON object builder and JSON array aggregate."""
        if self.store == "sqlite":
            return "json_object", "json_group_array"
        return "json_build_object", "json_agg"


def _iso(store: str, column: str) -> str:
    """A UTC timestamp as Python's ``isoformat()`` writes it (microseconds only if any)."""
    if store == "sqlite":
        text = f"replace({column}, ' ', 'T')"
    else:
        text = f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    return f"(replace({text}, '.000000', '') || '+00:00')"


def _light(store: str) -> str:
    """The running stage's light on the clock (the cases measured have no running stage).

    Exact for urgent cases; ours grades other cases in working time, on the calendar.
    """
    if store == "sqlite":
        started, due, now = (
            "julianday(i.stage_started_at)",
            "julianday(i.stage_due_at)",
            ("julianday('now')"),
        )
    else:
        started, due, now = "i.stage_started_at", "i.stage_due_at", "now()"
    return (
        "CASE WHEN i.stage IS NULL OR i.stage_started_at IS NULL OR i.stage_due_at IS NULL "
        f"THEN NULL WHEN {due} < {now} THEN 'red' "
        f"WHEN {started} + ({due} - {started}) * 0.8 <= {now} THEN 'yellow' ELSE 'green' END"
    )


def _as_text(bare: BareSQL, json_value: str) -> str:
    """The JSON as text, as it would be sent (the driver would parse a ``json`` value)."""
    return json_value if bare.store == "sqlite" else f"({json_value})::text"


def map_geojson_sql(bare: BareSQL, limit: int) -> str:
    """The map query's FeatureCollection (bbox, 大类 prefix, one status), newest first.

    Parameters: the bbox (4), the category prefix pattern and the status.
    """
    store = bare.store
    obj, agg = bare.json_fns
    labels = " ".join(f"WHEN '{s.value}' THEN '{s.label}'" for s in Status)
    urgent = (
        "i.urgent"
        if store == "postgis"
        else ("json(CASE WHEN i.urgent THEN 'true' ELSE 'false' END)")
    )
    if store == "sqlite":  # the point exactly (json_object writes 15 digits)
        xy = "json(printf('%!.17g', i.lon)), json(printf('%!.17g', i.lat))"
        point = f"json_object('type', 'Point', 'coordinates', json_array({xy}))"
    else:
        point = "json_build_object('type', 'Point', 'coordinates', json_build_array(i.lon, i.lat))"
    members = [
        ("id", "i.id"), ("case_no", "i.case_no"), ("category_code", "i.category_code"),
        ("category_name", "c.name"), ("status", "i.status"),
        ("status_label", f"CASE i.status {labels} END"), ("light", _light(store)),
        ("tier", "i.tier"), ("source", "i.source"), ("urgent", urgent),
        ("unit_code", "i.unit_code"), ("small_code", "i.small_code"),
        ("medium_code", "i.medium_code"), ("large_code", "i.large_code"),
        ("address", "i.address"), ("description", "i.description"),
        *((name, _iso(store, f"i.{name}")) for name in MAP_TIMES),
    ]  # fmt: skip
    properties = ", ".join(f"'{name}', {expr}" for name, expr in members)
    feature = (
        f"{obj}('type', 'Feature', 'id', i.id, 'geometry', {point}, "
        f"'properties', {obj}({properties}))"
    )
    where = f"{bare.bbox_where('i.')} AND i.category_code LIKE {{p}} AND i.status IN ({{p}})"
    page = (
        f"SELECT {feature} AS f FROM incident i LEFT JOIN category c "
        f"ON c.code = i.category_code WHERE {where} "
        f"ORDER BY i.reported_at DESC, i.id DESC LIMIT {limit}"
    )
    features = f"{agg}(json(f))" if store == "sqlite" else f"coalesce({agg}(f), '[]')"
    collection = (
        f"{obj}('type', 'FeatureCollection', 'numberMatched', count(*), "
        f"'numberReturned', count(*), 'features', {features})"
    )
    return f"SELECT {_as_text(bare, collection)} FROM ({page}) AS p"


def ogc_geojson_sql(bare: BareSQL, limit: int) -> str:
    """The filtered OGC page's FeatureCollection with ``numberMatched``, by id.

    Parameters: the bbox (4), the 小类 and the status, twice (page, then count).
    """
    where = f"{bare.bbox_where('i.')} AND i.category_code = {{p}} AND i.status = {{p}}"
    obj, agg = bare.json_fns
    if bare.store == "sqlite":
        xy = "json_array(round(i.lon, 6), round(i.lat, 6))"
        point = f"json_object('type', 'Point', 'coordinates', {xy})"
    else:
        point = "ST_AsGeoJSON(i.geom, 6)::json"
    properties = ", ".join(
        f"'{name}', {expr}"
        for name, expr in (
            ("case_no", "i.case_no"), ("category", "i.category_code"), ("category_name", "c.name"),
            ("status", "i.status"), ("tier", "i.tier"), ("closing_tier", "i.closing_tier"),
            ("unit", "i.unit_code"), ("source", "i.source"), ("urgent", "i.urgent"),
            ("small_code", "i.small_code"), ("medium_code", "i.medium_code"),
            ("large_code", "i.large_code"), ("supervision", "i.supervision"),
            ("ever_overdue", "i.ever_overdue"), ("reported_at", "i.reported_at"),
            ("closed_at", "i.closed_at"), ("handle_due_at", "i.handle_due_at"),
        )
    )  # fmt: skip
    page = (
        f"SELECT {obj}('type', 'Feature', 'id', i.id, 'geometry', {point}, "
        f"'properties', {obj}({properties})) AS f FROM incident i "
        f"LEFT JOIN category c ON c.code = i.category_code WHERE {where} "
        f"ORDER BY i.id LIMIT {limit}"
    )
    counted = f"SELECT count(*) FROM incident i WHERE {where}"
    collection = (
        f"{obj}('type', 'FeatureCollection', 'numberMatched', ({counted}), "
        f"'features', (SELECT {agg}(f) FROM ({page}) AS p))"
    )
    return f"SELECT {_as_text(bare, collection)}"
