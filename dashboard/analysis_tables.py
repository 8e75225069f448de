"""The analyst view's tables (dash-ag-grid): the dark theme and each table's columns.

Rows come from :mod:`dashboard.analysis_readings`; a row marked ``few`` (too few cases to
compare) is drawn grey.  Rates stay numbers so they sort as numbers.
"""

from __future__ import annotations

from typing import Any, Final

import dash_ag_grid as dag

from dashboard.analysis_readings import SCORECARD_RATES
from dashboard.i18n import Lang, t

THEME: Final = (
    "themeQuartz.withParams({backgroundColor: '#0f2440', foregroundColor: '#dbe7f5',"
    " headerBackgroundColor: '#13335e', headerTextColor: '#8fd3ff', accentColor: '#35c4ff',"
    " borderColor: '#1d4d7a', oddRowBackgroundColor: '#112a4d', fontFamily: 'inherit',"
    " fontSize: 13, headerFontSize: 13, spacing: 5, wrapperBorderRadius: 6})"
)
PERCENT: Final = {"function": "params.value == null ? '—' : params.value.toFixed(1) + '%'"}
DECIMAL: Final = {"function": "params.value == null ? '—' : params.value.toFixed(1)"}
NUMBER: Final = {"function": "params.value == null ? '—' : params.value.toLocaleString()"}
FEW_ROW: Final = {"few-sample": "params.data.few"}
LIGHT_CELL: Final = {
    "light-red": "params.data.light === 'red'",
    "light-yellow": "params.data.light === 'yellow'",
    "light-green": "params.data.light === 'green'",
}


def data_grid(
    grid_id: str, columns: list[dict[str, Any]], *, height: str, row_id: str = "code"
) -> dag.AgGrid:
    """A sortable, resizable table in the dark theme; rows filled by a callback."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=[],
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "minWidth": 64,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        columnSize="responsiveSizeToFit",
        getRowId=f"params.data.{row_id}",
        dashGridOptions={
            "theme": {"function": THEME},
            "rowClassRules": FEW_ROW,
            "animateRows": False,
            "suppressCellFocus": True,
            "tooltipShowDelay": 300,
        },
        style={"height": height, "width": "100%"},
        className="analysis-grid",
    )


def _rate(key: str, lang: Lang, n_key: str | None = None) -> dict[str, Any]:
    column: dict[str, Any] = {
        "field": key,
        "headerName": t(key, lang),
        "valueFormatter": PERCENT,
        "type": "rightAligned",
        "minWidth": 84,
    }
    if n_key:
        column["tooltipValueGetter"] = {"function": f"'N=' + params.data.{n_key}"}
    return column


def _count(key: str, header: str) -> dict[str, Any]:
    return {
        "field": key,
        "headerName": header,
        "valueFormatter": NUMBER,
        "type": "rightAligned",
        "minWidth": 70,
    }


def area_columns(lang: Lang) -> list[dict[str, Any]]:
    """The area scorecard: counts, 化解率, 满意率 (N in its tooltip), per 1,000 households."""
    return [
        {"field": "name", "headerName": t("area", lang), "pinned": "left", "minWidth": 110},
        _count("cases", t("count", lang)),
        _count("open", t("open", lang)),
        _count("overdue", t("overdue", lang)),
        _rate("resolution_rate", lang),
        _rate("satisfaction_rate", lang, "satisfaction_n"),
        {**_count("per_1000", t("per_1000", lang)), "valueFormatter": DECIMAL},
    ]


def unit_columns(lang: Lang) -> list[dict[str, Any]]:
    """The unit scorecard: place, score, cases and the department rates with their N."""
    return [
        {"field": "place", "headerName": "#", "maxWidth": 56, "valueFormatter": NUMBER},
        {"field": "name", "headerName": t("unit", lang), "pinned": "left", "minWidth": 110},
        {
            "field": "score",
            "headerName": t("score", lang),
            "type": "rightAligned",
            "valueFormatter": DECIMAL,
        },
        _count("cases", t("count", lang)),
        *(_rate(name, lang, f"{name}_n") for name in SCORECARD_RATES),
    ]


def case_columns(lang: Lang, *, brief: bool = False) -> list[dict[str, Any]]:
    """The case table (``brief``: the long-running list's fewer columns)."""
    columns: list[dict[str, Any]] = [
        {"field": "case_no", "headerName": t("case_no", lang), "pinned": "left", "minWidth": 150},
        {"field": "category", "headerName": t("category", lang), "minWidth": 110},
        {"field": "status", "headerName": t("status", lang), "minWidth": 80},
        {
            "field": "light_label",
            "headerName": t("light", lang),
            "cellClassRules": LIGHT_CELL,
            "minWidth": 70,
        },
        {"field": "unit", "headerName": t("unit", lang), "minWidth": 90},
        {"field": "medium", "headerName": t("grid_medium", lang), "minWidth": 90},
        {"field": "small", "headerName": t("grid_small", lang), "minWidth": 80},
        {"field": "days", "headerName": t("days_open", lang), "type": "rightAligned"},
    ]
    if brief:
        return columns
    return [
        *columns[:5],
        {"field": "large", "headerName": t("grid_large", lang), "minWidth": 90},
        *columns[5:],
        {"field": "small_code", "headerName": t("grid_code", lang), "minWidth": 130},
        {"field": "reported", "headerName": t("reported_at", lang), "minWidth": 130},
        {"field": "address", "headerName": t("address", lang), "minWidth": 160},
    ]
