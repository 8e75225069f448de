"""What one run of ``bench.bench_screen`` measured, and the lines it prints."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Load:
    """One page load: when its map was painted and what it fetched."""

    page: str
    paint_ms: float
    transfer_bytes: int
    decoded_bytes: int
    requests: int
    data_bytes: int
    data_at_ms: float
    grids_at_ms: float
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Transition:
    """One filed case: milliseconds from the request's start to each arrival."""

    case_no: str
    answered_ms: float
    feed_ms: float
    wall_feed_ms: float
    point_ms: float
    ticker_ms: float
    callback_ms: float | None
    """When the wall's feed callback was answered (None if no Dash call was seen)."""

    @property
    def wall_ms(self) -> float:
        """When the wall showed it all: the point and the ticker line."""
        return max(self.point_ms, self.ticker_ms)

    @property
    def work_ms(self) -> float:
        """The wall's own work: from its feed message to the point and the line shown."""
        return self.wall_ms - self.wall_feed_ms


@dataclass(frozen=True)
class ScreenBench:
    """What one run measured."""

    grids: int
    cases: int
    open_cases: int
    points: int
    screen: list[Load]
    bare: list[Load]
    transitions: list[Transition]

    def paint_ratio(self) -> float:
        """Median first paint of the wall over the bare page's."""
        return _median(self.screen, "paint_ms") / _median(self.bare, "paint_ms")

    def latency_ratio(self) -> float:
        """Median wall latency over the bare feed's."""
        wall = statistics.median(t.wall_ms for t in self.transitions)
        return wall / statistics.median(t.feed_ms for t in self.transitions)


def _median(loads: list[Load], field: str) -> float:
    return float(statistics.median(getattr(load, field) for load in loads))


def report(result: ScreenBench, repeat: int) -> list[str]:
    """The printed figures."""
    lines = [
        f"{result.grids:,} small grids, {result.cases:,} cases, {result.open_cases:,} open, "
        f"{result.points:,} points on the map",
        f"first paint, median (best) of {repeat}, fresh context each:",
    ]
    for name, loads in (("/screen", result.screen), ("bare page", result.bare)):
        best = min(load.paint_ms for load in loads)
        lines.append(
            f"  {name}: {_median(loads, 'paint_ms'):,.0f} ms ({best:,.0f}), "
            f"{_median(loads, 'transfer_bytes') / 1e6:.2f} MB transferred "
            f"({_median(loads, 'decoded_bytes') / 1e6:.2f} MB decoded), "
            f"{_median(loads, 'requests'):.0f} requests"
        )
    lines.append(
        f"  map points in (median): /screen {_median(result.screen, 'data_at_ms'):,.0f} ms "
        f"({_median(result.screen, 'data_bytes') / 1e6:.2f} MB map figure from Dash), bare page "
        f"{_median(result.bare, 'data_at_ms'):,.0f} ms "
        f"({_median(result.bare, 'data_bytes') / 1e6:.2f} MB of GeoJSON case pages)"
    )
    lines.append(
        "  small-grid layer requested at (median): "
        f"/screen {_median(result.screen, 'grids_at_ms'):,.0f} ms, "
        f"bare page {_median(result.bare, 'grids_at_ms'):,.0f} ms"
    )
    lines.append(f"  screen / bare first-paint ratio: {result.paint_ratio():.2f}")
    lines.append(f"transition latency over {len(result.transitions)} filed cases (median, max):")
    for name, field in (
        ("intake answered", "answered_ms"),
        ("bare EventSource", "feed_ms"),
        ("wall's own EventSource message", "wall_feed_ms"),
        ("wall's feed callback answered", "callback_ms"),
        ("point in the map", "point_ms"),
        ("ticker line", "ticker_ms"),
        ("wall (point and line)", "wall_ms"),
        ("wall after its own message", "work_ms"),
    ):
        values = [v for t in result.transitions if (v := getattr(t, field)) is not None]
        if values:
            lines.append(f"  {name}: {statistics.median(values):,.0f} ms, {max(values):,.0f} ms")
    lines.append(f"  wall / bare feed latency ratio: {result.latency_ratio():.2f}")
    problems = sorted({p for load in result.screen + result.bare for p in load.problems})
    lines += [f"  browser error: {problem}" for problem in problems]
    return lines
