"""The big screen's text panels: rankings with N, alerts in words, the ticker's lines."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.i18n import Lang, t, term


def ranking_table(rows: list[dict[str, Any]], tone: str, *, by_score: bool = False) -> html.Table:
    """Place, name, the figure ranked by (score, else a rate) and N beside it."""

    def shown(row: dict[str, Any]) -> str:
        if by_score:
            return "—" if row["score"] is None else f"{row['score']:.1f}分"
        return "—" if row["percent"] is None else f"{row['percent']:.1f}%"

    return html.Table(
        [
            html.Tr(
                [
                    html.Td(str(row["place"]), className="rank-place"),
                    html.Td(row["name"], className="rank-name"),
                    html.Td(shown(row)),
                    html.Td(f"N={row['cases'] if by_score else row['n']}", className="rank-n"),
                ]
            )
            for row in rows
        ],
        className=f"rank-table {tone}",
    )


def alerts_list(alerts: dict[str, Any], lang: Lang) -> html.Ul:
    """Red cards, whistles awaiting 报到 and hot spots, the most pressing first."""
    lines = [
        html.Li(
            [
                html.B(t("flag_red_card", lang), className="alert-red"),
                f" {c['case_no'][-6:]} {c.get('category_name') or ''} · "
                f"{c.get('unit_name') or c['unit_code']} · {term('status', c['status'], lang)}",
            ]
        )
        for c in alerts.get("red_cards", [])[:4]
    ]
    lines += [
        html.Li(
            [
                html.B(t("flag_whistle", lang), className="alert-whistle"),
                f" {w.get('case_no', '')[-6:]} · {w.get('unit_name') or w['unit_code']} "
                + t("alert_late_report_in" if w.get("late") else "alert_awaiting_report_in", lang),
            ]
        )
        for w in alerts.get("awaiting_report_in", [])[:3]
    ]
    lines += [
        html.Li(
            [
                html.B(t("alert_hot_spot", lang), className="alert-hot"),
                f" {h['small_code'][-6:]} {h['category_name']} ×{h['times']}",
            ]
        )
        for h in alerts.get("hot_spots", [])[:3]
    ]
    return html.Ul(lines or [html.Li(t("no_data", lang))], className="alert-list")


def ticker(lines: list[list[Any]]) -> list[html.Li]:
    """One line per transition, keyed by its event id so older lines are not redrawn."""
    return [
        html.Li(
            [html.Span(at, className="ticker-time"), html.Span(no, className="ticker-no"), text],
            key=str(event_id),
        )
        for event_id, at, no, text in lines
    ]
