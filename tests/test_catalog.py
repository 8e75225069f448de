"""The reference tables are read in one place, and a bad row is named by file, line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.catalog import CatalogError, read_categories, read_departments
from api.workflow import Tier, TimeLimit

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def test_shipped_tables() -> None:
    departments = read_departments(DATA_DIR)
    categories = read_categories(DATA_DIR, departments={d.code for d in departments})
    reportable = [c for c in categories if c.reportable]
    assert len(reportable) > 30 and all(len(c.code) == 4 for c in reportable)
    charging = next(c for c in categories if c.name == "电动车飞线充电")
    assert (charging.code, charging.parent_code, charging.unit) == ("0201", "02", "xfj")
    assert (charging.tier, charging.answerable) == (Tier.township, False)
    dispute = next(c for c in categories if c.name == "邻里纠纷")
    assert dispute.unit is None  # the township's 司法所 / 调委会 (属地)
    consultation = next(c for c in categories if c.name == "政策咨询")
    assert consultation.answerable and consultation.unit is None
    assert charging.limits["handle"] == TimeLimit(1, "d")
    assert charging.limits["verify"] == TimeLimit(4, "h")
    assert (charging.weight, charging.urgent) == (10.0, False)
    assert next(c for c in categories if c.code == "0205").urgent
    group = next(c for c in categories if c.code == "01")
    assert not group.reportable and group.limits == {} and group.unit is None


def _copy(tmp_path: Path) -> Path:
    for name in ("categories.csv", "departments.csv"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (
            "0201,电动车飞线充电,02,xfj,township,0,1h",
            "0201,电动车飞线充电,02,xfj,township,0,1w",
            "line 11, accept_limit",
            "1w",
        ),
        (
            "0201,电动车飞线充电,02,xfj",
            "0201,电动车飞线充电,02,nope",
            "line 11, unit",
            "nope",
        ),
        ("0201,电动车飞线充电,02,xfj", "0201,电动车飞线充电,09,xfj", "line 11, parent_code", "09"),
        ("02,xfj,township,", "02,xfj,village,", "line 11, tier", "village"),
        ("02,xfj,township,0,", "02,xfj,township,yes,", "line 11, answerable", "yes"),
        ("4h,1d,0,10\n", "4h,1d,yes,10\n", "line 11, urgent", "yes"),
        ("4h,1d,0,10\n", "4h,1d,0,many\n", "line 11, weight", "many"),
        ("0202,消防设施缺损", "0201,消防设施缺损", "line 12, code", "twice"),
        ("urgent,weight", "urgency,weight", "line 1, urgent", "header"),
    ],
)
def test_bad_category_rows_are_named(
    tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    data = _copy(tmp_path)
    _edit(data / "categories.csv", old, new)
    departments = {d.code for d in read_departments(data)}
    with pytest.raises(CatalogError, match=message) as caught:
        read_categories(data, departments=departments)
    assert str(caught.value).startswith(f"categories.csv, {where}: ")


def test_bad_department_rows_are_named(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    _edit(data / "departments.csv", "zjj,住房和城乡建设局", "cgj,住房和城乡建设局")
    with pytest.raises(CatalogError, match=r"^departments.csv, line 3, code: .*twice"):
        read_departments(data)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="^departments.csv: file not found"):
        read_departments(tmp_path)
