"""What the case drawer draws: the case's head, facts, photos, timeline, buttons, form inputs.

Plain builders of Dash components from the API's answers, used by
:mod:`dashboard.components.casedrawer` (which holds the callbacks); the ids of the drawer's
parts are declared here so both modules share them.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from dash import dcc, html

from dashboard import actionforms, theme
from dashboard import workbench_readings as wr
from dashboard.client import ApiClient, ApiError
from dashboard.i18n import Lang, t, term

PHOTOS_MAX = 6
"""Photos shown in the drawer (the first ones the timeline cites)."""
PHOTO_BYTES_MAX = 3_000_000


def drawer_id(aio_id: Any, subcomponent: str) -> dict[str, Any]:
    """The id of one part of the drawer ``aio_id``."""
    return {"component": "CaseDrawer", "subcomponent": subcomponent, "aio_id": aio_id}


def action_id(aio_id: Any, action: Any) -> dict[str, Any]:
    """The id of one action button of the drawer."""
    return {"component": "CaseDrawerAction", "aio_id": aio_id, "action": action}


def field_id(aio_id: Any, field: Any) -> dict[str, Any]:
    """The id of one input of the drawer's action form."""
    return {"component": "CaseDrawerField", "aio_id": aio_id, "field": field}


# ---------------------------------------------------------------- what the drawer shows


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _chip(text: str, colour: str, *, dark_text: bool = False) -> html.Span:
    ink = "#06121f" if dark_text else "#ffffff"
    return html.Span(text, className="chip-label", style={"background": colour, "color": ink})


def case_head(case: dict[str, Any], lang: Lang) -> list[Any]:
    """Case number, category, and chips: status, light with the time left, flags."""
    deadline = case.get("deadline") or {}
    light = deadline.get("light")
    status = term("status", case["status"], lang)
    chips = [_chip(status, theme.status_colour(case["status"]), dark_text=True)]
    if light:
        left = wr.minutes_left(deadline.get("due_at"), _utc_now())
        text = f"{term('light', light, lang)} · {wr.clock_text(left, lang)}"
        chips.append(_chip(text, theme.light_colour(light), dark_text=light == "yellow"))
    for mark in wr.flags_of(case, lang):
        chips.append(_chip(mark, "#33475e"))
    return [
        html.Div(case["case_no"], className="drawer-case-no"),
        html.Div(case.get("category_name") or case["category"], className="drawer-category"),
        html.Div(chips, className="drawer-chips"),
    ]


def case_facts(case: dict[str, Any], lang: Lang) -> html.Dl:
    """What, where, who reported (as masked for the role), which units, when due."""
    grid = case.get("grid") or {}
    co = "、".join(
        f"{c['unit']}（{term('subtask_state', c['state'], lang)}）" for c in case["co_units"]
    )
    whistles = "、".join(
        w["department"]
        + (
            " ✓"
            if w.get("reported_at")
            else f" {t('wb_whistle_due', lang)} {wr.local_text(w['due_at'])}"
        )
        for w in case.get("whistles") or []
    )
    rows = [
        ("wb_description", case["description"]),
        ("wb_address", case.get("address") or "—"),
        ("wb_grid", grid.get("small", "")),
        ("wb_reporter", wr.reporter_text(case)),
        ("wb_reported_at", wr.local_text(case["reported_at"])),
        ("wb_unit", case.get("unit") or "—"),
        ("wb_co_units", co or "—"),
        ("wb_claimed_by", case.get("claimed_by") or "—"),
        ("wb_assignee", case.get("assignee") or "—"),
        ("wb_due", wr.local_text((case.get("deadline") or {}).get("due_at")) or "—"),
        ("wb_handle_due", wr.local_text(case.get("handle_due_at")) or "—"),
        ("wb_whistles", whistles or "—"),
    ]
    if case.get("pending_extension_days") is not None:
        rows.append(
            ("wb_extension", f"{case['pending_extension_days']:g} {t('wb_working_days', lang)}")
        )
    items: list[Any] = []
    for key, value in rows:
        items += [html.Dt(t(key, lang)), html.Dd(value)]
    return html.Dl(items, className="drawer-facts")


def photo_strip(client: ApiClient, case_id: int, ids: list[int], lang: Lang) -> html.Div | None:
    """The case's photos, read with the user's token and inlined (an ``<img>`` cannot send it)."""
    shown = []
    for photo in ids[:PHOTOS_MAX]:
        try:
            response = client.request("GET", f"/api/incidents/{case_id}/photos/{photo}")
        except ApiError:
            continue
        if len(response.content) > PHOTO_BYTES_MAX:
            continue
        kind = response.headers.get("content-type", "image/jpeg")
        data = base64.b64encode(response.content).decode("ascii")
        shown.append(html.Img(src=f"data:{kind};base64,{data}", className="drawer-photo"))
    if not shown:
        return None
    return html.Div(
        [html.H4(t("wb_photos", lang)), html.Div(shown, className="drawer-photo-row")],
        className="drawer-section",
    )


def timeline_list(events: list[dict[str, Any]], lang: Lang) -> html.Div:
    """Every step of the case, newest first."""
    return html.Div(
        [
            html.H4(t("wb_timeline", lang)),
            html.Ol(
                [
                    html.Li(
                        [
                            html.Span(item["at"], className="tl-at"),
                            html.B(item["label"], className="tl-label"),
                            html.Span(item["who"], className="tl-who"),
                            html.Div(item["note"], className="tl-note") if item["note"] else None,
                            html.Span(
                                f"{t('wb_photos', lang)} {len(item['photos'])}",
                                className="tl-photo",
                            )
                            if item["photos"]
                            else None,
                        ]
                    )
                    for item in wr.timeline_items(events)
                ],
                className="timeline",
            ),
        ],
        className="drawer-section",
    )


def action_buttons(aio_id: str, case: dict[str, Any], lang: Lang) -> list[Any]:
    """One button per allowed action; those that send the case away or summon others last."""
    allowed = list(case.get("allowed_actions") or [])
    if not allowed:
        return [html.Div(t("wb_no_actions", lang), className="drawer-none")]
    ordered = [a for a in allowed if a not in actionforms.CAUTION] + [
        a for a in allowed if a in actionforms.CAUTION
    ]
    return [
        html.Button(
            term("action", action, lang),
            id=action_id(aio_id, action),
            className="act-btn " + ("act-caution" if action in actionforms.CAUTION else "act-go"),
            n_clicks=0,
        )
        for action in ordered
    ]


# ---------------------------------------------------------------- the action form


def field_options(
    client: ApiClient, field: actionforms.Field, case: dict[str, Any], action: str
) -> list[dict[str, str]]:
    """The choices of a field: fixed ones, the departments that reported in, or units."""
    if field.options:
        return [{"label": label, "value": value} for value, label in field.options]
    if action == "rate_report_in":
        owed = [w["department"] for w in case.get("whistles") or [] if w.get("reported_at")]
        owed = [d for d in owed if not any(
            w["department"] == d and w.get("rating") for w in case.get("whistles") or []
        )]  # fmt: skip
        return [{"label": code, "value": code} for code in dict.fromkeys(owed)]
    path = "/api/departments" if action == "whistle" else "/api/units"
    return [
        {"label": f"{u['short_name']}（{u['code']}）", "value": u["code"]}
        for u in client.get(path)
        if u["code"] != case.get("unit") or action == "dispatch"
    ]


def field_input(
    aio_id: str, field: actionforms.Field, options: Any, session: dict[str, Any], lang: Lang
) -> Any:
    """The input of one field (an officer to assign defaults to the signed-in user)."""
    fid = field_id(aio_id, field.name)
    if field.kind == "area":
        return dcc.Textarea(id=fid, className="field-area", value="")
    if field.kind == "number":
        return dcc.Input(id=fid, type="number", min=0, className="field-text")
    if field.kind == "flag":
        return dcc.Checklist(
            id=fid, options=[{"label": t("wb_yes", lang), "value": "yes"}], value=[]
        )
    if field.kind in ("yesno", "choice"):
        return dcc.RadioItems(id=fid, options=options, inline=True, className="field-radio")
    if field.kind in ("unit", "units"):
        return dcc.Dropdown(
            id=fid, options=options, multi=field.kind == "units", className="field-dropdown"
        )
    default = session.get("username", "") if field.name == "officer" else ""
    return dcc.Input(id=fid, type="text", value=default, className="field-text")


def form_inputs(
    aio_id: str, client: ApiClient, case: dict[str, Any], action: str, session: Any, lang: Lang
) -> tuple[list[Any], bool]:
    """The inputs of ``action``'s form, and whether it takes a photo."""
    rows: list[Any] = []
    takes_photo = False
    for field in actionforms.fields_for(action, owing=actionforms.owing(case)):
        if field.kind == "photo":
            takes_photo = True
            continue
        needs_options = field.kind in ("unit", "units") or field.options
        options = field_options(client, field, case, action) if needs_options else None
        label = field.en if lang == "en" else field.zh
        rows.append(
            html.Label(
                [
                    html.Span(label + (" *" if field.required else ""), className="field-label"),
                    field_input(aio_id, field, options, session or {}, lang),
                ],
                className="field-row",
            )
        )
    return rows, takes_photo


def upload_photo(client: ApiClient, case_id: int, contents: str, filename: str | None) -> int:
    """Upload a photo chosen in the form (a data URL); its id, for ``photo_ids``."""
    head, _, data = contents.partition(",")
    kind = head.removeprefix("data:").split(";")[0] or "image/jpeg"
    files = {"file": (filename or "photo.jpg", base64.b64decode(data), kind)}
    return int(client.post(f"/api/incidents/{case_id}/photos", files=files)["id"])
