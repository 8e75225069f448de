"""Service settings, read from ``MINQING_*`` environment variables."""

from __future__ import annotations

import re
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

CHECKOUT_DIR = Path(__file__).resolve().parents[1]
REPO_DATA_DIR = CHECKOUT_DIR / "data"
RUNTIME_DIR = CHECKOUT_DIR / "var"

StoreKind = Literal["sqlite", "postgis"]

AtLeastOne = Annotated[int, Field(ge=1)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


class Settings(BaseSettings):
    """Everything the service can be told from outside.

    Built inside the app factory or the CLI, never at import time, so that tests can
    build ``create_app(Settings(...))`` variants side by side.
    """

    model_config = SettingsConfigDict(
        env_prefix="MINQING_", env_file=".env", extra="ignore", use_attribute_docstrings=True
    )

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means the embedded SQLite file data_dir/minqing.db. "
        "postgresql+psycopg://user:pass@host/db selects PostGIS.",
    )
    data_dir: Path = REPO_DATA_DIR
    """Shipped data: categories, departments, boundaries."""
    runtime_dir: Path = RUNTIME_DIR
    """SQLite file, photos, signing key; default: var/ of the checkout (ignored)."""
    secret_key: str = ""
    """Signs bearer tokens; empty = per-install key."""
    token_ttl_minutes: int = Field(default=12 * 60, ge=5, le=30 * 24 * 60)
    demo_password: str = Field(default="minqing-demo", min_length=6)
    office_hours: str = "09:00-12:00,14:00-18:00"
    """Working periods on a working day, comma separated HH:MM-HH:MM."""
    case_prefix: str = Field(default="SW", pattern=r"^[A-Z]{1,6}$")
    items_limit_default: AtLeastOne = 1000
    items_limit_max: AtLeastOne = 10000
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    photo_max_pixels: AtLeastOne = 50_000_000
    """Largest photo in pixels (width × height)."""
    max_body_bytes: int | None = Field(default=None, ge=1024)
    """Largest request body (uploads, dashboard); empty = photo_max_bytes + 1 MiB."""
    max_api_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Largest JSON or form body under /api."""
    public_url: str = Field(
        default="",
        description="Scheme, host and prefix of links, e.g. https://mq.example.org; "
        "empty = the request's own, for trusted hosts only.",
    )
    trusted_hosts: str = Field(
        default="localhost,127.0.0.1,testserver",
        description="Host names accepted when public_url is empty, comma separated; "
        "*.example.org matches subdomains.",
    )
    signin_failures_per_user: AtLeastOne = 5
    """Per minute and process."""
    signin_failures_per_address: AtLeastOne = 20
    """Per minute and process."""
    signin_concurrency: AtLeastOne = 2
    """Parallel password checks."""
    duplicate_radius_m: Positive = 100.0
    duplicate_window_days: AtLeastOne = 7
    supervise_every_s: NonNegative = 60.0
    """Seconds between supervision sweeps (0: none)"""
    return_window_hours: Positive = 2.0
    """Working hours after dispatch in which a unit may return"""
    whistle_minutes_urgent: AtLeastOne = 30
    """报到 limit of a whistle on an urgent case (minutes)"""
    whistle_limit: str = Field(default="1d", pattern=r"^[0-9]+(\.[0-9]+)?[hd]$")
    """报到 limit otherwise"""
    tile_url: str = ""
    """Basemap XYZ tile URL; empty = grids only."""
    ogc_public_incidents: bool = False
    """Serve the anonymised case layer under /ogc without a token."""
    map_points_max: AtLeastOne = 5000
    """More cases than this on a map: counts per grid instead"""
    db_pool_size: AtLeastOne = 10
    """PostGIS: connections each worker process keeps open"""
    db_pool_overflow: int = Field(default=20, ge=0)
    """PostGIS: extra connections a worker may open under load"""
    db_pool_timeout_s: Positive = 10
    """PostGIS: seconds a request waits for a free connection before a 503"""
    tiles_above_features: AtLeastOne = 10000
    """A map layer with more features than this is drawn from vector tiles"""
    feed_poll_s: Positive = 0.5
    """Live feed: seconds between looks at the event log"""
    feed_heartbeat_s: Positive = 15.0
    """Live feed: keep-alive, and look anyway, this often"""
    feed_gap_grace_s: NonNegative = 2.0
    """Live feed: wait this long for an event id still in flight"""
    metrics: Literal["public", "loopback", "off"] = "public"
    """Who may read /metrics: anyone, local clients, nobody"""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    stats_window_days: AtLeastOne = 30
    """The window of /api/stats when no from / to is given"""
    ranking_min_cases: AtLeastOne = 10
    """Fewer cases than this: a unit or area is not ranked"""
    hotspot_min_cases: int = Field(default=3, ge=2)
    """A hot spot: the same 小类 this many times in one small grid"""
    hotspot_days: AtLeastOne = 7
    """… within this many days"""
    response_limit_hours: Positive = 24.0
    """响应率: the first step after intake within this limit"""

    @field_validator("office_hours")
    @classmethod
    def _office_hours_parse(cls, value: str) -> str:
        parse_office_hours(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_known(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"MINQING_DATABASE_URL is not a database URL: {exc}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(
                f"MINQING_DATABASE_URL backend {url.get_backend_name()!r} is not supported; "
                "use sqlite:///path or postgresql+psycopg://…"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_absolute(cls, value: str) -> str:
        if value and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", value):
            raise ValueError(
                f"MINQING_PUBLIC_URL {value!r} is not http(s)://host[/prefix] "
                "(no query or fragment)"
            )
        return value.rstrip("/")

    @model_validator(mode="after")
    def _limits_consistent(self) -> Settings:
        if self.items_limit_default > self.items_limit_max:
            raise ValueError("MINQING_ITEMS_LIMIT_DEFAULT must not exceed MINQING_ITEMS_LIMIT_MAX")
        if self.max_body_bytes is not None and self.max_body_bytes <= self.photo_max_bytes:
            raise ValueError("MINQING_MAX_BODY_BYTES must exceed MINQING_PHOTO_MAX_BYTES")
        return self

    @cached_property
    def url(self) -> URL:
        """The resolved database URL (the embedded file when none is set)."""
        if self.database_url:
            url = make_url(self.database_url)
            if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
                url = url.set(drivername="postgresql+psycopg")
            return url
        return make_url(f"sqlite:///{(self.work_dir / 'minqing.db').resolve()}")

    @property
    def store(self) -> StoreKind:
        """Which of the two stores the URL selects."""
        return "postgis" if self.url.get_backend_name() == "postgresql" else "sqlite"

    @property
    def work_dir(self) -> Path:
        """Where runtime files go: the SQLite file, photos, the signing key."""
        return self.runtime_dir

    @property
    def body_limit(self) -> int:
        """Largest request body of any kind (a photo upload and its form around it)."""
        return self.max_body_bytes or self.photo_max_bytes + 1024 * 1024

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """Host names answered when links are derived from the request (plus ``host``)."""
        names = [name.strip().lower() for name in self.trusted_hosts.split(",")]
        return tuple(dict.fromkeys(name for name in [*names, self.host.lower()] if name))

    @property
    def office_periods(self) -> tuple[tuple[time, time], ...]:
        """Office hours as (start, end) pairs."""
        return parse_office_hours(self.office_hours)


def parse_office_hours(text: str) -> tuple[tuple[time, time], ...]:
    """Parse ``"09:00-12:00,14:00-18:00"`` into ordered, non-overlapping periods."""
    periods: list[tuple[time, time]] = []
    for part in text.split(","):
        try:
            start_text, end_text = part.strip().split("-")
            start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
        except ValueError:
            raise ValueError(
                f"office hours {part.strip()!r} are not HH:MM-HH:MM (in {text!r})"
            ) from None
        if end <= start or (periods and start < periods[-1][1]):
            raise ValueError(f"office hours {part.strip()!r} are out of order in {text!r}")
        periods.append((start, end))
    return tuple(periods)


def describe_url(url: URL) -> str:
    """A URL safe to print: backend and host, never the password."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite file {url.database}"
    return (
        f"{url.get_backend_name()} at {url.host or 'localhost'}:{url.port or 5432}/{url.database}"
    )
