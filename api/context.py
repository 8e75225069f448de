"""What one running service holds: settings, store, signing key, calendar, grid index."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.db import Database
from api.gridlayers import LayerCache
from api.grids import GridIndexCache
from api.security import load_secret
from api.settings import Settings
from api.workflow.calendar import WorkCalendar

GRID_TILES_KEPT = 4096
"""Vector tiles of the grid layers kept per process (the oldest go first)."""


@dataclass
class AppContext:
    """Built once per app by :func:`api.app.create_app` (and by the CLI)."""

    settings: Settings
    db: Database
    secret: bytes
    calendar: WorkCalendar
    grid_index: GridIndexCache = field(init=False)
    grid_layers: LayerCache = field(init=False)
    grid_tiles: LayerCache = field(init=False)

    def __post_init__(self) -> None:
        self.grid_index = GridIndexCache()
        self.grid_layers = LayerCache()
        self.grid_tiles = LayerCache(max_entries=GRID_TILES_KEPT)

    @classmethod
    def build(cls, settings: Settings) -> AppContext:
        """Open the store and derive everything else from the settings."""
        return cls(
            settings=settings,
            db=Database(settings),
            secret=load_secret(settings.secret_key, settings.work_dir),
            calendar=WorkCalendar(office_hours=settings.office_periods),
        )
