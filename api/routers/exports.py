"""Exports: any filtered case query as streamed CSV or GeoJSON; a grid level as a GeoPackage.

The filters are the case list's (:func:`api.routers.incidents.case_filter_query`), the
records its flat records (:mod:`api.cases.formats`), so an export holds exactly what the
list shows, in the caller's scope and without reporter data.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.types import DecoratedCallable
from starlette.background import BackgroundTask

from api.cases.features import feature_select, feature_texts
from api.cases.formats import (
    CSV_MEDIA_TYPE,
    GEOJSON_MEDIA_TYPE,
    category_names,
    csv_chunks,
    flat_records,
    flat_select,
    geojson_chunks,
)
from api.cases.grid_figures import GPKG_MEDIA_TYPE, write_grid_figures
from api.cases.queries import CaseFilter, CaseSort
from api.context import AppContext
from api.deps import ContextDep, Reader
from api.models import utcnow
from api.routers.incidents import CaseFilterDep
from api.workflow import Actor
from geo.levels import GridLevel

router = APIRouter(prefix="/exports", tags=["exports"])

SortQuery = Annotated[CaseSort, Query(description="Order; ties broken by id")]
STREAM_BATCH = 1000


@dataclass(frozen=True)
class CaseExport:
    """What a case export streams: the case list's filters in the caller's scope, in order."""

    context: AppContext
    actor: Actor
    filters: CaseFilter
    sort: CaseSort


def case_export(
    context: ContextDep,
    principal: Reader,
    filters: CaseFilterDep,
    sort: SortQuery = CaseSort.newest,
) -> CaseExport:
    """The export a request asks for."""
    return CaseExport(context, principal, filters, sort)


CaseExportDep = Annotated[CaseExport, Depends(case_export)]


def _records(export: CaseExport) -> Iterator[dict[str, Any]]:
    """Every flat record of the export, read in batches inside one read session."""
    context = export.context
    with context.db.session() as session:
        names = category_names(session)
        query = flat_select(context, export.actor, export.filters, sort=export.sort)
        rows = session.exec(query.execution_options(yield_per=STREAM_BATCH))
        yield from flat_records(rows, names, context.calendar, utcnow())


def _features(export: CaseExport) -> Iterator[str]:
    """Every encoded feature of the export, read in batches inside one read session."""
    context = export.context
    with context.db.session() as session:
        query = feature_select(context, export.actor, export.filters, sort=export.sort)
        rows = session.exec(query.execution_options(yield_per=STREAM_BATCH))
        yield from feature_texts(rows, context.calendar, utcnow())


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _download(
    path: str, summary: str, media_type: str
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Route ``GET path`` to a file of ``media_type``, documented as such (not as JSON)."""
    return router.get(
        path,
        summary=summary,
        response_class=Response,
        responses={200: {"content": {media_type: {}}}},
    )


@_download("/incidents.csv", "Filtered cases as CSV (UTF-8 with BOM), streamed", "text/csv")
def export_csv(export: CaseExportDep) -> StreamingResponse:
    """Every case the filters match in the caller's scope, one line each, for Excel."""
    headers = _attachment("incidents.csv")
    chunks = csv_chunks(_records(export))
    return StreamingResponse(chunks, media_type=CSV_MEDIA_TYPE, headers=headers)


@_download("/incidents.geojson", "Filtered cases as GeoJSON, streamed", "application/geo+json")
def export_geojson(export: CaseExportDep) -> StreamingResponse:
    """Every case the filters match in the caller's scope, as one FeatureCollection."""
    headers = _attachment("incidents.geojson")
    chunks = geojson_chunks(_features(export))
    return StreamingResponse(chunks, media_type=GEOJSON_MEDIA_TYPE, headers=headers)


@_download(
    "/grids/{level}.gpkg",
    "A grid level with its figures, as a GeoPackage",
    "application/geopackage+sqlite3",
)
def export_grid_figures(
    level: GridLevel, context: ContextDep, principal: Reader, filters: CaseFilterDep
) -> FileResponse:
    """Every grid of ``level`` with the count, open and overdue cases the filters match.

    The window is ``reported_from`` / ``reported_to``; the other case filters apply too.
    Opens in QGIS (layer ``grids_<level>``, EPSG:4326).
    """
    folder = Path(tempfile.mkdtemp(prefix="minqing-gpkg-"))
    path = folder / f"grids_{level}.gpkg"
    try:
        with context.db.session() as session:
            write_grid_figures(session, context, principal, filters, level, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=GPKG_MEDIA_TYPE,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
