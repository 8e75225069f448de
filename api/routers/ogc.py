"""OGC API – Features, Part 1 core with GeoJSON, over the collection registry.

Landing page, conformance, collections with extents, queryables, items (``bbox``,
``limit``, ``offset``, ``datetime`` for cases, property filters) and single items, as GDAL's
OAPIF driver, QGIS and OWSLib read them. The grid collections are public; ``incidents``
needs a bearer token (and is then limited to the caller's cases) unless
``MINQING_OGC_PUBLIC_INCIDENTS`` makes the anonymised layer public. No personal data is
served either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.types import DecoratedCallable
from sqlalchemy import ColumnElement

from api.cases.access import visibility_clause
from api.collections import (
    COLLECTIONS,
    Collection,
    ItemQuery,
    collection_extent,
    item_feature,
    items_page,
)
from api.context import AppContext
from api.deps import PUBLIC, ContextDep, SessionDep, get_principal
from api.exceptions import Forbidden, InvalidInput, NotFound
from api.http.urls import base_url, request_url
from api.paging import MAX_OFFSET, Page, page_links
from api.params import BBoxDep
from api.rfc3339 import parse_datetime
from api.workflow import Permission, may

router = APIRouter(
    prefix="/ogc",
    tags=["ogc"],
    dependencies=PUBLIC,
    generate_unique_id_function=lambda route: route.name,
)
"""A route's operation id is its function's name (``ogc_items``)."""

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.1"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
RESERVED = frozenset({"bbox", "limit", "offset", "datetime", "f", "crs", "bbox-crs"})
"""Query parameters of the items route that are not property filters."""

OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}, {"HTTPBearer": []}]}
"""The token is optional: grid layers are public, the incidents layer needs one."""

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/token")
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _root(request: Request) -> str:
    return f"{base_url(request)}/ogc"


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


def _collection_href(request: Request, collection: Collection) -> str:
    return f"{_root(request)}/collections/{collection.id}"


def _collection(name: str) -> Collection:
    collection = COLLECTIONS.get(name)
    if collection is None:
        known = ", ".join(COLLECTIONS)
        raise NotFound(f"no collection {name!r}; the collections are {known}", field="collectionId")
    return collection


def _format(f: str | None) -> None:
    if f not in (None, "json", "geojson", "application/json", "application/geo+json"):
        raise InvalidInput("f", f"only json is served, not {f!r}")


def case_scope(
    collection: Collection, context: AppContext, credentials: HTTPAuthorizationCredentials | None
) -> ColumnElement[bool] | None:
    """Which of the collection's features the caller may read (None: all of them).

    Raises
    ------
    Unauthorized
        ``incidents`` without a token while the layer is not public.
    """
    if collection.public or context.settings.ogc_public_incidents:
        return None
    actor = get_principal(context, credentials)
    if not may(actor.role, Permission.read_cases):
        raise Forbidden(f"role {actor.role.value!r} may not read cases", role=actor.role.value)
    return visibility_clause(actor)


def _scoped(
    collection_id: str,
    f: str | None,
    context: AppContext,
    credentials: HTTPAuthorizationCredentials | None,
) -> tuple[Collection, ColumnElement[bool] | None]:
    """The collection a features route names and the caller's scope in it."""
    _format(f)
    collection = _collection(collection_id)
    return collection, case_scope(collection, context, credentials)


def _features_route(path: str, summary: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Declare a route that answers GeoJSON features; the token is optional."""
    return router.get(
        path,
        summary=summary,
        openapi_extra=OPTIONAL_TOKEN,
        response_class=Response,
        responses={200: {"content": {GEOJSON: {}}}},
    )


@router.get("", summary="OGC API – Features landing page")
def ogc_landing(request: Request, f: str | None = None) -> dict[str, Any]:
    """Where the API description, the conformance classes and the collections are."""
    _format(f)
    root = _root(request)
    return {
        "title": "民情地图 OGC API – Features",
        "description": "Grid polygons (大/中/小网格) and cases (案件) as feature collections.",
        "links": [
            _link(root, "self", JSON, "This document"),
            _link(f"{base_url(request)}/openapi.json", "service-desc", OPENAPI, "The API"),
            _link(f"{base_url(request)}/docs", "service-doc", "text/html", "The API, readable"),
            _link(f"{root}/conformance", "conformance", JSON, "Conformance classes"),
            _link(f"{root}/collections", "data", JSON, "The collections"),
        ],
    }


@router.get("/", include_in_schema=False)
def ogc_landing_slash(request: Request, f: str | None = None) -> dict[str, Any]:
    """The landing page at ``/ogc/`` too, as some clients spell the service URL."""
    return ogc_landing(request, f)


@router.get("/conformance", summary="Conformance classes")
def ogc_conformance(request: Request, f: str | None = None) -> dict[str, Any]:
    """The parts of OGC API – Features this service implements."""
    _format(f)
    return {
        "conformsTo": CONFORMANCE,
        "links": [_link(f"{_root(request)}/conformance", "self", JSON)],
    }


def _describe(request: Request, session: SessionDep, collection: Collection) -> dict[str, Any]:
    href = _collection_href(request, collection)
    api = base_url(request)
    app_route = (
        f"{api}/api/grids?{urlencode({'level': collection.level})}"
        if collection.level
        else f"{api}/api/incidents"
    )
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": collection_extent(session, collection),
        "links": [
            _link(href, "self", JSON, collection.title),
            _link(f"{href}/items", "items", GEOJSON, "The features"),
            _link(
                f"{href}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
                "Properties to filter on",
            ),
            _link(app_route, "alternate", GEOJSON if collection.level else JSON, "The app's API"),
        ],
    }


@router.get("/collections", summary="The feature collections")
def ogc_collections(request: Request, session: SessionDep, f: str | None = None) -> dict[str, Any]:
    """Every collection with its extent and links."""
    _format(f)
    return {
        "collections": [_describe(request, session, c) for c in COLLECTIONS.values()],
        "links": [_link(f"{_root(request)}/collections", "self", JSON)],
    }


@router.get("/collections/{collection_id}", summary="One collection")
def ogc_collection(
    collection_id: str, request: Request, session: SessionDep, f: str | None = None
) -> dict[str, Any]:
    """A collection with its extent and links."""
    _format(f)
    return _describe(request, session, _collection(collection_id))


@router.get(
    "/collections/{collection_id}/queryables",
    summary="Properties a collection can be filtered on",
    response_class=Response,
)
def ogc_queryables(collection_id: str, request: Request) -> Response:
    """The queryables as a JSON schema; each one is also a query parameter of ``items``."""
    collection = _collection(collection_id)
    schema = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": str(request_url(request)),
        "type": "object",
        "title": collection.title,
        "properties": {q.name: q.schema() for q in collection.queryables},
    }
    return Response(json.dumps(schema, ensure_ascii=False), media_type="application/schema+json")


@_features_route(
    "/collections/{collection_id}/items", "Features of a collection (GeoJSON), filtered and paged"
)
def ogc_items(
    collection_id: str,
    request: Request,
    session: SessionDep,
    context: ContextDep,
    credentials: CredentialsDep,
    bbox: BBoxDep,
    limit: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Items per page (above the maximum: the maximum)"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
    datetime_: Annotated[
        str | None,
        Query(alias="datetime", max_length=80, description="Instant or start/end (.. open)"),
    ] = None,
    f: str | None = None,
) -> Response:
    """A page of features with ``numberMatched``, ``numberReturned`` and paging links.

    Any queryable is a filter too: ``?status=closed,rejected&unit=xfj``.
    """
    collection, scope = _scoped(collection_id, f, context, credentials)
    settings = context.settings
    page = Page(
        limit=min(limit or settings.items_limit_default, settings.items_limit_max), offset=offset
    )
    properties = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    query = ItemQuery(
        page=page,
        bbox=bbox,
        interval=parse_datetime(datetime_) if collection.temporal is not None else None,
        properties=properties,
    )
    collection_href = _collection_href(request, collection)

    def links(returned: int, matched: int) -> Any:
        meta = page_links(
            str(request_url(request)), page, returned=returned, matched=matched, media_type=GEOJSON
        )
        meta.links.append(_link(collection_href, "collection", JSON, collection.title))
        return meta

    stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    body = items_page(
        session,
        context.db.store,
        collection,
        query,
        links=links,
        scope=scope,
        head={"timeStamp": stamp},
    )
    return Response(body, media_type=GEOJSON)


@_features_route("/collections/{collection_id}/items/{feature_id}", "One feature (GeoJSON)")
def ogc_item(
    collection_id: str,
    feature_id: Annotated[str, Path(max_length=40)],
    request: Request,
    session: SessionDep,
    context: ContextDep,
    credentials: CredentialsDep,
    f: str | None = None,
) -> Response:
    """A feature with links to itself and its collection."""
    collection, scope = _scoped(collection_id, f, context, credentials)
    feature = item_feature(session, context.db.store, collection, feature_id, scope=scope)
    collection_href = _collection_href(request, collection)
    links = [
        _link(f"{collection_href}/items/{feature_id}", "self", GEOJSON),
        _link(collection_href, "collection", JSON, collection.title),
    ]
    return Response(f'{feature[:-1]},"links":{json.dumps(links)}}}', media_type=GEOJSON)
