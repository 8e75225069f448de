"""The unit workbench in a real browser: claim a case by clicking, see it on the big screen.

Two officers of 消防 (xfj) have the workbench open on the same dispatched case; the first
claims it, the second's page still offers 签收 and gets the API's 409 as a sentence naming
who signed first.  The wall screen's ticker then shows the claim.
"""

from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from api.context import AppContext
from api.models import User
from api.security import hash_password
from api.workflow import Role
from tests.browser import chromium_page, screenshot
from tests.driver import PASSWORD, act, login, report
from tests.server import running_server

pytestmark = pytest.mark.browser

UNIT = "xfj"
SECOND = "officer2_xfj"


def _add_second_officer(context: AppContext) -> None:
    with context.db.write_session() as session:
        session.add(
            User(
                username=SECOND,
                full_name="消防承办人（二）",
                role=Role.officer,
                unit_code=UNIT,
                password_hash=hash_password(PASSWORD),
            )
        )


def _sign_in(page: object, base: str, username: str) -> None:
    page.goto(f"{base}/workbench")  # type: ignore[attr-defined]
    page.fill(".signin input[autocomplete=username]", username)  # type: ignore[attr-defined]
    page.fill(".signin input[type=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click(".signin button")  # type: ignore[attr-defined]


def _row(case_id: int, column: str) -> str:
    return f".ag-row[row-id='{case_id}'] .ag-cell[col-id='{column}']"


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_an_officer_claims_by_clicking_and_a_late_second_claim_is_told_who_won(
    city_context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINQING_SCREEN_USER", "screen")
    monkeypatch.setenv("MINQING_SCREEN_PASSWORD", PASSWORD)
    _add_second_officer(city_context)
    app = create_app(city_context.settings)
    with (
        running_server(app) as base,
        httpx.Client(base_url=base, timeout=15) as http,
        chromium_page(1920, 1080) as first,
    ):
        dispatcher = login(http, "dispatcher")
        case = report(http, dispatcher)
        case_id, case_no = case["id"], case["case_no"]
        act(http, dispatcher, case_id, "accept")
        act(http, dispatcher, case_id, "dispatch", unit=UNIT)

        browser = first.context.browser  # type: ignore[attr-defined]
        second = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
        _sign_in(first, base, "officer_xfj")
        _sign_in(second, base, SECOND)
        for page in (first, second):
            page.wait_for_selector(_row(case_id, "case_no"), timeout=20_000)
            assert page.inner_text(_row(case_id, "status")) == "待签收"
            assert page.inner_text("#workbench-k-dispatched") == "1"
        # the second officer opens the case first: it offers 签收, and the page stays so
        second.click(_row(case_id, "case_no"))
        second.wait_for_selector(".case-drawer.open .act-btn:text-is('签收')")
        assert case_no in second.inner_text(".case-drawer .drawer-case-no")

        first.click(_row(case_id, "case_no"))
        first.click(".case-drawer.open .act-btn:text-is('签收')")
        first.wait_for_selector(".drawer-message:has-text('签收完成')")
        first.wait_for_selector(".drawer-chips :text-is('已签收')")
        first.wait_for_function(
            f"document.querySelector(\"{_row(case_id, 'status')}\")?.innerText === '已签收'"
        )
        assert first.inner_text("#workbench-k-dispatched") == "0"
        assert first.inner_text("#workbench-k-in_hand") == "1"
        assert "签收" in first.inner_text(".case-drawer .timeline li:first-child")
        screenshot(first, "workbench-claimed")

        second.click(".case-drawer.open .act-btn:text-is('签收')")
        second.wait_for_selector(".drawer-message:has-text('抢先签收')")
        message = second.inner_text(".drawer-message")
        assert "officer_xfj" in message and "签收未成功" in message
        second.wait_for_selector(".drawer-chips :text-is('已签收')")
        assert second.query_selector(".case-drawer .act-btn:text-is('签收')") is None
        second.wait_for_function(
            f"document.querySelector(\"{_row(case_id, 'status')}\")?.innerText === '已签收'"
        )
        screenshot(second, "workbench-claim-conflict")

        owner = http.get(f"/api/incidents/{case_id}", headers=dispatcher).json()
        assert (owner["status"], owner["claimed_by"]) == ("claimed", "officer_xfj")

        first.goto(f"{base}/screen")
        line = first.wait_for_selector(f".ticker li:has(.ticker-no:text-is('{case_no}'))")
        assert line is not None
        first.wait_for_selector(f".ticker li:has(.ticker-no:text-is('{case_no}')):has-text('签收')")
        newest = first.inner_text(".ticker li:first-child")
        assert case_no in newest and "签收" in newest
