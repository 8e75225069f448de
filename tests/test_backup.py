"""Backup and restore: every row and photo comes back, on both stores and across them.

A small history is played through the real workflow (the demo's stories on the mini
city: dispatches, co-units, whistles, returns, call-backs) with photos attached, backed
up, restored into a fresh store and compared table by table, row by row. A damaged or
foreign archive is refused naming what is wrong, and nothing is written.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlmodel import SQLModel

from api.app import create_app
from api.backup import InvalidArchive, restore_backup, write_backup
from api.cases.photos import attach_photo
from api.catalog import read_categories
from api.context import AppContext
from api.demo import Lifecycle, plan_cases, replay_history
from api.demo.cast import OBSERVER
from api.exceptions import Conflict
from api.models import IncidentEvent
from api.settings import Settings
from api.store import GeometryType
from api.workflow import SHANGHAI
from geo.synthetic import generate_reports
from tests.city import install_mini_city, mini_city
from tests.conftest import store_settings
from tests.driver import login, photo_files, report
from tests.server import MINQING

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
END = datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)
Rows = dict[str, list[tuple[Any, ...]]]


def _jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, format="JPEG")
    return out.getvalue()


def play_history(context: AppContext, *, cases: int = 40) -> None:
    """The mini city, ``cases`` demo stories played through the workflow, three photos."""
    install_mini_city(context)
    lifecycle = Lifecycle.of(read_categories(DATA_DIR))
    small = mini_city()["small"].assign(staff=lambda f: [{"网格员": f"网格员{c}"} for c in f.code])
    weights = {code: c.weight for code, c in lifecycle.categories.items()}
    reports = generate_reports(small, weights, n=cases, days=60, end=END, seed=11)
    with context.db.write_session() as session:
        replay_history(session, context, plan_cases(reports), lifecycle, end=END)
    for incident_id, colour in ((1, "red"), (2, "green"), (3, "red")):
        attach_photo(context, OBSERVER, incident_id, _jpeg(colour), declared_type="image/jpeg")


def table_rows(context: AppContext) -> Rows:
    """Every row of every table as the service reads it, in key order (geometry as WKB)."""

    def plain(value: Any) -> Any:
        return shapely.to_wkb(value) if isinstance(value, shapely.Geometry) else value

    rows: Rows = {}
    with context.db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(map(plain, row)) for row in connection.execute(query)]
    return rows


def photo_bytes(context: AppContext) -> dict[str, bytes]:
    """The stored photo files by their path under the photo folder."""
    folder = context.settings.work_dir / "photos"
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in photo_files(context)}


def fresh_context(kind: str, folder: Path) -> AppContext:
    """A new, empty store of ``kind`` (the PostGIS test database is emptied)."""
    folder.mkdir()
    return AppContext.build(store_settings(kind, folder))


@pytest.fixture(scope="module")
def sqlite_history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path, Rows]:
    """A SQLite store with a history, its archive, and its rows (built once per module)."""
    folder = tmp_path_factory.mktemp("source")
    context = AppContext.build(store_settings("sqlite", folder))
    context.db.upgrade()
    play_history(context)
    archive = folder / "backup.zip"
    write_backup(context, archive)
    rows = table_rows(context)
    context.db.dispose()
    return context.settings, archive, rows


CROSSINGS = [
    ("sqlite", "sqlite"),
    pytest.param("sqlite", "postgis", marks=pytest.mark.postgis),
    pytest.param("postgis", "sqlite", marks=pytest.mark.postgis),
    pytest.param("postgis", "postgis", marks=pytest.mark.postgis),
]


@pytest.mark.parametrize(("source_kind", "target_kind"), CROSSINGS)
def test_round_trip_restores_every_row_and_photo(
    source_kind: str, target_kind: str, tmp_path: Path
) -> None:
    source = fresh_context(source_kind, tmp_path / "source")
    source.db.upgrade()
    play_history(source)
    before, photos_before = table_rows(source), photo_bytes(source)
    archive = tmp_path / "backup.zip"
    summary = write_backup(source, archive)
    source.db.dispose()

    target = fresh_context(target_kind, tmp_path / "target")
    restored = restore_backup(target, archive)

    assert restored == summary
    assert summary.rows["incident"] == len(before["incident"]) >= 30
    assert summary.rows["incident_event"] == len(before["incident_event"]) > 100
    for name in ("incident_co_unit", "incident_whistle", "app_user", "grid", "incident_photo"):
        assert before[name], f"the history should hold {name} rows"
    after = table_rows(target)
    assert after.keys() == before.keys()
    for name, rows in before.items():
        assert after[name] == rows, f"table {name} differs after the round trip"
    assert photo_bytes(target) == photos_before and len(photos_before) == 3
    first_photo = next(v for k, v in photos_before.items() if k.startswith("1/"))
    _service_goes_on(target, before, first_photo)
    target.db.dispose()


def _service_goes_on(context: AppContext, before: Rows, first_photo: bytes) -> None:
    """Users sign in with their old passwords, photos serve, new ids follow the old ones."""
    last_case, last_event = before["incident"][-1][0], before["incident_event"][-1][0]
    with TestClient(create_app(context.settings, dashboard=False)) as http:
        admin = login(http, "admin")
        listing = http.get("/api/incidents", params={"limit": 1}, headers=admin).json()
        assert listing["numberMatched"] == len(before["incident"])
        photo = http.get("/api/incidents/1/photos/1", headers=admin)
        assert photo.status_code == 200 and photo.content == first_photo
        new_case = report(http, login(http, "dispatcher"))
    assert new_case["id"] == last_case + 1
    with context.db.session() as session:
        # The supervision sweep may record 督办 events on old cases too: all come after.
        new_events = session.execute(
            select(IncidentEvent.id, IncidentEvent.incident_id).where(IncidentEvent.id > last_event)
        ).all()
    assert min(event_id for event_id, _ in new_events) == last_event + 1
    assert new_case["id"] in {case_id for _, case_id in new_events}


def test_a_store_with_data_is_kept_unless_forced(
    context: AppContext, sqlite_history: tuple[Settings, Path, Rows], tmp_path: Path
) -> None:
    _, archive, rows = sqlite_history
    restore_backup(context, archive)
    with TestClient(create_app(context.settings, dashboard=False)) as http:
        report(http, login(http, "dispatcher"), description="备份之后新报的案件")
    after_new_case = table_rows(context)

    with pytest.raises(Conflict, match=r"not empty \(.*incident \d+.*--force"):
        restore_backup(context, archive)
    assert table_rows(context) == after_new_case

    restore_backup(context, archive, force=True)
    assert table_rows(context) == rows
    assert sorted(photo_bytes(context)) == sorted(
        name.removeprefix("photos/") for name in _photo_members(archive)
    )


def _photo_members(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as zf:
        return [name for name in zf.namelist() if name.startswith("photos/")]


def _rewrite(archive: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """Copy ``archive`` to ``target`` with each member passed through ``change`` (None drops it)."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            content = change(name, source.read(name))
            if content is not None:
                out.writestr(name, content)


def _manifest_edit(edit: Callable[[dict[str, Any]], None]) -> Callable[[str, bytes], bytes]:
    def change(name: str, content: bytes) -> bytes:
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


def _flip_in(member: str) -> Callable[[str, bytes], bytes]:
    def change(name: str, content: bytes) -> bytes:
        if name != member:
            return content
        return content.replace(b'"status": "closed"', b'"status": "opened"', 1)

    return change


def _without_photo_of_case_1(name: str, content: bytes) -> bytes | None:
    if name.startswith("photos/1/"):
        return None
    if name != "manifest.json":
        return content
    manifest = json.loads(content)
    manifest["photos"] = [p for p in manifest["photos"] if not p["path"].startswith("photos/1/")]
    return json.dumps(manifest).encode()


def _first_photo_path(manifest: dict[str, Any]) -> None:
    manifest["photos"][0]["path"] = "photos/1/../../../../etc/passwd"


DAMAGES: list[tuple[str, Callable[[str, bytes], bytes | None], str]] = [
    ("a case changed", _flip_in("tables/incident.jsonl"), "tables/incident.jsonl does not match"),
    (
        "events missing",
        lambda n, c: None if "incident_event" in n else c,
        "incident_event.jsonl is missing",
    ),
    (
        "manifest missing",
        lambda n, c: None if n == "manifest.json" else c,
        "manifest.json is missing",
    ),
    (
        "manifest cut",
        lambda n, c: c[:40] if n == "manifest.json" else c,
        "manifest.json is damaged",
    ),
    (
        "photo changed",
        lambda n, c: c[:-4] if n.startswith("photos/") else c,
        "does not match its SHA-256",
    ),
    ("other revision", _manifest_edit(lambda m: m.update(schema_revision="0002")), "revision 0002"),
    ("other format version", _manifest_edit(lambda m: m.update(version=9)), "format version 9"),
    ("photo outside the folder", _manifest_edit(_first_photo_path), "is not photos/<id>/<sha256>"),
    ("a table dropped", _manifest_edit(lambda m: m["tables"].pop()), "differ from this schema"),
    ("photo left out", _without_photo_of_case_1, "of case 1 is not in the archive"),
    (
        "rows not a number",
        _manifest_edit(lambda m: m["tables"][0].update(rows="many")),
        "a table entry lacks one of name (str), columns (list), rows (int)",
    ),
    (
        "rows miscounted",
        _manifest_edit(lambda m: m["tables"][0].update(rows=999)),
        "the manifest says 999",
    ),
]


@pytest.mark.parametrize(
    ("damage", "expected"), [(c, e) for _, c, e in DAMAGES], ids=[d[0] for d in DAMAGES]
)
def test_a_damaged_archive_is_refused_and_writes_nothing(
    context: AppContext,
    sqlite_history: tuple[Settings, Path, Rows],
    tmp_path: Path,
    damage: Callable[[str, bytes], bytes | None],
    expected: str,
) -> None:
    _, archive, _ = sqlite_history
    damaged = tmp_path / "damaged.zip"
    _rewrite(archive, damaged, damage)
    empty = table_rows(context)
    with pytest.raises(InvalidArchive, match=re.escape(expected)):
        restore_backup(context, damaged)
    assert table_rows(context) == empty and not any(empty.values())
    assert photo_files(context) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is not a zip archive"),
        (None, "is not a zip archive"),
        (b"PK\x03\x04garbage", "is not a zip archive"),
    ],
    ids=["empty file", "cut in half", "garbage"],
)
def test_a_file_that_is_no_zip_is_refused(
    context: AppContext,
    sqlite_history: tuple[Settings, Path, Rows],
    tmp_path: Path,
    content: bytes | None,
    expected: str,
) -> None:
    _, archive, _ = sqlite_history
    broken = tmp_path / "broken.zip"
    whole = archive.read_bytes()
    broken.write_bytes(whole[: len(whole) // 2] if content is None else content)
    with pytest.raises(InvalidArchive, match=expected):
        restore_backup(context, broken)
    assert not any(table_rows(context).values())


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MINQING, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


def test_backup_and_restore_commands(
    sqlite_history: tuple[Settings, Path, Rows], tmp_path: Path
) -> None:
    source, _, rows = sqlite_history
    source_env = {
        "MINQING_DATABASE_URL": source.database_url,
        "MINQING_RUNTIME_DIR": str(source.runtime_dir),
    }
    archive = tmp_path / "nightly.zip"
    made = run("backup", str(archive), env=source_env)
    assert made.returncode == 0, made.stderr
    assert f"incident {len(rows['incident'])}," in made.stdout and "3 photo files" in made.stdout

    target = tmp_path / "target"
    target_env = {
        "MINQING_DATABASE_URL": f"sqlite:///{target / 'minqing.db'}",
        "MINQING_RUNTIME_DIR": str(target),
    }
    assert run("restore", str(archive), env=target_env).returncode == 0
    again = run("restore", str(archive), env=target_env)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.strip().startswith("error: the store is not empty")
    assert run("restore", str(archive), "--force", env=target_env).returncode == 0
    restored = AppContext.build(
        Settings(database_url=target_env["MINQING_DATABASE_URL"], runtime_dir=target)
    )
    assert table_rows(restored) == rows
    restored.db.dispose()

    damaged = tmp_path / "damaged.zip"
    _rewrite(archive, damaged, _flip_in("tables/incident.jsonl"))
    refused = run("restore", str(damaged), "--force", env=target_env)
    assert refused.returncode == 2
    assert (
        refused.stderr.strip()
        == "error: tables/incident.jsonl does not match its SHA-256 in the manifest"
    )


def test_geometry_columns_are_written_as_exact_wkb(
    sqlite_history: tuple[Settings, Path, Rows],
) -> None:
    _, archive, rows = sqlite_history
    grid = next(t for t in SQLModel.metadata.sorted_tables if t.name == "grid")
    geometry_at = [i for i, c in enumerate(grid.columns) if isinstance(c.type, GeometryType)]
    with zipfile.ZipFile(archive) as zf:
        lines = zf.read("tables/grid.jsonl").decode().splitlines()
    for line, row in zip(lines, rows["grid"], strict=True):
        record = list(json.loads(line).values())
        for i in geometry_at:
            assert (bytes.fromhex(record[i]) if record[i] else None) == row[i]


def test_a_store_of_another_schema_is_not_backed_up(settings: Settings, tmp_path: Path) -> None:
    context = AppContext.build(settings)
    archive = tmp_path / "never.zip"
    with pytest.raises(Conflict, match=r"schema revision none, this release at 0\d+: run"):
        write_backup(context, archive)
    assert not archive.exists()
    context.db.dispose()


def test_a_lost_photo_file_stops_the_backup(client: TestClient, city_context: AppContext) -> None:
    case = report(client, login(client, "dispatcher"))
    attach_photo(city_context, OBSERVER, case["id"], _jpeg("blue"), declared_type="image/jpeg")
    (lost,) = photo_files(city_context)
    lost.unlink()
    archive = city_context.settings.work_dir / "backup.zip"
    with pytest.raises(Conflict, match=f"photo photos/{case['id']}/{lost.name} .* is missing"):
        write_backup(city_context, archive)
    assert not archive.exists() and not archive.with_name("backup.zip.part").exists()
