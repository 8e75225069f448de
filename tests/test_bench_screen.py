"""The big-screen benchmark runs end to end (its figures live in docs/benchmarks.md).

A small lattice city, one timed load of each page and two filed cases: the run must paint
both maps with every open case and see each filed case reach the feed, the map and the
ticker.  No timing is asserted here; speed is measured by ``python -m bench.bench_screen``.
"""

from pathlib import Path

import pytest

from bench.bench_screen import _arguments, measure
from bench.screen_results import report
from tests.browser import chromium_path

pytestmark = [pytest.mark.browser, pytest.mark.serial]


def test_screen_benchmark_paints_both_pages_and_times_each_filed_case(tmp_path: Path) -> None:
    if chromium_path() is None:
        pytest.skip("Chromium not installed: apt-get install chromium")
    args = _arguments(
        ["--grids", "lattice", "--cases", "300", "--dir", str(tmp_path), "--repeat", "1"]
        + ["--warmup", "0", "--transitions", "2", "--pause", "0", "--timeout", "60"]
    )
    result = measure(args)
    assert result is not None
    assert result.grids == 128 and result.cases == 300
    assert 0 < result.open_cases < 300 and result.points == result.open_cases
    assert [load.page for load in result.screen] == ["screen"]
    assert [load.page for load in result.bare] == ["bare"]
    for load in result.screen + result.bare:
        assert load.paint_ms > 0 and load.grids_at_ms > 0
        assert load.transfer_bytes > 0 and load.decoded_bytes > 4_000_000, "plotly.min.js came"
        assert load.problems == ()
    for load in result.screen + result.bare:
        assert load.data_bytes > 0 and 0 < load.data_at_ms < load.paint_ms
    assert len(result.transitions) == 2
    assert len({t.case_no for t in result.transitions}) == 2
    for moved in result.transitions:
        assert min(moved.answered_ms, moved.feed_ms, moved.wall_feed_ms) > 0
        assert min(moved.point_ms, moved.ticker_ms) > moved.wall_feed_ms
        assert moved.wall_ms == max(moved.point_ms, moved.ticker_ms)
        assert moved.callback_ms is None or moved.callback_ms > moved.wall_feed_ms
    printed = "\n".join(report(result, args.repeat))
    assert "screen / bare first-paint ratio" in printed
    assert "wall / bare feed latency ratio" in printed
