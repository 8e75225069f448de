"""The benchmark script runs end to end (its figures are read from bench/, not asserted here)."""

from bench.bench_assign import main


def test_assign_benchmark_runs(capsys) -> None:
    assert (
        main(["--points", "20000", "--grids", "voronoi", "--repeat", "1", "--min-ratio", "0"]) == 0
    )
    assert "assign/strtree throughput ratio:" in capsys.readouterr().out
