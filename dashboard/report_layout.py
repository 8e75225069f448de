"""The report page's layout pieces: the form, the check card, the result card, messages.

Pure builders of Dash components from plain values (and :class:`FormState`, the form's
values as one object), so :mod:`dashboard.pages.report` keeps only its callbacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from dash import dcc, html

from dashboard import report_readings as rr
from dashboard import theme
from dashboard.components.casemap import CaseMap
from dashboard.i18n import Lang, codes, t, term
from dashboard.readings import local_time
from dashboard.report_form import FormState

PAGE: Final = "report"
ROUTE_STAGES: Final = ("accept", "dispatch", "claim", "handle")
"""The stages whose limits the route hint shows (verification and call-back come later)."""


def _id(name: str) -> str:
    return f"{PAGE}-{name}"


def problem_lines(problems: Sequence[rr.FormProblem], lang: Lang) -> html.Ul:
    """Problems as a list: the field's label, then what is wrong."""
    lines = []
    for problem in problems:
        text = problem.key[1:] if problem.key.startswith("=") else t(problem.key, lang)
        lines.append(
            html.Li([html.B(t(f"report_field_{problem.field}", lang) + "："), text]),
        )
    return html.Ul(lines, className="report-problems")


def _section(number: int, title_key: str, body: list[Any], lang: Lang) -> html.Section:
    return html.Section(
        [html.H3([html.Span(str(number), className="report-step"), t(title_key, lang)]), *body],
        className="report-section",
    )


def legend(lang: Lang) -> list[html.Span]:
    """The map's legend: own grids, the point, look-alike cases."""
    items = (
        ("rgba(53,196,255,0.55)", "report_legend_mine"),
        (theme.OKABE_ITO["vermillion"], "report_point"),
        (theme.OKABE_ITO["orange"], "report_legend_nearby"),
    )
    return [
        html.Span(
            [html.I(className="chip", style={"background": colour}), t(key, lang)],
            className="legend-item",
        )
        for colour, key in items
    ]


def form_layout(lang: Lang, *, key: str) -> html.Div:
    """The whole page: stores, title, sign-in slot, and the map beside the form."""
    stores = [
        dcc.Store(id=_id("lang"), data=lang),
        dcc.Store(id=_id("key"), data=key),
        dcc.Store(id=_id("stage"), data="edit"),
        dcc.Store(id=_id("point")),
        dcc.Store(id=_id("marks")),
        dcc.Store(id=_id("click")),
        dcc.Store(id=_id("bound")),
        dcc.Store(id=_id("categories")),
    ]
    return html.Div(
        [
            html.Div(stores, hidden=True),
            html.Div(
                [
                    html.H1(t("page_report", lang), id=_id("title")),
                    html.P(t("report_lead", lang), className="report-lead"),
                    html.Span(id=_id("area"), className="report-area"),
                ],
                className="report-head",
            ),
            html.Div(id=_id("signin"), className="report-signin"),
            html.Div(
                [
                    html.Section(
                        [
                            CaseMap(_id("map")),
                            html.Div(t("report_map_hint", lang), className="report-map-hint"),
                        ],
                        className="report-map",
                    ),
                    html.Div(
                        [
                            html.Div(_form(lang), id=_id("form")),
                            html.Div(confirm_card(lang), id=_id("confirm-card"), hidden=True),
                            html.Div(result_card(lang), id=_id("result-card"), hidden=True),
                            html.Div(id=_id("messages"), className="report-messages"),
                        ],
                        className="report-panel",
                    ),
                ],
                id=_id("body"),
                className="report-body",
                hidden=True,
            ),
        ],
        className="page page-report",
    )


def _choice(part: str, options: list[dict[str, str]], value: str) -> dcc.Dropdown:
    """A fixed list to pick one from (no clearing, no typing), styled ``report-<part>``."""
    return dcc.Dropdown(
        id=_id(part),
        options=options,
        value=value,
        clearable=False,
        searchable=False,
        className=f"report-{part}",
    )


def _note(part: str, key: str, lang: Lang) -> html.Div:
    """A line under a section that the page rewrites (``report-<part>``), first saying ``key``."""
    return html.Div(t(key, lang), id=_id(part), className=f"report-{part}")


def _form(lang: Lang) -> list[Any]:
    crs_options = [{"label": label, "value": code} for code, label in rr.CRS_CHOICES]
    sources = [{"label": term("source", s, lang), "value": s} for s in codes("source")]
    return [
        _section(
            1,
            "report_where",
            [
                html.Div(
                    [
                        html.Label([t("report_lon", lang), dcc.Input(id=_id("lon"), **_coord())]),
                        html.Label([t("report_lat", lang), dcc.Input(id=_id("lat"), **_coord())]),
                        html.Label(
                            [
                                t("report_crs", lang),
                                _choice("crs", crs_options, "wgs84"),
                            ]
                        ),
                    ],
                    className="report-coords",
                ),
                _note("located", "report_point_hint", lang),
            ],
            lang,
        ),
        _section(
            2,
            "report_what",
            [
                html.Div(
                    [
                        dcc.RadioItems(id=_id("group"), className="report-groups"),
                        dcc.RadioItems(id=_id("category"), className="report-leaves"),
                    ],
                    className="report-tree",
                ),
                _note("route", "report_category_hint", lang),
            ],
            lang,
        ),
        _section(
            3,
            "report_describe",
            [
                dcc.Textarea(
                    id=_id("description"),
                    placeholder=t("report_description_hint", lang),
                    maxLength=rr.DESCRIPTION_MAX,
                    className="report-description",
                ),
                html.Div(id=_id("count"), className="report-count"),
                html.Div(
                    [
                        dcc.Input(
                            id=_id("address"),
                            placeholder=t("report_address_hint", lang),
                            maxLength=200,
                            className="report-input",
                        ),
                        _choice("source", sources, "patrol"),
                        dcc.Checklist(
                            id=_id("urgent"),
                            options=[{"label": t("report_urgent", lang), "value": "urgent"}],
                            value=[],
                            className="report-urgent",
                        ),
                    ],
                    className="report-extra",
                ),
            ],
            lang,
        ),
        _section(
            4,
            "report_photo",
            [
                dcc.Upload(
                    html.Div(t("report_photo_drop", lang)),
                    id=_id("photo"),
                    accept="image/jpeg,image/png,image/webp",
                    max_size=rr.PHOTO_MAX_BYTES,
                    className="report-upload",
                ),
                html.Div(t("report_photo_hint", lang), id=_id("photo-preview")),
            ],
            lang,
        ),
        html.Button(t("report_check", lang), id=_id("check"), className="report-primary"),
    ]


def _coord() -> dict[str, Any]:
    return {"type": "text", "inputMode": "decimal", "debounce": 0.6, "className": "report-input"}


def route_hint(leaf: Mapping[str, Any], unit: str, lang: Lang) -> html.Div:
    """Where a 小类 goes by default and its time limits."""
    limits = leaf.get("limits") or {}
    stages = " · ".join(
        f"{term('stage', stage, lang)} {limits[stage]}" for stage in ROUTE_STAGES if stage in limits
    )
    parts = [html.Span(f"{t('report_default_unit', lang)}：{unit or '—'}")]
    if stages:
        parts.append(html.Span(f"{t('report_limits', lang)}：{stages}"))
    if leaf.get("urgent"):
        parts.append(html.B(t("report_urgent_default", lang), className="report-urgent-note"))
    return html.Div(parts, className="report-route-lines")


def _row(label_key: str, value: Any, lang: Lang) -> html.Tr:
    return html.Tr([html.Th(t(label_key, lang)), html.Td(value)])


def _nearby_list(found: Sequence[rr.Nearby], lang: Lang, *, id_: str) -> html.Ul:
    return html.Ul(
        [
            html.Li(
                [
                    html.B(n.case_no, className="report-case-no"),
                    html.Span(n.status_label, className="report-status"),
                    html.Span(f"{n.distance_m:.0f} m"),
                    html.Span(local_time(n.reported_at, "%m-%d %H:%M") if n.reported_at else ""),
                    html.Span(n.description, className="report-excerpt"),
                ]
            )
            for n in found
        ],
        className="report-nearby",
        id=id_,
    )


def confirm_body(
    form: FormState,
    body: Mapping[str, Any],
    photo: rr.Photo | None,
    found: Sequence[rr.Nearby],
    lang: Lang,
) -> html.Div:
    """The check before confirming: a summary and the open look-alikes near the point."""
    point = form.point or {}
    lon, lat = point.get("wgs84", [body["lon"], body["lat"]])
    summary = html.Table(
        [
            _row("report_field_point", f"{lon:.6f}, {lat:.6f} (WGS84)", lang),
            _row("report_in_grid", point.get("path", ""), lang),
            _row("report_field_category", form.category_name(), lang),
            _row("report_field_description", body["description"], lang),
            _row("report_field_photo", photo.filename if photo else t("report_none", lang), lang),
        ],
        className="report-summary",
    )
    if not found:
        return html.Div([summary, html.P(t("report_no_dupes", lang), className="report-ok")])
    heading = t("report_dupes_found", lang).format(
        n=len(found), radius=f"{rr.DUPLICATE_RADIUS_M:.0f}", days=rr.DUPLICATE_WINDOW_DAYS
    )
    return html.Div(
        [
            summary,
            html.H4(heading, className="report-warn"),
            _nearby_list(found, lang, id_=_id("nearby")),
            html.P(t("report_dupes_ask", lang), className="report-note"),
        ]
    )


def _card(title_key: str, body_id: str, buttons: list[html.Button], lang: Lang) -> html.Div:
    return html.Div(
        [
            html.H3(t(title_key, lang)),
            html.Div(id=_id(body_id)),
            html.Div(buttons, className="report-buttons"),
        ],
        className="report-card",
    )


def confirm_card(lang: Lang) -> html.Div:
    """The check card's frame: its body is filled by the check, its buttons are fixed."""
    return _card(
        "report_check_title",
        "confirm-body",
        [
            html.Button(t("report_confirm", lang), id=_id("confirm"), className="report-primary"),
            html.Button(t("report_same_case", lang), id=_id("drop"), className="report-secondary"),
            html.Button(t("report_back", lang), id=_id("back"), className="report-secondary"),
        ],
        lang,
    )


def result_card(lang: Lang) -> html.Div:
    """The result card's frame: its body is filled by intake's answer."""
    return _card(
        "report_done",
        "result-body",
        [html.Button(t("report_again", lang), id=_id("again"), className="report-primary")],
        lang,
    )


def result_body(
    case: Mapping[str, Any],
    form: FormState,
    photos: int,
    photo_problems: Sequence[rr.FormProblem] | None,
    dupes: Sequence[rr.Nearby],
    lang: Lang,
) -> html.Div:
    """What intake answered: the case number, its grids, its clock, look-alikes it named."""
    point = form.point or {}
    due = (case.get("deadline") or {}).get("due_at")
    rows = [
        _row("report_case_no", html.B(case["case_no"], id=_id("case-no")), lang),
        _row("report_in_grid", point.get("path") or case.get("grid", {}).get("small", ""), lang),
        _row("report_field_category", case.get("category_name") or form.category_name(), lang),
        _row("report_status", case.get("status_label") or case.get("status", ""), lang),
        _row("report_accept_due", local_time(due, "%Y-%m-%d %H:%M") if due else "—", lang),
        _row("report_field_photo", t("report_photos_n", lang).format(n=photos), lang),
    ]
    parts: list[Any] = [html.Table(rows, className="report-summary")]
    if photo_problems:
        parts.append(problem_lines(photo_problems, lang))
    if dupes:
        parts += [
            html.H4(t("report_intake_dupes", lang), className="report-warn"),
            _nearby_list(dupes, lang, id_=_id("intake-dupes")),
        ]
    return html.Div(parts)
