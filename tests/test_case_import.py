"""``minqing import-cases`` on both stores: GCJ-02 rows land in the right grids, a bad row
writes nothing and is named by row and column, and importing again changes nothing.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from api.context import AppContext
from api.models import Incident, IncidentEvent
from api.workflow import Status
from api.workflow.calendar import SHANGHAI
from geo.crs import wgs84_to_gcj02
from tests.city import centre_of
from tests.driver import row_counts
from tests.test_import_cli import invoke

HEADER = ["external_id", "category", "description", "lon", "lat", "reported_at", "source"]
GRIDS = ["44150200100101", "44150200100202", "44150200200103", "44150200200204"]


def gcj02_centre(code: str) -> tuple[str, str]:
    lon, lat = wgs84_to_gcj02(*centre_of(code))
    return f"{float(lon):.7f}", f"{float(lat):.7f}"


def good_rows() -> list[dict[str, str]]:
    rows = []
    for i, code in enumerate(GRIDS):
        lon, lat = gcj02_centre(code)
        rows.append(
            {
                "external_id": f"12345-2025-{i:04d}",
                "category": "0201" if i % 2 else "0301",
                "description": f"市民来电反映问题{i}",
                "lon": lon,
                "lat": lat,
                "reported_at": f"2025-03-0{i + 1} 09:1{i}:00",
                "source": "hotline",
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def imported(context: AppContext) -> list[Incident]:
    with context.db.session() as session:
        return list(session.exec(select(Incident).order_by(col(Incident.external_id))).all())


def test_rows_land_in_their_grids_with_a_report_event(
    city_context: AppContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "cases.csv", good_rows())
    code, output = invoke(city_context.settings, "import-cases", str(path), "--batch", "3")
    assert code == 0, output
    assert "imported 4 cases" in output

    cases = imported(city_context)
    assert [c.small_code for c in cases] == GRIDS
    assert [c.medium_code for c in cases] == [g[:12] for g in GRIDS]
    assert [c.large_code for c in cases] == [g[:9] for g in GRIDS]
    assert {c.reported_by for c in cases} == {"import"}
    assert {c.status for c in cases} == {Status.reported}
    assert {c.raw_crs for c in cases} == {"gcj02"}
    first = cases[0]
    assert first.reported_at == datetime(2025, 3, 1, 9, 10, tzinfo=SHANGHAI)
    assert first.case_no == f"SW-20250301-{first.id:06d}"
    assert first.stage_due_at is not None and first.stage_due_at > first.reported_at
    with city_context.db.session() as session:
        events = session.exec(select(IncidentEvent).order_by(col(IncidentEvent.id))).all()
    assert [(e.incident_id, e.seq, e.action) for e in events] == [
        (c.id, 1, "report") for c in sorted(cases, key=lambda c: c.id or 0)
    ]
    by_id = {c.id: c for c in cases}
    assert all(e.actor == "import" and e.at == by_id[e.incident_id].reported_at for e in events)


def test_importing_again_changes_nothing(city_context: AppContext, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", good_rows())
    assert invoke(city_context.settings, "import-cases", str(path))[0] == 0
    before = row_counts(city_context)
    case_numbers = [c.case_no for c in imported(city_context)]

    code, output = invoke(city_context.settings, "import-cases", str(path))
    assert code == 0, output
    assert "imported 0 cases" in output and "4 already imported" in output
    assert row_counts(city_context) == before

    # One more row in the file: only it is written.
    extra = {**good_rows()[0], "external_id": "12345-2025-9999"}
    write_csv(path, [*good_rows(), extra])
    code, output = invoke(city_context.settings, "import-cases", str(path))
    assert code == 0 and "imported 1 cases" in output, output
    assert [c.case_no for c in imported(city_context)][:4] == case_numbers


def bad(row: int, **change: str) -> list[dict[str, str]]:
    rows = good_rows()
    rows[row - 2] = {**rows[row - 2], **change}  # file line 1 is the header
    return rows


BAD_ROWS = [
    ("unknown category", bad(3, category="9999"), 3, "category"),
    ("a 大类", bad(2, category="02"), 2, "category"),
    ("latitude not a number", bad(4, lat="北纬22度"), 4, "lat"),
    ("latitude out of range", bad(4, lat="95"), 4, "lat"),
    ("empty description", bad(5, description=""), 5, "description"),
    ("no external id", bad(2, external_id=""), 2, "external_id"),
    ("bad time", bad(3, reported_at="三月一日"), 3, "reported_at"),
    ("time in the future", bad(3, reported_at="2999-01-01 08:00"), 3, "reported_at"),
    ("unknown source", bad(2, source="pigeon"), 2, "source"),
    ("point in the sea", bad(5, lon="115.6", lat="22.3"), 5, "lon,lat"),
    ("repeated external id", bad(4, external_id="12345-2025-0000"), 4, "external_id"),
]


@pytest.mark.parametrize(
    ("what", "rows", "line", "column"), BAD_ROWS, ids=[case[0] for case in BAD_ROWS]
)
def test_a_bad_row_writes_nothing_and_is_named(
    city_context: AppContext,
    tmp_path: Path,
    what: str,
    rows: list[dict[str, str]],
    line: int,
    column: str,
) -> None:
    before = row_counts(city_context)
    path = write_csv(tmp_path / "cases.csv", rows)
    code, output = invoke(city_context.settings, "import-cases", str(path), "--batch", "1")
    assert code == 1, output
    assert "nothing written" in output
    problem_lines = [ln for ln in output.splitlines() if f" {line} " in ln and column in ln]
    assert problem_lines, output
    assert row_counts(city_context) == before


def test_changed_content_under_an_imported_id_is_refused(
    city_context: AppContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "cases.csv", good_rows())
    assert invoke(city_context.settings, "import-cases", str(path))[0] == 0
    before = row_counts(city_context)
    write_csv(path, bad(3, description="另一件事"))
    code, output = invoke(city_context.settings, "import-cases", str(path))
    assert code == 1 and "was imported as case" in output and "other content" in output, output
    assert row_counts(city_context) == before


@pytest.mark.parametrize(
    ("header", "args", "message"),
    [
        (HEADER[:-3] + ["source"], [], "missing columns lat, reported_at"),
        ([*HEADER, "adress"], [], "unknown column adress"),
        (HEADER, ["--crs", "epsg:3857"], "--crs 'epsg:3857' is not one of"),
    ],
    ids=["missing columns", "misspelt column", "unknown crs"],
)
def test_an_unusable_file_is_one_line(
    city_context: AppContext, tmp_path: Path, header: list[str], args: list[str], message: str
) -> None:
    rows = [{k: v for k, v in r.items() if k in header} for r in good_rows()]
    path = write_csv(tmp_path / "cases.csv", rows, header)
    code, output = invoke(city_context.settings, "import-cases", str(path), *args)
    assert code == 2 and message in output, output
    assert row_counts(city_context) == (0, 0, 0)
