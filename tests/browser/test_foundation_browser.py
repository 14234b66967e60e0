"""Log in, see the landing KPIs, start the demo-data job and watch it finish."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.conftest import create_user


def test_login_kpis_and_demo_job(live_app, anon_page, artifacts):
    page = anon_page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("h1")).to_have_text("Log ind")

    create_user(live_app, "planner")
    log_in(page, "planner@kommune.dk")
    expect(page.locator("h1")).to_have_text("Forside")
    expect(page.locator('[data-kpi="vehicles"]')).to_have_text("0")

    page.get_by_role("button", name="Indlæs demodata").click()
    status = page.locator(".job-status")
    expect(status).to_be_visible()
    # The fragment polls itself every second until the job is done.
    expect(status).to_have_attribute("data-status", "finished", timeout=120_000)
    expect(status.locator(".job-percent")).to_have_text("100 %")

    page.reload()
    vehicles = page.locator('[data-kpi="vehicles"]').inner_text()
    assert int(vehicles.replace(".", "")) >= 60
    trips = page.locator('[data-kpi="trips"]').inner_text()
    assert int(trips.replace(".", "")) > 1000
    expect(page.locator('[data-kpi="fossil-free"]')).to_contain_text("%")
    page.screenshot(path=str(artifacts / "forside.png"), full_page=True)


def test_viewer_sees_no_demo_button_and_no_admin_menu(live_app, anon_page):
    create_user(live_app, "viewer")
    log_in(anon_page, "viewer@kommune.dk")
    expect(anon_page.get_by_role("button", name="Indlæs demodata")).to_have_count(0)
    expect(anon_page.get_by_role("link", name="Administration")).to_have_count(0)
