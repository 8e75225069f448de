"""The read benchmark runs end to end on both stores (its figures live in docs/benchmarks.md)."""

from pathlib import Path

import pytest

from bench.bench_read import main
from tests.conftest import POSTGIS_URL, STORES


@pytest.mark.parametrize("store", STORES)
def test_read_benchmark_runs_and_checks_its_answers(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if store == "postgis" and not POSTGIS_URL:
        pytest.skip("PostGIS not configured: set MINQING_TEST_POSTGIS_URL to run these")
    argv = ["--cases", "3000", "--grids", "lattice", "--stores", store, "--dir", str(tmp_path)]
    argv += ["--postgis-url", POSTGIS_URL, "--repeat", "1", "--budget", "0"]
    argv += ["--seconds", "2", "--no-check"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "same features as the bare SQL's" in out
    for name in (
        "filtered map query / bare SQL",
        "count per small grid / bare GROUP BY",
        "count per cluster / bare GROUP BY",
        "cached small layer / encoded per request",
        "filtered OGC items page / bare SQL GeoJSON",
    ):
        assert f"  {name}: ours" in out, name
    if store == "postgis":
        assert "throughput" in out and ("/ tipg" in out or "NOT MEASURED" in out)
