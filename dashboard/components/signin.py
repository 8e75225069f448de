"""The sign-in form: any page that needs a user shows it until the session holds a token."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard.client import ApiError, sign_in
from dashboard.i18n import Lang, t


def signin_id(aio_id: str, subcomponent: str) -> dict[str, str]:
    """The id of one part of the form ``aio_id``."""
    return {"component": "SignIn", "subcomponent": subcomponent, "aio_id": aio_id}


class SignIn(html.Form):
    """Username, password, a button and the API's answer."""

    def __init__(self, aio_id: str, lang: Lang = "zh", hint: str = "") -> None:
        super().__init__(
            [
                html.H3(t("sign_in", lang)),
                html.P(hint, className="signin-hint") if hint else None,
                dcc.Input(
                    id=signin_id(aio_id, "username"),
                    placeholder=t("username", lang),
                    autoComplete="username",
                    className="signin-input",
                ),
                dcc.Input(
                    id=signin_id(aio_id, "password"),
                    type="password",
                    placeholder=t("password", lang),
                    autoComplete="current-password",
                    className="signin-input",
                ),
                html.Button(
                    t("sign_in", lang), id=signin_id(aio_id, "submit"), type="button", n_clicks=0
                ),
                html.Div(id=signin_id(aio_id, "message"), className="signin-message"),
            ],
            className="signin",
            id=aio_id,
        )


def session_of(answer: dict[str, Any]) -> dict[str, Any]:
    """What the browser's session store keeps of a token answer."""
    return {
        "token": answer["access_token"],
        "username": answer["username"],
        "role": answer["role"],
        "unit": answer.get("unit"),
        "grid_codes": answer.get("grid_codes", []),
        "expires_at": answer.get("expires_at"),
    }


def register_callbacks(app: Dash) -> None:
    """One callback serves the form on whichever page shows it."""

    @app.callback(
        Output("shell-session", "data", allow_duplicate=True),
        Output(signin_id(ALL, "message"), "children"),  # type: ignore[arg-type]
        Input(signin_id(ALL, "submit"), "n_clicks"),  # type: ignore[arg-type]
        State(signin_id(ALL, "username"), "value"),  # type: ignore[arg-type]
        State(signin_id(ALL, "password"), "value"),  # type: ignore[arg-type]
        prevent_initial_call=True,
    )
    def submit(
        clicks: list[int | None], usernames: list[str | None], passwords: list[str | None]
    ) -> tuple[Any, list[str]]:
        messages = [""] * len(clicks)
        if not any(clicks) or not ctx.triggered_id:
            return no_update, messages
        index = [item["id"] for item in ctx.inputs_list[0]].index(ctx.triggered_id)
        username, password = usernames[index] or "", passwords[index] or ""
        if not username or not password:
            messages[index] = "请输入用户名和密码 / enter a username and password"
            return no_update, messages
        try:
            answer = sign_in(username, password)
        except ApiError as error:
            messages[index] = f"登录失败 / sign-in failed: {error.detail}"
            return no_update, messages
        return session_of(answer), messages

    @app.callback(
        Output("shell-session", "data", allow_duplicate=True),
        Input("shell-signout", "n_clicks"),
        prevent_initial_call=True,
    )
    def sign_out(clicks: int | None) -> Any:
        return None if clicks else no_update
