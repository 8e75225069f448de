"""The database: engine, sessions and schema migrations for either store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import Session

from api.exceptions import StoreUnavailable
from api.settings import Settings, describe_url
from api.store import configure_engine, connect_args, schema_revision, write_options

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Database:
    """One store: its engine, read and write sessions, and its migrations."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = settings.store
        self.url = settings.url
        if self.store == "sqlite":
            Path(self.url.database or "").parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url, connect_args=connect_args(self.store, self.url)
            )
        else:
            self.engine = create_engine(
                self.url,
                connect_args=connect_args(self.store, self.url),
                pool_pre_ping=True,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_pool_overflow,
                pool_timeout=settings.db_pool_timeout_s,
            )
        configure_engine(self.engine, self.store)
        self._write_engine = self.engine.execution_options(**write_options(self.store))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (no write lock taken on SQLite)."""
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield session
        finally:
            _settle(session.close)

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session that writes: one transaction, committed on success, else rolled back."""
        session = Session(self._write_engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            _settle(session.rollback)
            raise
        finally:
            _settle(session.close)

    def check_connection(self) -> None:
        """Connect once, turning any failure into a :class:`StoreUnavailable`."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except (OperationalError, NoSuchModuleError, ArgumentError) as exc:
            raise self.unavailable(exc) from None

    def unavailable(self, exc: Exception) -> StoreUnavailable:
        """The error to report when ``exc`` means the store cannot be used right now."""
        return StoreUnavailable(describe_url(self.url), _first_line(exc))

    def alembic_config(self) -> Config:
        """An Alembic config that points at our migrations and this engine."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        return config

    def upgrade(self, revision: str = "head") -> str | None:
        """Bring the schema up to ``revision``; returns the revision reached."""
        self.check_connection()
        config = self.alembic_config()
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
        return self.revision()

    def downgrade(self, revision: str = "base") -> str | None:
        """Take the schema back to ``revision``."""
        config = self.alembic_config()
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
        return self.revision()

    def revision(self) -> str | None:
        """The schema revision the store is at."""
        return schema_revision(self.engine)

    def head_revision(self) -> str | None:
        """The newest revision the code knows."""
        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def dispose(self) -> None:
        """Close all pooled connections."""
        self.engine.dispose()


def _settle(end: Callable[[], None]) -> None:
    """End a session's transaction; a connection the server already dropped has none left.

    (A database restart between a response and its session's close must not turn into an
    error after the response was sent.)
    """
    try:
        end()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
