"""The province-scale benchmark runs end to end on a small lattice (figures: docs/benchmarks.md)."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import text

from api.context import AppContext
from api.settings import Settings
from api.workflow import OPEN_STATUSES
from bench.bench_scale import MEASURES, plot, report, run
from bench.province import ProvinceShape, province_layers
from geo.levels import CODE_WIDTH
from tests.conftest import POSTGIS_URL

SHAPE = ProvinceShape(columns=4, rows=2)


def test_the_province_lattice_nests_three_levels_with_fixed_width_codes() -> None:
    layers = province_layers(SHAPE)
    assert [len(layers[level]) for level in ("large", "medium", "small")] == [8, 80, 640]
    assert SHAPE.small_grids == 640 and ProvinceShape().small_grids == 100_000
    for level, frame in layers.items():
        assert set(frame["code"].str.len()) == {CODE_WIDTH[level]}
        assert frame["code"].is_unique
    medium = layers["medium"].set_index("code")
    for row in layers["small"].itertuples():
        assert row.code.startswith(row.parent_code)
        assert medium.geometry[row.parent_code].contains(row.geometry.representative_point())
    area = np.sum(layers["small"].geometry.area)
    assert area == pytest.approx(np.sum(layers["large"].geometry.area))


def test_the_scale_benchmark_grows_the_archive_and_measures_every_size(tmp_path: Path) -> None:
    if not POSTGIS_URL:
        pytest.skip("PostGIS not configured: set MINQING_TEST_POSTGIS_URL to run these")
    settings = Settings(
        database_url=POSTGIS_URL, runtime_dir=tmp_path, secret_key="test-scale-secret-key"
    )
    rows = run(settings, [500, 3_000], SHAPE, repeat=1)
    assert [r.size for r in rows] == [500, 3_000]
    for row in rows:
        assert set(row.seconds) == set(MEASURES) and all(s > 0 for s in row.seconds.values())
    filed = 2 * len(rows)  # intake is called twice per size: once to warm, once timed
    context = AppContext.build(settings)
    with context.db.engine.connect() as conn:
        cases = conn.execute(text("SELECT count(*) FROM incident")).scalar_one()
        events = conn.execute(text("SELECT count(*) FROM incident_event")).scalar_one()
        open_now = conn.execute(
            text("SELECT count(*) FROM incident WHERE status = ANY(:open)"),
            {"open": [s.value for s in OPEN_STATUSES]},
        ).scalar_one()
    context.db.dispose()
    assert cases == 3_000 + filed
    assert events >= cases, "every case has at least its report event"
    assert rows[-1].answered["per-grid aggregate"] == open_now
    assert rows[-1].answered["live feed"] == 200
    table = report(rows)
    assert all(f"| {name} |" in table for name in MEASURES)
    plot(rows, tmp_path / "growth.png")
    assert Image.open(tmp_path / "growth.png").size == (960, 600)
