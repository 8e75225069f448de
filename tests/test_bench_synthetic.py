"""The report-generation benchmark runs end to end (figures are read in bench/, not asserted)."""

from bench.bench_synthetic import main


def test_synthetic_benchmark_runs(capsys) -> None:
    assert main(["--reports", "2000", "--repeat", "1", "--max-ratio", "1e9"]) == 0
    assert "generate/baseline time ratio:" in capsys.readouterr().out
