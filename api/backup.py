"""Backup and restore: one portable archive for both stores.

An archive is a zip of

- ``manifest.json``: format and version, the schema revision, the source store, and for
  every table its columns, row count and the SHA-256 of its member; for every photo file
  its size and SHA-256;
- ``tables/<table>.jsonl``: one JSON object per row, in primary-key order. Geometries are
  hex WKB (exact to the bit), timestamps ISO 8601 in UTC, JSON columns as JSON;
- ``photos/<case id>/<sha256>.<ext>``: the photo files as stored.

The format does not depend on the store, so an archive of the embedded SQLite file
restores into PostGIS and back. A backup reads every table in one transaction (one
consistent moment); a restore checks the whole archive before it writes, then writes
every row in one transaction, resets PostgreSQL's id sequences, and refuses a store that
already holds data unless told to replace it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import shapely
from sqlalchemy import Connection, Table, delete, func, select, text
from sqlmodel import SQLModel

import api.models  # noqa: F401  (fills SQLModel.metadata with every table)
from api.cases.photos import photo_dir
from api.context import AppContext
from api.exceptions import Conflict, MinqingError
from api.store import GeometryType, UTCDateTime

__all__ = ["FORMAT", "FORMAT_VERSION", "ArchiveSummary", "InvalidArchive", "read_manifest"]
__all__ += ["restore_backup", "write_backup"]

FORMAT = "minqing-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH_ROWS = 1000
MANIFEST_SHAPE: dict[str, type] = {"schema_revision": str, "tables": list, "photos": list}
TABLE_SHAPE: dict[str, type] = {"name": str, "columns": list, "rows": int, "sha256": str}
PHOTO_SHAPE: dict[str, type] = {"path": str, "bytes": int, "sha256": str}
PHOTO_MEMBER = re.compile(r"photos/[0-9]+/[0-9a-f]{64}\.(jpg|png|webp)")


class InvalidArchive(MinqingError, kind="invalid_archive"):
    """The archive is not one this code can restore: unreadable, damaged or of another schema."""


@dataclass(frozen=True)
class ArchiveSummary:
    """What an archive holds: the schema revision, rows per table, photo files."""

    revision: str
    rows: dict[str, int]
    photos: int

    def describe(self) -> str:
        """One line for a person: the cases, events and photos, and every other table."""
        counts = ", ".join(f"{name} {count}" for name, count in self.rows.items())
        return f"schema {self.revision}: {counts}; {self.photos} photo files"


@dataclass(frozen=True)
class _Codec:
    """How one column's Python value becomes JSON and back."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


_PLAIN = _Codec(_same, _same)
_GEOMETRY = _Codec(lambda g: shapely.to_wkb(g, hex=True), shapely.from_wkb)
_TIMESTAMP = _Codec(datetime.isoformat, datetime.fromisoformat)


def _codec(column: Any) -> _Codec:
    if isinstance(column.type, GeometryType):
        return _GEOMETRY
    if isinstance(column.type, UTCDateTime):
        return _TIMESTAMP
    return _PLAIN


def backed_up_tables() -> list[Table]:
    """Every table of the schema, parents before children (``alembic_version`` aside)."""
    return list(SQLModel.metadata.sorted_tables)


# --------------------------------------------------------------------------- backup


def write_backup(context: AppContext, path: Path) -> ArchiveSummary:
    """Write every row of every table and every photo file to the archive at ``path``.

    The tables are read in one transaction (a repeatable-read snapshot on PostGIS), so
    the archive is one consistent moment even while the service runs. The archive is
    written beside ``path`` and moved into place only when complete.

    Raises
    ------
    api.exceptions.Conflict
        When the store's schema is not this release's, or a photo file a case names is
        missing or does not match its checksum.
    """
    _check_store_revision(context)
    partial = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            summary = _write_members(context, archive)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return summary


def _check_store_revision(context: AppContext) -> None:
    context.db.check_connection()
    revision, head = context.db.revision(), context.db.head_revision()
    if revision != head:
        raise Conflict(
            f"the store is at schema revision {revision or 'none'}, this release at {head}: "
            "run `minqing db upgrade` first"
        )


def _snapshot(context: AppContext) -> Connection:
    connection = context.db.engine.connect()
    if context.db.store == "postgis":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def _write_members(context: AppContext, archive: zipfile.ZipFile) -> ArchiveSummary:
    tables: list[dict[str, Any]] = []
    with _snapshot(context) as connection, connection.begin():
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        for table in backed_up_tables():
            with archive.open(f"tables/{table.name}.jsonl", "w") as member:
                count, digest = _write_rows(connection, table, member)
            columns = [column.name for column in table.columns]
            tables.append({"name": table.name, "columns": columns, "rows": count, "sha256": digest})
        photo_rows = connection.execute(select(SQLModel.metadata.tables["incident_photo"])).all()
    photos = [
        _write_photo(context, archive, row.incident_id, row.filename, row.sha256)
        for row in photo_rows
    ]
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema_revision": revision,
        "source_store": context.db.store,
        "created_at": datetime.now(UTC).isoformat(),
        "tables": tables,
        "photos": photos,
    }
    archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return _summary(manifest)


def _write_rows(connection: Connection, table: Table, member: IO[bytes]) -> tuple[int, str]:
    codecs = [(column.name, _codec(column).encode) for column in table.columns]
    digest, count = hashlib.sha256(), 0
    rows = connection.execute(select(table).order_by(*table.primary_key.columns))
    for row in rows.mappings():
        record = {name: None if row[name] is None else enc(row[name]) for name, enc in codecs}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        member.write(line)
        digest.update(line)
        count += 1
    return count, digest.hexdigest()


def _write_photo(
    context: AppContext, archive: zipfile.ZipFile, incident_id: int, filename: str, sha256: str
) -> dict[str, Any]:
    source = photo_dir(context) / str(incident_id) / filename
    name = f"photos/{incident_id}/{filename}"
    try:
        content = source.read_bytes()
    except FileNotFoundError:
        raise Conflict(f"photo {name} of case {incident_id} is missing at {source}") from None
    if hashlib.sha256(content).hexdigest() != sha256:
        raise Conflict(f"photo {name} at {source} does not match its recorded SHA-256")
    archive.writestr(name, content, compress_type=zipfile.ZIP_STORED)
    return {"path": name, "bytes": len(content), "sha256": sha256}


def _summary(manifest: dict[str, Any]) -> ArchiveSummary:
    return ArchiveSummary(
        revision=str(manifest["schema_revision"]),
        rows={table["name"]: int(table["rows"]) for table in manifest["tables"]},
        photos=len(manifest["photos"]),
    )


# --------------------------------------------------------------------------- archive checks


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The archive's manifest, checked for format, version, tables and photo names."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise InvalidArchive(f"{MANIFEST} is missing: not a minqing backup") from None
    except (ValueError, zipfile.BadZipFile) as exc:
        raise InvalidArchive(f"{MANIFEST} is damaged: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InvalidArchive(f"{MANIFEST} does not describe a {FORMAT} archive")
    if manifest.get("version") != FORMAT_VERSION:
        raise InvalidArchive(
            f"archive format version {manifest.get('version')!r} is not {FORMAT_VERSION}, "
            "the one this release reads"
        )
    _check_shape(manifest, MANIFEST_SHAPE, "the manifest")
    for table in manifest["tables"]:
        _check_shape(table, TABLE_SHAPE, "a table entry")
    for photo in manifest["photos"]:
        _check_shape(photo, PHOTO_SHAPE, "a photo entry")
        if not PHOTO_MEMBER.fullmatch(photo["path"]):
            raise InvalidArchive(
                f"photo member {photo['path']!r} is not photos/<id>/<sha256>.<ext>"
            )
    expected = {table.name: [c.name for c in table.columns] for table in backed_up_tables()}
    found = {table["name"]: table["columns"] for table in manifest["tables"]}
    if found != expected:
        differ = sorted(
            n for n in expected.keys() | found.keys() if expected.get(n) != found.get(n)
        )
        raise InvalidArchive(f"tables or columns differ from this schema: {', '.join(differ)}")
    return manifest


def _check_shape(entry: Any, shape: dict[str, type], what: str) -> None:
    if not isinstance(entry, dict) or any(
        not isinstance(entry.get(k), t) for k, t in shape.items()
    ):
        fields = ", ".join(f"{key} ({kind.__name__})" for key, kind in shape.items())
        raise InvalidArchive(f"{MANIFEST}: {what} lacks one of {fields}")


def verify_archive(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Check every member against the manifest: present, undamaged, the counts it names.

    Raises
    ------
    InvalidArchive
        Naming the first member that is missing, damaged or differs from the manifest.
    """
    for table in manifest["tables"]:
        name = f"tables/{table['name']}.jsonl"
        lines, digest = _read_member(archive, name)
        if digest != table["sha256"]:
            raise InvalidArchive(f"{name} does not match its SHA-256 in the manifest")
        if lines != table["rows"]:
            raise InvalidArchive(f"{name} holds {lines} rows, the manifest says {table['rows']}")
    for photo in manifest["photos"]:
        _, digest = _read_member(archive, photo["path"])
        if digest != photo["sha256"]:
            raise InvalidArchive(f"{photo['path']} does not match its SHA-256 in the manifest")


def _read_member(archive: zipfile.ZipFile, name: str) -> tuple[int, str]:
    """Lines in a member and its SHA-256, reading it through (zip checks its CRC too)."""
    digest, lines = hashlib.sha256(), 0
    try:
        with archive.open(name) as member:
            while chunk := member.read(1 << 20):
                digest.update(chunk)
                lines += chunk.count(b"\n")
    except KeyError:
        raise InvalidArchive(f"{name} is missing from the archive") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InvalidArchive(f"{name} is damaged: {exc}") from None
    return lines, digest.hexdigest()


# --------------------------------------------------------------------------- restore


@dataclass
class _PhotoWrites:
    """Photo files a restore wrote, so that a failed restore can take them back."""

    folder: Path
    created: list[Path] = field(default_factory=list)

    def write_all(self, archive: zipfile.ZipFile, photos: Iterable[dict[str, Any]]) -> None:
        for photo in photos:
            target = self.folder / photo["path"].removeprefix("photos/")
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(photo["path"]))
            self.created.append(target)

    def undo(self) -> None:
        for path in self.created:
            path.unlink(missing_ok=True)


def restore_backup(context: AppContext, path: Path, *, force: bool = False) -> ArchiveSummary:
    """Restore the archive at ``path`` into the store: every row and photo, or nothing.

    The whole archive is checked first; the store is then brought to the newest schema,
    which must be the archive's revision. Rows go in within one transaction.

    Raises
    ------
    InvalidArchive
        When the archive is unreadable, damaged, or of another schema revision.
    api.exceptions.Conflict
        When the store already holds data and ``force`` is not given.
    """
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InvalidArchive(f"no archive at {path}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidArchive(f"{path} is not a zip archive: {exc}") from None
    with archive:
        manifest = read_manifest(archive)
        verify_archive(archive, manifest)
        head = context.db.head_revision()
        if manifest["schema_revision"] != head:
            raise InvalidArchive(
                f"archive is at schema revision {manifest['schema_revision']}, this release at "
                f"{head}: restore with the release that wrote it, then run `minqing db upgrade`"
            )
        context.db.upgrade()
        photos = _PhotoWrites(photo_dir(context))
        try:
            with context.db.write_session() as session:
                _replace_rows(session.connection(), archive, context.db.store, force=force)
                _check_photo_rows(session.connection(), {p["path"] for p in manifest["photos"]})
                photos.write_all(archive, manifest["photos"])
        except BaseException:
            photos.undo()
            raise
    if force:
        _remove_other_photos(photos.folder, {p["path"] for p in manifest["photos"]})
    return _summary(manifest)


def _replace_rows(
    connection: Connection, archive: zipfile.ZipFile, store: str, *, force: bool
) -> None:
    tables = backed_up_tables()
    held = {
        t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in tables
    }
    if any(held.values()) and not force:
        holding = ", ".join(f"{name} {count}" for name, count in held.items() if count)
        raise Conflict(f"the store is not empty ({holding}); restore --force replaces it")
    for table in reversed(tables):
        connection.execute(delete(table))
    for table in tables:
        name = f"tables/{table.name}.jsonl"
        with archive.open(name) as member:
            rows = _parents_first(table, _decoded_rows(table, member, name))
            for batch in _batches(rows, BATCH_ROWS):
                connection.execute(table.insert(), batch)
    if store == "postgis":
        _reset_sequences(connection, tables)


def _check_photo_rows(connection: Connection, members: set[str]) -> None:
    """Every restored photo row names a file the archive holds."""
    photo = SQLModel.metadata.tables["incident_photo"]
    for incident_id, filename in connection.execute(select(photo.c.incident_id, photo.c.filename)):
        if f"photos/{incident_id}/{filename}" not in members:
            raise InvalidArchive(
                f"photo photos/{incident_id}/{filename} of case {incident_id} is not in the archive"
            )


def _decoded_rows(table: Table, member: IO[bytes], name: str) -> Iterator[dict[str, Any]]:
    codecs = [(column.name, _codec(column).decode) for column in table.columns]
    for number, line in enumerate(io.TextIOWrapper(member, encoding="utf-8"), start=1):
        try:
            record = json.loads(line)
            yield {key: None if record[key] is None else dec(record[key]) for key, dec in codecs}
        except (ValueError, KeyError, TypeError, shapely.errors.ShapelyError) as exc:
            raise InvalidArchive(f"{name} line {number} cannot be read: {exc!r}") from None


def _parents_first(table: Table, rows: Iterator[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Rows of a table that refers to itself (categories), each after the row it names."""
    own = [fk for fk in table.foreign_keys if fk.column.table is table]
    if not own:
        return rows
    child, parent = own[0].parent.name, own[0].column.name
    pending, placed, ordered = list(rows), set(), []
    while pending:
        ready = [r[child] is None or r[child] in placed for r in pending]
        if not any(ready):
            raise InvalidArchive(f"{table.name}: rows name parents that are not in the archive")
        ordered += [r for r, ok in zip(pending, ready, strict=True) if ok]
        placed |= {r[parent] for r, ok in zip(pending, ready, strict=True) if ok}
        pending = [r for r, ok in zip(pending, ready, strict=True) if not ok]
    return ordered


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _reset_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """Point every id sequence past the largest restored id (PostgreSQL)."""
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or key[0].autoincrement is False or key[0].type.python_type is not int:
            continue
        column = key[0]
        sequence = func.pg_get_serial_sequence(table.name, column.name)
        next_id = select(func.coalesce(func.max(column), 0) + 1).scalar_subquery()
        connection.execute(select(func.setval(sequence, next_id, False)))


def _remove_other_photos(folder: Path, kept: set[str]) -> None:
    """After a forced restore, the photo files of the replaced store go too."""
    for path in folder.rglob("*"):
        if path.is_file() and f"photos/{path.relative_to(folder).as_posix()}" not in kept:
            path.unlink()
