"""The covering benchmark runs end to end and checks its answers (its figures live in docs/)."""

from bench.bench_covering import main


def test_covering_benchmark_runs_and_agrees(capsys) -> None:
    assert (
        main(["--points", "20000", "--grids", "voronoi", "--repeat", "1", "--min-ratio", "0"]) == 0
    )
    out = capsys.readouterr().out
    assert "identical to GridIndex" in out
    assert "covering/strtree throughput ratio:" in out
    assert "MISMATCH" not in out
