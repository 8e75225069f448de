"""``minqing import-cases``: historical reports from a CSV, validated whole, written in batches.

Every row is checked first (columns, values, category, a point inside the city's grids, the
``external_id`` not already imported with other content); on any problem nothing is written
and the problems come back as (row, column, problem). The grids are assigned in bulk through
:class:`geo.covering.GridCovering`. Then the cases and their report events are written, one
transaction per batch, as intake would store them, reported by ``import``. Re-importing a
file is idempotent: rows whose ``external_id`` the reporter ``import`` already has with the
same content are skipped.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from api.cases.intake import case_number, new_incident, report_event
from api.cases.schemas import IncidentCreate, PointCRS
from api.context import AppContext
from api.grids import small_grid_columns
from api.models import Category, Incident, IncidentEvent, utcnow
from api.settings import Settings
from api.vocabulary import Source
from api.workflow import Actor, Role
from api.workflow.calendar import SHANGHAI
from geo.covering import GridCovering
from geo.crs import to_wgs84

__all__ = [
    "IMPORT_REPORTER",
    "CaseImport",
    "RowProblem",
    "import_cases",
    "run_case_import",
]

IMPORT_REPORTER = Actor(username="import", role=Role.dispatcher, full_name="历史案件导入")
"""Who imported cases are reported by: ``external_id`` is unique per this reporter."""
REQUIRED_COLUMNS = ("external_id", "category", "description", "lon", "lat", "reported_at")
OPTIONAL_COLUMNS = ("source", "address", "reporter_name", "reporter_phone")
DEFAULT_SOURCE = Source.hotline
PROBLEMS_SHOWN = 50
EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2
_LOOKUP_CHUNK = 500

Progress_ = Callable[[int, int], None]


@dataclass(frozen=True)
class RowProblem:
    """Why one row cannot be imported; ``row`` is the file's line number (header is 1)."""

    row: int
    column: str
    problem: str


@dataclass(frozen=True)
class _Row:
    """A row that passed the value checks."""

    row: int
    data: IncidentCreate
    reported_at: datetime

    @property
    def fingerprint(self) -> str:
        """A digest of the row's content: a re-import must carry the same."""
        body = f"{self.data.model_dump_json()}|{self.reported_at.isoformat()}"
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass
class CaseImport:
    """What an import did: rows read, cases written, rows already imported, or problems."""

    read: int = 0
    written: int = 0
    already: int = 0
    problems: list[RowProblem] = field(default_factory=list)


class ImportUnusable(Exception):
    """The file or the store cannot be used at all (one line of explanation)."""


def import_cases(
    context: AppContext,
    path: Path,
    *,
    crs: str = "gcj02",
    batch: int = 5000,
    progress: Progress_ | None = None,
) -> CaseImport:
    """Validate every row of ``path``, then write the new cases in batches.

    Raises
    ------
    ImportUnusable
        When the file cannot be read, lacks columns, the CRS is unknown, or the store holds
        no small grids.
    """
    point_crs = _point_crs(crs)
    with context.db.session() as session:
        categories = {c.code: c for c in session.exec(select(Category)).all()}
        covering = _stored_covering(session)
        rows, problems = _read_rows(path, point_crs, categories)
        result = CaseImport(read=len(rows) + len({p.row for p in problems}))
        lon, lat, grids, outside = _assign(rows, point_crs, covering)
        problems += outside
        pending, already, conflicts = _new_rows(session, rows)
        problems += conflicts
    if problems:
        result.problems = sorted(problems, key=lambda p: (p.row, p.column))
        return result
    result.already = already
    new = [i for i, r in enumerate(pending) if r is not None]
    for start in range(0, len(new), batch):
        chunk = new[start : start + batch]
        with context.db.write_session() as session:
            _write_batch(session, context, [rows[i] for i in chunk], lon, lat, grids, chunk)
        result.written += len(chunk)
        if progress is not None:
            progress(result.written, len(new))
    return result


def _point_crs(crs: str) -> PointCRS:
    try:
        return PointCRS(crs.lower())
    except ValueError:
        known = ", ".join(c.value for c in PointCRS)
        raise ImportUnusable(f"--crs {crs!r} is not one of {known}") from None


def _stored_covering(session: Session) -> GridCovering:
    """The covering of the stored small grids (with their medium and large parents)."""
    columns = small_grid_columns(session)
    if columns is None:
        raise ImportUnusable("no small grids are stored; import the grids first")
    return GridCovering(*columns)


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of the CSV, after checking its header."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            columns = reader.fieldnames or []
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            unknown = [c for c in columns if c not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
            if missing or unknown:
                raise ImportUnusable(
                    f"{path.name}: "
                    + "; ".join(
                        f"{what} column{'s' if len(names) > 1 else ''} {', '.join(names)}"
                        for what, names in (("missing", missing), ("unknown", unknown))
                        if names
                    )
                    + f" (expected {', '.join(REQUIRED_COLUMNS)}; optional "
                    f"{', '.join(OPTIONAL_COLUMNS)})"
                )
            for record in reader:
                yield reader.line_num, record
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportUnusable(f"cannot read {path}: {exc}") from None


def _read_rows(
    path: Path, crs: PointCRS, categories: dict[str, Category]
) -> tuple[list[_Row], list[RowProblem]]:
    """Every row checked: the good ones, and the problems of the others."""
    rows: list[_Row] = []
    problems: list[RowProblem] = []
    first_seen: dict[str, int] = {}
    for number, record in _records(path):
        parsed = _parse_row(number, record, crs, categories)
        if isinstance(parsed, list):
            problems += parsed
            continue
        external_id = parsed.data.external_id or ""
        if external_id in first_seen:
            problems.append(
                RowProblem(
                    number, "external_id", f"{external_id!r} repeats row {first_seen[external_id]}"
                )
            )
            continue
        first_seen[external_id] = number
        rows.append(parsed)
    return rows, problems


def _parse_row(
    number: int, record: dict[str, str], crs: PointCRS, categories: dict[str, Category]
) -> _Row | list[RowProblem]:
    """One row as a report body and a time, or its problems (one per column)."""
    values = {k: (v or "").strip() for k, v in record.items() if k is not None}
    problems: list[RowProblem] = []
    body: dict[str, object] = {
        k: values[k] for k in ("category", "description", "external_id") if values.get(k)
    }
    body.update({k: values[k] for k in OPTIONAL_COLUMNS if values.get(k)})
    body.setdefault("source", DEFAULT_SOURCE.value)
    body["crs"] = crs.value
    for axis in ("lon", "lat"):
        try:
            body[axis] = float(values[axis])
        except ValueError:
            problems.append(RowProblem(number, axis, f"{values[axis]!r} is not a number"))
    if "external_id" not in body:
        problems.append(RowProblem(number, "external_id", "is empty"))
    reported_at = _reported_at(number, values["reported_at"], problems)
    try:
        data = IncidentCreate.model_validate(body)
    except ValidationError as exc:
        known = {p.column for p in problems}
        problems += [
            RowProblem(number, str(e["loc"][0]), e["msg"])
            for e in exc.errors()
            if str(e["loc"][0]) not in known
        ]
        return problems
    category = categories.get(data.category)
    if category is None or category.parent_code is None:
        what = "unknown" if category is None else f"{category.name} is a 大类, not a 小类"
        problems.append(RowProblem(number, "category", f"{data.category!r}: {what}"))
    if not data.description.strip():
        problems.append(RowProblem(number, "description", "is blank"))
    if problems or reported_at is None:
        return problems
    return _Row(number, data, reported_at)


def _reported_at(number: int, value: str, problems: list[RowProblem]) -> datetime | None:
    """The report time (local 汕尾 time when no offset is given), or None and a problem."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(
            RowProblem(
                number, "reported_at", f"{value!r} is not a date and time like 2025-03-01 08:30"
            )
        )
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    if moment > utcnow():
        problems.append(RowProblem(number, "reported_at", f"{value} is in the future"))
        return None
    return moment


def _assign(
    rows: Sequence[_Row], crs: PointCRS, covering: GridCovering
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[RowProblem]]:
    """WGS84 points and grids (rows x small/medium/large) of the rows, and the points outside."""
    raw_lon = np.fromiter((r.data.lon for r in rows), dtype=np.float64, count=len(rows))
    raw_lat = np.fromiter((r.data.lat for r in rows), dtype=np.float64, count=len(rows))
    lon, lat = to_wgs84(raw_lon, raw_lat, crs.value)
    assignment = covering.assign(lon, lat)
    problems = [
        RowProblem(
            rows[i].row,
            "lon,lat",
            f"point ({raw_lon[i]}, {raw_lat[i]}) in {crs.value} lies outside every grid "
            "of the city",
        )
        for i in np.flatnonzero(~assignment.inside).tolist()
    ]
    grids = np.column_stack([assignment.small, assignment.medium, assignment.large])
    return lon, lat, grids, problems


def _new_rows(
    session: Session, rows: list[_Row]
) -> tuple[list[_Row | None], int, list[RowProblem]]:
    """The rows with those already imported set to None, their count, and conflicts."""
    stored: dict[str, tuple[str | None, str]] = {}
    ids = [r.data.external_id for r in rows]
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        found = session.exec(
            select(Incident.external_id, Incident.request_hash, Incident.case_no).where(
                col(Incident.reported_by) == IMPORT_REPORTER.username,
                col(Incident.external_id).in_(ids[start : start + _LOOKUP_CHUNK]),
            )
        ).all()
        stored.update({str(e): (h, n) for e, h, n in found})
    new: list[_Row | None] = []
    problems = []
    for row in rows:
        earlier = stored.get(row.data.external_id or "")
        if earlier is None:
            new.append(row)
            continue
        new.append(None)
        if earlier[0] != row.fingerprint:
            problems.append(
                RowProblem(
                    row.row,
                    "external_id",
                    f"{row.data.external_id!r} was imported as case {earlier[1]} "
                    "with other content",
                )
            )
    return new, sum(r is None for r in new), problems


def _write_batch(
    session: Session,
    context: AppContext,
    rows: list[_Row],
    lon: np.ndarray,
    lat: np.ndarray,
    grids: np.ndarray,
    positions: list[int],
) -> None:
    """Store one batch of cases and their report events, as intake stores one."""
    categories = {c.code: c for c in session.exec(select(Category)).all()}
    incidents = []
    for row, i in zip(rows, positions, strict=True):
        incident = new_incident(
            row.data,
            category=categories[row.data.category],
            lon=float(lon[i]),
            lat=float(lat[i]),
            grid=(str(grids[i, 0]), str(grids[i, 1]), str(grids[i, 2])),
            calendar=context.calendar,
            now=row.reported_at,
        )
        incident.reported_by = IMPORT_REPORTER.username
        incident.request_hash = row.fingerprint
        incidents.append(incident)
    ids = session.execute(
        insert(Incident).returning(col(Incident.id), sort_by_parameter_order=True),
        [incident.model_dump(exclude={"id"}) for incident in incidents],
    ).scalars()
    prefix = context.settings.case_prefix
    for incident, incident_id in zip(incidents, ids, strict=True):
        incident.id = incident_id
        incident.case_no = case_number(prefix, incident_id, incident.reported_at, context.calendar)
    session.execute(update(Incident), [{"id": i.id, "case_no": i.case_no} for i in incidents])
    events = [
        report_event(i, IMPORT_REPORTER, category_name=categories[i.category_code].name)
        for i in incidents
    ]
    session.execute(insert(IncidentEvent), [e.model_dump(exclude={"id"}) for e in events])


def problem_table(problems: list[RowProblem], title: str) -> Table:
    """The first PROBLEMS_SHOWN problems as a table: row, column, problem."""
    table = Table(title=title)
    for column in ("row", "column", "problem"):
        table.add_column(column, overflow="fold")
    for problem in problems[:PROBLEMS_SHOWN]:
        table.add_row(str(problem.row), problem.column, problem.problem)
    if len(problems) > PROBLEMS_SHOWN:
        table.add_row("…", "", f"and {len(problems) - PROBLEMS_SHOWN} more")
    return table


def run_case_import(
    settings: Settings, *, path: Path, crs: str, batch: int, console: Console
) -> int:
    """The command: import with a progress bar, print the outcome; returns the exit code."""
    context = AppContext.build(settings)
    context.db.upgrade()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("写入案件 writing cases", total=None, visible=False)
            result = import_cases(
                context,
                path,
                crs=crs,
                batch=batch,
                progress=lambda done, total: bar.update(
                    task, completed=done, total=total, visible=True
                ),
            )
    except ImportUnusable as exc:
        console.print(f"[red]error:[/red] {exc}")
        return EXIT_UNUSABLE
    finally:
        context.db.dispose()
    if result.problems:
        rows = len({p.row for p in result.problems})
        console.print(problem_table(result.problems, f"{path.name}: {rows} rows with problems"))
        console.print(f"[red]nothing written:[/red] fix the {rows} rows above and import again")
        return EXIT_PROBLEMS
    console.print(
        f"[green]imported {result.written} cases[/green] from {result.read} rows "
        f"({result.already} already imported; {settings.store})"
    )
    return 0
