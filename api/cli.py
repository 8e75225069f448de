"""The ``minqing`` command: serve, demo, database, backup and grid tools."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from api.exceptions import MinqingError
from api.settings import Settings

if TYPE_CHECKING:
    from api.db import Database

app = typer.Typer(
    help="民情地图 — grid-based local governance: API, dashboard, grids and demo data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="Database schema (Alembic migrations) on either store.", no_args_is_help=True
)
app.add_typer(db_app, name="db")

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False)
T = TypeVar("T")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn known failures into one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except ValidationError as exc:
        problems = "; ".join(
            f"MINQING_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        err.print(f"error: invalid settings: {problems}")
        raise typer.Exit(2) from None
    except MinqingError as exc:
        err.print(f"error: {exc.message}")
        raise typer.Exit(2) from None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with command-line overrides."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


def _run(step: Callable[[], T]) -> T:
    with friendly_errors():
        return step()


def _on_database(say: Callable[[Database], str]) -> None:
    """Open the configured store, do what ``say`` does and print the line it returns."""
    from api.db import Database

    _run(lambda: out.print(say(Database(load_settings()))))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Create or migrate the schema to the newest revision (both stores)."""
    _on_database(lambda db: f"schema at revision {db.upgrade(revision)} on {db.settings.store}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "base") -> None:
    """Take the schema back to an older revision (``base`` drops every table)."""
    _on_database(
        lambda db: f"schema at revision {db.downgrade(revision) or 'base'} on {db.settings.store}"
    )


@db_app.command("current")
def db_current() -> None:
    """Show the store kind and the schema revision it is at."""

    def say(db: Database) -> str:
        db.check_connection()
        return (
            f"{db.settings.store}: revision {db.revision() or 'none'} (head {db.head_revision()})"
        )

    _on_database(say)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Upgrade the schema, then serve the API (/api, /docs) and the dashboard (/)."""
    from api.db import Database

    def step() -> Settings:
        settings = load_settings(host=host, port=port)
        Database(settings).upgrade()
        return settings

    settings = _run(step)
    _serve(settings, workers=workers)


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
    db: Annotated[
        Path | None, typer.Option(help="SQLite file to use (default var/minqing.db)")
    ] = None,
    simulate: Annotated[
        bool,
        typer.Option("--simulate/--no-simulate", help="Keep new reports flowing while serving"),
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed of the demo city and incidents")] = 2026,
) -> None:
    """Build the 汕尾 demo city and a few months of incidents on first run, then serve."""
    from api.demo import ensure_demo, start_simulator

    if db is not None:
        os.environ["MINQING_DATABASE_URL"] = f"sqlite:///{db.resolve()}"

    def step() -> Settings:
        settings = load_settings(host=host, port=port)
        ensure_demo(settings, seed=seed, console=out)
        return settings

    settings = _run(step)
    # The wall screen reads as the demo's 指挥大屏 account unless told otherwise.
    os.environ.setdefault("MINQING_SCREEN_USER", "screen")
    os.environ.setdefault("MINQING_SCREEN_PASSWORD", settings.demo_password)
    if simulate:
        start_simulator(settings, seed=seed)
    _serve(settings, workers=1)


def _serve(settings: Settings, *, workers: int) -> None:
    import uvicorn

    os.environ.setdefault("MINQING_HOST", settings.host)
    os.environ.setdefault("MINQING_PORT", str(settings.port))
    out.print(
        f"民情地图 on http://{settings.host}:{settings.port}  "
        f"(API docs: /docs, store: {settings.store})"
    )
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="info",
    )


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Archive to write (zip)")],
) -> None:
    """Write every table and photo of the store to one archive, as of one moment."""
    from api.backup import write_backup
    from api.context import AppContext

    summary = _run(lambda: write_backup(AppContext.build(load_settings()), file))
    out.print(f"backed up {summary.describe()} to {file}")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="Archive written by `minqing backup`")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace what the store holds (all of it)")
    ] = False,
) -> None:
    """Check an archive, then restore every row and photo into the store, or nothing."""
    from api.backup import restore_backup
    from api.context import AppContext

    summary = _run(lambda: restore_backup(AppContext.build(load_settings()), file, force=force))
    out.print(f"restored {summary.describe()} from {file}")


@app.command("import-grids")
def import_grids(
    path: Annotated[Path, typer.Argument(help="Shapefile, GeoJSON or GeoPackage")],
    level: Annotated[str, typer.Option(help="large | medium | small")],
    code_field: Annotated[str, typer.Option(help="Field holding the grid code")],
    name_field: Annotated[str, typer.Option(help="Field holding the grid name")],
    parent_field: Annotated[
        str | None, typer.Option(help="Field holding the parent grid code")
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="Source CRS if the file has none: EPSG:nnnn, gcj02, bd09")
    ] = None,
    layer: Annotated[str | None, typer.Option(help="Layer name inside a GeoPackage")] = None,
    accept_warnings: Annotated[
        bool, typer.Option("--accept-warnings", help="Write even though warnings were listed")
    ] = False,
) -> None:
    """Validate one grid level against the stored parents, then replace it (all or nothing)."""
    from api.gridimport import run_import
    from geo.gridfile import GridFileOptions

    options = GridFileOptions(
        code_field=code_field,
        name_field=name_field,
        parent_field=parent_field,
        crs=crs,
        layer=layer,
    )
    code = _run(
        lambda: run_import(
            load_settings(), path, level, options, accept_warnings=accept_warnings, console=out
        )
    )
    if code:
        raise typer.Exit(code)


@app.command("import-cases")
def import_cases(
    path: Annotated[
        Path,
        typer.Argument(
            help="CSV with columns external_id, category, description, lon, lat, "
            "reported_at (optional: source, address, reporter_name, reporter_phone)"
        ),
    ],
    crs: Annotated[
        str, typer.Option(help="Coordinate system of lon/lat: gcj02, wgs84 or bd09")
    ] = "gcj02",
    batch: Annotated[int, typer.Option(min=1, help="Cases written per transaction")] = 5000,
) -> None:
    """Validate every row, assign the grids in bulk, then write cases in batches (idempotent)."""
    from api.caseimport import run_case_import

    code = _run(
        lambda: run_case_import(load_settings(), path=path, crs=crs, batch=batch, console=out)
    )
    if code:
        raise typer.Exit(code)


@app.command("check-grids")
def check_grids() -> None:
    """Run the grid checks (containment, overlaps, gaps, codes) on what is stored."""
    from api.gridimport import run_check

    code = _run(lambda: run_check(load_settings(), console=out))
    if code:
        raise typer.Exit(code)


@app.command()
def vocabulary(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")
    ] = None,
) -> None:
    """Print the terms /api/vocabulary serves, as JSON: ``make vocabulary`` copies them."""
    import json

    from api.vocabulary import vocabulary_table

    text = json.dumps(vocabulary_table(), ensure_ascii=False, indent=1) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    app()
