"""The one collection registry: grid levels and cases as feature collections.

The application's ``/api/grids`` and OGC API – Features (``/ogc``) read the same
:data:`COLLECTIONS` through the same :func:`items_page`: one filter path, one paging path
(:mod:`api.paging`), one GeoJSON encoder. A page selects only the columns it sends; on
PostGIS the database encodes the geometry (``ST_AsGeoJSON``), on SQLite shapely does, with
coordinates rounded to what the geometry band needs. Cases carry no personal data here:
no reporter, no description, no address.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

import numpy as np
import orjson
import shapely
from sqlalchemy import ColumnElement, String, func
from sqlmodel import Session, col, select

from api.exceptions import InvalidInput, NotFound
from api.models import Category, Grid, Incident
from api.paging import Page, PageMeta, fetch_page
from api.settings import StoreKind
from api.store import bbox_overlaps
from api.vocabulary import Source
from api.workflow import Status, Supervision, Tier
from geo.levels import LEVEL_LABELS, LEVELS, GridLevel

__all__ = [
    "BAND_DIGITS",
    "COLLECTIONS",
    "Collection",
    "GeometryBand",
    "ItemQuery",
    "Queryable",
    "collection_extent",
    "item_feature",
    "items_page",
]

GeometryBand = Literal["exact", "overview", "detail"]
BAND_DIGITS: Final[dict[GeometryBand, int]] = {"exact": 7, "detail": 6, "overview": 5}
"""Decimal places of longitude / latitude per band: 1 cm, 10 cm, 1 m."""
POINT_DIGITS: Final = 6
_BAND_COLUMN: Final = {"exact": "geom", "overview": "geom_overview", "detail": "geom_detail"}

LinksFn = Callable[[int, int], PageMeta]
"""``links(returned, matched)``: the counts and links of one page (see :mod:`api.paging`)."""


@dataclass(frozen=True)
class Queryable:
    """A property a collection can be filtered on (``?name=value``, ``a,b`` for several)."""

    name: str
    column: Any
    type: Literal["string", "integer", "boolean"] = "string"
    values: tuple[str, ...] = ()
    description: str = ""

    def clause(self, raw: str) -> ColumnElement[bool]:
        """The SQL condition for one query value (equality, or membership for ``a,b``)."""
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not parts:
            raise InvalidInput(self.name, "must not be empty")
        return col(self.column).in_([self.parse(p) for p in parts])

    def parse(self, text: str) -> Any:
        """One value of this property, checked against its type and allowed values."""
        if self.values and text not in self.values:
            raise InvalidInput(self.name, f"{text!r} is not one of {', '.join(self.values)}")
        if self.type == "boolean":
            if text not in ("true", "false"):
                raise InvalidInput(self.name, f"write true or false, not {text!r}")
            return text == "true"
        if self.type == "integer":
            if not text.isdigit() or len(text) > 18:
                raise InvalidInput(self.name, f"{text!r} is not a whole number")
            return int(text)
        if len(text) > 100:
            raise InvalidInput(self.name, "is longer than 100 characters")
        return text

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the property (for ``/queryables``)."""
        schema: dict[str, Any] = {"title": self.name, "type": self.type}
        if self.values:
            schema["enum"] = list(self.values)
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass(frozen=True)
class ItemQuery:
    """What a caller asks of a collection: filters, a page and a geometry band."""

    page: Page
    bbox: tuple[float, float, float, float] | None = None
    interval: tuple[datetime | None, datetime | None] | None = None
    properties: Mapping[str, str] = field(default_factory=dict)
    band: GeometryBand = "exact"


@dataclass(frozen=True)
class Collection:
    """One feature collection: its metadata, queryables and how its rows become features."""

    id: str
    title: str
    description: str
    model: type[Any]
    id_column: Any
    queryables: tuple[Queryable, ...]
    columns: Callable[[StoreKind, GeometryBand], list[Any]]
    properties: Callable[[Any], dict[str, Any]]
    level: GridLevel | None = None
    temporal: Any = None
    public: bool = True
    """Readable without a token (cases: only when the settings make the layer public)."""

    def queryable(self, name: str) -> Queryable | None:
        """The queryable called ``name``, if any."""
        return next((q for q in self.queryables if q.name == name), None)

    def base_query(self, store: StoreKind, band: GeometryBand) -> Any:
        """The column selection of a page, without filters."""
        query = select(*self.columns(store, band))
        if self.model is Incident:
            query = query.outerjoin(Category, col(Category.code) == col(Incident.category_code))
        if self.level is not None:
            query = query.where(col(Grid.level) == self.level)
        return query


def _geometry_column(store: StoreKind, band: GeometryBand) -> Any:
    """The band's geometry (falling back to the exact one), encoded by PostGIS if it can."""
    column = getattr(Grid, _BAND_COLUMN[band])
    chosen = column if band == "exact" else func.coalesce(column, Grid.geom)
    if store == "postgis":
        return func.ST_AsGeoJSON(chosen, BAND_DIGITS[band], type_=String).label("geometry")
    return chosen.label("geometry")


def _grid_columns(store: StoreKind, band: GeometryBand) -> list[Any]:
    return [
        col(Grid.code),
        col(Grid.name),
        col(Grid.level),
        col(Grid.parent_code),
        col(Grid.households),
        col(Grid.population),
        col(Grid.area_m2),
        col(Grid.label_lon),
        col(Grid.label_lat),
        _geometry_column(store, band),
    ]


def _grid_properties(row: Any) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "level_label": LEVEL_LABELS[row.level],
        "parent_code": row.parent_code,
        "households": row.households,
        "population": row.population,
        "area_km2": round(row.area_m2 / 1e6, 4),
        "label": [row.label_lon, row.label_lat],
    }


def _incident_columns(_store: StoreKind, _band: GeometryBand) -> list[Any]:
    return [
        col(Incident.id),
        col(Incident.case_no),
        col(Incident.category_code),
        col(Category.name).label("category_name"),
        col(Incident.status),
        col(Incident.tier),
        col(Incident.closing_tier),
        col(Incident.unit_code),
        col(Incident.source),
        col(Incident.urgent),
        col(Incident.small_code),
        col(Incident.medium_code),
        col(Incident.large_code),
        col(Incident.supervision),
        col(Incident.ever_overdue),
        col(Incident.reported_at),
        col(Incident.closed_at),
        col(Incident.handle_due_at),
        col(Incident.lon),
        col(Incident.lat),
    ]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _incident_properties(row: Any) -> dict[str, Any]:
    return {
        "case_no": row.case_no,
        "category": row.category_code,
        "category_name": row.category_name,
        "status": row.status.value,
        "status_label": row.status.label,
        "tier": row.tier.value,
        "closing_tier": row.closing_tier.value if row.closing_tier else None,
        "unit": row.unit_code,
        "source": row.source.value,
        "urgent": row.urgent,
        "small_code": row.small_code,
        "medium_code": row.medium_code,
        "large_code": row.large_code,
        "supervision": row.supervision.value,
        "ever_overdue": row.ever_overdue,
        "reported_at": _iso(row.reported_at),
        "closed_at": _iso(row.closed_at),
        "handle_due_at": _iso(row.handle_due_at),
    }


def _values(enum: type[Any]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


_GRID_QUERYABLES = (
    Queryable("code", Grid.code, description="The grid code"),
    Queryable("name", Grid.name),
    Queryable("parent_code", Grid.parent_code, description="The parent grid's code"),
)
_INCIDENT_QUERYABLES = (
    Queryable("case_no", Incident.case_no),
    Queryable("category", Incident.category_code, description="A 小类 code"),
    Queryable("status", Incident.status, values=_values(Status)),
    Queryable("tier", Incident.tier, values=_values(Tier)),
    Queryable("unit", Incident.unit_code, description="The lead unit's code"),
    Queryable("source", Incident.source, values=_values(Source)),
    Queryable("urgent", Incident.urgent, type="boolean"),
    Queryable("supervision", Incident.supervision, values=_values(Supervision)),
    Queryable("ever_overdue", Incident.ever_overdue, type="boolean"),
    Queryable("small_code", Incident.small_code),
    Queryable("medium_code", Incident.medium_code),
    Queryable("large_code", Incident.large_code),
)
_LEVEL_TITLES: Final[dict[GridLevel, str]] = {
    "large": "大网格 (town / street)",
    "medium": "中网格 (village / community)",
    "small": "小网格 (village group)",
}


def _grid_collection(level: GridLevel) -> Collection:
    return Collection(
        id=f"grids_{level}",
        title=_LEVEL_TITLES[level],
        description=f"The {level} grid polygons with households and population.",
        model=Grid,
        id_column=Grid.code,
        queryables=_GRID_QUERYABLES,
        columns=_grid_columns,
        properties=_grid_properties,
        level=level,
    )


COLLECTIONS: Final[dict[str, Collection]] = {
    **{f"grids_{level}": _grid_collection(level) for level in LEVELS},
    "incidents": Collection(
        id="incidents",
        title="案件 (cases)",
        description="Cases as points with category, status, unit, tier and grids; "
        "no reporter, description or address.",
        model=Incident,
        id_column=Incident.id,
        queryables=_INCIDENT_QUERYABLES,
        columns=_incident_columns,
        properties=_incident_properties,
        temporal=Incident.reported_at,
        public=False,
    ),
}
"""Every collection, by id."""


def _filters(
    store: StoreKind, collection: Collection, query: ItemQuery
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.bbox:
        where.append(bbox_overlaps(store, collection.model, query.bbox))
    if query.interval and collection.temporal is not None:
        start, end = query.interval
        if start is not None:
            where.append(col(collection.temporal) >= start)
        if end is not None:
            where.append(col(collection.temporal) <= end)
    for name, raw in query.properties.items():
        queryable = collection.queryable(name)
        if queryable is None:
            known = ", ".join(q.name for q in collection.queryables)
            raise InvalidInput(name, f"{collection.id} cannot be filtered on it; use {known}")
        where.append(queryable.clause(raw))
    return where


def _encode_geometries(
    store: StoreKind, collection: Collection, rows: Sequence[Any], band: GeometryBand
) -> list[str]:
    if collection.model is Incident:
        return [
            f'{{"type":"Point","coordinates":[{round(r.lon, POINT_DIGITS)},'
            f"{round(r.lat, POINT_DIGITS)}]}}"
            for r in rows
        ]
    if store == "postgis":
        return [r.geometry for r in rows]
    digits = BAND_DIGITS[band]
    geoms = np.array([r.geometry for r in rows], dtype=object)
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, digits))
    return list(shapely.to_geojson(rounded))


def _features(
    store: StoreKind, collection: Collection, rows: Sequence[Any], band: GeometryBand
) -> list[str]:
    geometries = _encode_geometries(store, collection, rows, band) if rows else []
    key = collection.id_column.key
    return [
        f'{{"type":"Feature","id":{json.dumps(getattr(row, key))},"geometry":{geometry},'
        f'"properties":{orjson.dumps(collection.properties(row)).decode()}}}'
        for row, geometry in zip(rows, geometries, strict=True)
    ]


def items_page(
    session: Session,
    store: StoreKind,
    collection: Collection,
    query: ItemQuery,
    *,
    links: LinksFn,
    scope: ColumnElement[bool] | None = None,
    head: Mapping[str, Any] | None = None,
) -> str:
    """One page of ``collection`` as an encoded GeoJSON FeatureCollection.

    Parameters
    ----------
    session, store
        The read session and which store it talks to.
    collection : Collection
        What to read.
    query : ItemQuery
        Filters, page and geometry band.
    links : callable
        ``links(returned, matched) -> PageMeta``, the one paging path.
    scope : SQL condition, optional
        The caller's visibility of cases (``visibility_clause``); None: no limit.
    head : mapping, optional
        More members of the collection (e.g. OGC's ``timeStamp``).

    Raises
    ------
    InvalidInput
        A filter names a property the collection does not have, or a bad value.
    """
    statement = collection.base_query(store, query.band).where(*_filters(store, collection, query))
    if scope is not None:
        statement = statement.where(scope)
    rows, matched = fetch_page(session, statement.order_by(col(collection.id_column)), query.page)
    meta = links(len(rows), matched)
    members = {"type": "FeatureCollection", **(head or {}), **meta.as_dict()}
    encoded = json.dumps(members, ensure_ascii=False)
    features = ",".join(_features(store, collection, rows, query.band))
    return f'{encoded[:-1]},"features":[{features}]}}'


def item_feature(
    session: Session,
    store: StoreKind,
    collection: Collection,
    item_id: str,
    *,
    band: GeometryBand = "exact",
    scope: ColumnElement[bool] | None = None,
) -> str:
    """One feature of ``collection`` by its id, or :class:`NotFound`."""
    key: Any = item_id
    if collection.model is Incident:
        if not item_id.isdigit() or len(item_id) > 18:
            raise NotFound(f"no case with id {item_id!r} in {collection.id}", field="featureId")
        key = int(item_id)
    statement = collection.base_query(store, band).where(col(collection.id_column) == key)
    if scope is not None:
        statement = statement.where(scope)
    row = session.exec(statement).first()
    if row is None:
        raise NotFound(f"no feature {item_id!r} in {collection.id}", field="featureId")
    return _features(store, collection, [row], band)[0]


def collection_extent(session: Session, collection: Collection) -> dict[str, Any]:
    """The spatial (CRS84) and, for cases, temporal extent of a collection.

    Cases lie inside the small grids, so their spatial extent is the small grids'.
    """
    level = collection.level or "small"
    bounds = session.exec(
        select(
            func.min(Grid.minx), func.min(Grid.miny), func.max(Grid.maxx), func.max(Grid.maxy)
        ).where(col(Grid.level) == level)
    ).one()
    bbox = [float(v) for v in bounds] if bounds[0] is not None else [-180.0, -90.0, 180.0, 90.0]
    extent: dict[str, Any] = {
        "spatial": {"bbox": [bbox], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
    }
    if collection.temporal is not None:
        first, last = session.exec(
            select(func.min(collection.temporal), func.max(collection.temporal))
        ).one()
        extent["temporal"] = {
            "interval": [[_iso(first), _iso(last)]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return extent
