"""``minqing import-grids`` and ``check-grids``: validate first, then write all or nothing."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from api.db import Database
from api.grids import load_layer, replace_level
from api.settings import Settings
from geo.display import display_geometries
from geo.gridfile import GridFileError, GridFileOptions, read_grid_file
from geo.hierarchy import Problem, make_problem, problem_rows, validate_hierarchy, validate_layer
from geo.levels import CHILD_LEVEL, LEVELS, PARENT_LEVEL, GridLevel, parse_level

EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2


def problem_table(problems: list[Problem], title: str) -> Table:
    """The problems as a table: code, problem, severity, detail."""
    table = Table(title=title, show_lines=False)
    for column in ("code", "problem", "severity", "detail"):
        table.add_column(column, overflow="fold")
    for grid, kind, severity, detail in problem_rows(problems):
        style = "red" if severity == "error" else "yellow"
        table.add_row(grid, kind, f"[{style}]{severity}[/{style}]", detail)
    return table


def orphaned_children(database: Database, level: GridLevel, new_codes: set[str]) -> list[Problem]:
    """Stored grids one level down whose parent the new layer no longer has."""
    child_level = CHILD_LEVEL.get(level)
    if child_level is None:
        return []
    with database.session() as session:
        children = load_layer(session, child_level)
    return [
        make_problem(
            "missing_parent",
            code,
            None,
            f"stored {child_level} grid {code} points at {parent}, "
            f"which the new {level} layer lacks",
        )
        for code, parent in zip(children["code"], children["parent_code"], strict=True)
        if parent not in new_codes
    ]


def run_import(
    settings: Settings,
    path: Path,
    level: str,
    options: GridFileOptions,
    *,
    accept_warnings: bool,
    console: Console,
) -> int:
    """Read, validate and (when clean) store one grid level; returns the exit code."""
    try:
        grid_level = parse_level(level)
    except ValueError as exc:
        console.print(f"[red]error:[/red] --level: {exc}")
        return EXIT_UNUSABLE
    try:
        frame = read_grid_file(path, level=grid_level, **options)
    except GridFileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return EXIT_UNUSABLE
    console.print(f"read {len(frame)} {level} grids from {path}")

    database = Database(settings)
    database.upgrade()
    parents = None
    if grid_level != "large":
        parents = _stored_parents(database, grid_level, console)
        if parents is None:
            return EXIT_UNUSABLE
    report = validate_layer(frame, level=grid_level, parents=parents)
    problems = report.problems + orphaned_children(
        database, grid_level, {str(c) for c in report.repaired["code"] if c}
    )
    if not _may_write(problems, path=path, accept_warnings=accept_warnings, console=console):
        return EXIT_PROBLEMS
    written = _write_level(database, report.repaired, level=grid_level, console=console)
    console.print(f"[green]stored {written} {level} grids[/green] ({settings.store})")
    return 0


def _stored_parents(
    database: Database, level: GridLevel, console: Console
) -> gpd.GeoDataFrame | None:
    """The stored grids of the level above ``level``; None (and a message) if there are none."""
    parent_level = PARENT_LEVEL[level]
    with database.session() as session:
        parents = load_layer(session, parent_level)
    if parents.empty:
        console.print(f"[red]error:[/red] no {parent_level} grids are stored; import them first")
        return None
    return parents


def _may_write(
    problems: list[Problem], *, path: Path, accept_warnings: bool, console: Console
) -> bool:
    """Show the problems; say whether the layer may be written (no errors, warnings accepted)."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if problems:
        console.print(
            problem_table(problems, f"{path.name}: {len(errors)} errors, {len(warnings)} warnings")
        )
    if errors:
        console.print(
            f"[red]nothing written:[/red] fix the {len(errors)} errors above and import again"
        )
        return False
    if warnings and not accept_warnings:
        console.print(
            f"[yellow]nothing written:[/yellow] {len(warnings)} warnings; "
            "pass --accept-warnings to import anyway"
        )
        return False
    return True


def _write_level(
    database: Database, repaired: gpd.GeoDataFrame, *, level: GridLevel, console: Console
) -> int:
    """Replace the stored ``level`` with the repaired layer and its display geometries."""
    display = display_geometries(repaired.geometry, level=level)
    with database.write_session() as session, Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"writing {level} grids", total=len(repaired))
        return replace_level(
            session,
            repaired,
            level=level,
            display=display,
            progress=lambda done, _total: progress.update(task, completed=done),
        )


def run_check(settings: Settings, *, console: Console) -> int:
    """Run the hierarchy checks on the stored grids; returns the exit code."""
    database = Database(settings)
    database.check_connection()
    with database.session() as session:
        layers = {level: load_layer(session, level) for level in LEVELS}
    counts = ", ".join(f"{len(layer)} {level}" for level, layer in layers.items())
    if all(layer.empty for layer in layers.values()):
        console.print("no grids are stored yet")
        return EXIT_PROBLEMS
    report = validate_hierarchy(layers["large"], layers["medium"], layers["small"])
    if report.problems:
        console.print(problem_table(report.problems, f"stored grids ({counts})"))
    verdict = "[green]ok[/green]" if report.ok else "[red]errors found[/red]"
    console.print(
        f"{counts}: {len(report.errors)} errors, {len(report.warnings)} warnings — {verdict}"
    )
    return 0 if report.ok else EXIT_PROBLEMS
