"""The case drawer: one case's facts, timeline and photos, and the actions allowed now.

An All-in-One component: ids are ``{"component": "CaseDrawer", "subcomponent", "aio_id"}``
(action buttons and form inputs have ids of their own kinds with ``action`` / ``field``),
and its callbacks ``MATCH`` the ``aio_id``, so each page holds one under its own prefix
(``workbench-drawer``).  A page opens it by writing ``{"id": <case id>}`` to
``drawer_id(aio, "case")`` and listens to ``drawer_id(aio, "done")``, which changes after
every action that went through.

The buttons are the case's ``allowed_actions`` as the API gives them to the signed-in
user; an action without input is done with one click, the others open a form that asks
only what the API needs (:mod:`dashboard.actionforms`).  A refusal is shown in words.
"""

from __future__ import annotations

import time
from typing import Any

from dash import ALL, MATCH, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard import actionforms
from dashboard import workbench_readings as wr
from dashboard.client import ApiClient, ApiError, api_client
from dashboard.components.drawerparts import (
    action_buttons,
    action_id,
    case_facts,
    case_head,
    drawer_id,
    field_id,
    form_inputs,
    photo_strip,
    timeline_list,
    upload_photo,
)
from dashboard.deps import ins, outs, states
from dashboard.i18n import Lang, t, term

__all__ = ["CaseDrawer", "drawer_id", "register_callbacks"]


class CaseDrawer(html.Aside):
    """A panel sliding in from the right; hidden until a case is written to it."""

    def __init__(self, aio_id: str, lang: Lang = "zh") -> None:
        def part(name: str) -> dict[str, Any]:
            return drawer_id(aio_id, name)

        form = html.Div(
            [
                html.Div(id=part("form-title"), className="drawer-form-title"),
                html.Div(id=part("fields"), className="drawer-fields"),
                html.Div(
                    dcc.Upload(
                        html.Div(t("wb_photo_drop", lang), id=part("photo-name")),
                        id=part("photo"),
                        accept="image/jpeg,image/png,image/webp",
                        className="drawer-upload",
                    ),
                    id=part("photo-row"),
                    hidden=True,
                ),
                html.Div(
                    [
                        html.Button(t("wb_submit", lang), id=part("submit"), className="btn-go"),
                        html.Button(t("wb_cancel", lang), id=part("cancel"), className="btn-plain"),
                    ],
                    className="drawer-form-buttons",
                ),
            ],
            id=part("form"),
            className="drawer-form",
            hidden=True,
        )
        super().__init__(
            [
                dcc.Store(id=part("case")),
                dcc.Store(id=part("chosen")),
                dcc.Store(id=part("done")),
                dcc.Store(id=part("lang"), data=lang),
                html.Div(
                    [
                        html.Div(id=part("head"), className="drawer-head-text"),
                        html.Button("×", id=part("close"), className="drawer-close"),
                    ],
                    className="drawer-head",
                ),
                html.Div(id=part("message"), className="drawer-message", role="status"),
                html.Div(id=part("actions"), className="drawer-actions"),
                form,
                html.Div(id=part("body"), className="drawer-body"),
            ],
            id=drawer_id(aio_id, "root"),
            className="case-drawer",
        )


# ---------------------------------------------------------------- callbacks


def _send(
    client: ApiClient,
    case_id: int,
    action: str,
    body: dict[str, Any],
    photo: tuple[str | None, str | None],
    lang: Lang,
) -> tuple[Any, ...]:
    """Do the action (uploading its photo first): the outputs of :func:`act`.

    Done, the form closes, the drawer reloads the case and ``done`` tells the page.  Refused
    with 409 (the case moved on, or another officer signed first), the drawer reloads the
    case as it is now and tells the page too; other refusals keep the form as filled in.
    """
    contents, filename = photo
    stamp = time.time()
    try:
        if contents and "photo" in {f.name for f in actionforms.fields_for(action)}:
            body = {**body, "photo_ids": [upload_photo(client, case_id, contents, filename)]}
        client.post(f"/api/incidents/{case_id}/actions/{action}", body)
    except ApiError as error:
        text = actionforms.refusal_text(error.status, error.body, error.detail, action, lang)
        if error.status != 409:
            return (no_update,) * 5 + (text, no_update, no_update, no_update)
        reload = {"id": case_id, "keep": True, "at": stamp}
        return (no_update,) * 5 + (text, reload, {"id": case_id, "action": None, "at": stamp}, None)
    done_text = f"✓ {term('action', action, lang)}{t('wb_done', lang)}"
    reload = {"id": case_id, "keep": True, "at": stamp}
    return (
        None,
        "",
        [],
        True,
        True,
        done_text,
        reload,
        {"id": case_id, "action": action, "at": stamp},
        None,
    )


def _matched(part: str) -> dict[str, Any]:
    """The id of ``part`` of the drawer a MATCH callback was fired by."""
    return drawer_id(MATCH, part)


def register_callbacks(app: Dash) -> None:
    """Load a case into the drawer; choose, fill in and send an action."""

    @app.callback(
        *outs(_matched, "root.className", "head.children", "actions.children", "body.children"),
        *outs(_matched, "message.children", "form.hidden", allow_duplicate=True),
        Input(drawer_id(MATCH, "case"), "data"),
        State("shell-session", "data"),
        *states(_matched, "lang.data", "message.children"),
        prevent_initial_call=True,
    )
    def load(
        opened: dict[str, Any] | None, session: dict[str, Any] | None, lang: Lang, shown: Any
    ) -> tuple[Any, ...]:
        if not opened or not opened.get("id") or not session:
            return "case-drawer", [], [], [], "", True
        aio_id = ctx.outputs_list[1]["id"]["aio_id"]
        client = api_client(session["token"])
        case_id = int(opened["id"])
        message = shown if opened.get("keep") else ""
        try:
            case = client.get(f"/api/incidents/{case_id}")
            events = client.get(f"/api/incidents/{case_id}/events")
        except ApiError as error:
            problem = f"{t('wb_cannot_open', lang)}：{error.detail}"
            return "case-drawer open", [], [], [], problem, True
        body = [
            case_facts(case, lang),
            photo_strip(client, case_id, wr.photo_ids(events), lang),
            timeline_list(events, lang),
        ]
        actions = action_buttons(aio_id, case, lang)
        return "case-drawer open", case_head(case, lang), actions, body, message, True

    @app.callback(
        Output(drawer_id(MATCH, "case"), "data", allow_duplicate=True),
        Input(drawer_id(MATCH, "close"), "n_clicks"),
        prevent_initial_call=True,
    )
    def close(clicks: int | None) -> Any:
        return None if clicks else no_update

    @app.callback(
        *outs(
            _matched, "chosen.data", "form-title.children", "fields.children", "photo-row.hidden"
        ),
        *outs(_matched, "form.hidden", "message.children", "case.data", allow_duplicate=True),
        *outs(_matched, "done.data", "photo.contents"),
        Input(action_id(MATCH, ALL), "n_clicks"),
        *ins(_matched, "submit.n_clicks", "cancel.n_clicks"),
        State(drawer_id(MATCH, "chosen"), "data"),
        State(field_id(MATCH, ALL), "value"),
        *states(_matched, "photo.contents", "photo.filename", "case.data"),
        State("shell-session", "data"),
        State(drawer_id(MATCH, "lang"), "data"),
        prevent_initial_call=True,
    )
    def act(
        _clicks: list[int | None],
        _submit: int | None,
        _cancel: int | None,
        chosen: str | None,
        values: list[Any],
        photo: str | None,
        photo_name: str | None,
        opened: dict[str, Any] | None,
        session: dict[str, Any] | None,
        lang: Lang,
    ) -> tuple[Any, ...]:
        nothing = (no_update,) * 9
        trigger = ctx.triggered_id
        if not ctx.triggered or not ctx.triggered[0].get("value") or not opened or not session:
            return nothing
        aio_id = ctx.outputs_list[0]["id"]["aio_id"]
        client = api_client(session["token"])
        case_id = int(opened["id"])
        if trigger.get("subcomponent") == "cancel":
            return None, "", [], True, True, "", no_update, no_update, None
        if trigger.get("component") == "CaseDrawerAction":
            action = str(trigger["action"])
            if not actionforms.one_click(action):
                try:
                    case = client.get(f"/api/incidents/{case_id}")
                    fields, takes_photo = form_inputs(aio_id, client, case, action, session, lang)
                except ApiError as error:
                    return (no_update,) * 5 + (error.detail, no_update, no_update, no_update)
                title = term("action", action, lang)
                return action, title, fields, not takes_photo, False, "", no_update, no_update, None
            body: dict[str, Any] = {}
        else:
            action = chosen or ""
            names = [item["id"]["field"] for item in ctx.states_list[1]]
            owing = action == "handle" and "reason" in names
            form = dict(zip(names, values, strict=True))
            body, missing = actionforms.action_body(action, form, owing=owing)
            if missing:
                text = actionforms.missing_text(action, missing, lang)
                return (no_update,) * 5 + (text, no_update, no_update, no_update)
        return _send(client, case_id, action, body, (photo, photo_name), lang)

    @app.callback(
        Output(drawer_id(MATCH, "photo-name"), "children"),
        *ins(_matched, "photo.filename", "photo.contents"),
        State(drawer_id(MATCH, "lang"), "data"),
    )
    def photo_chosen(filename: str | None, contents: str | None, lang: Lang) -> str:
        if not contents:
            return t("wb_photo_drop", lang)
        return f"{filename or t('wb_photos', lang)} · {t('wb_photo_ready', lang)}"
