"""Browser: the key pages work under the Content-Security-Policy, with no violation.

A listener collects every CSP report (the `securitypolicyviolation` event, added before any
page script runs) and every console message about a refused script, style or frame;
the flows click through the HTMX partials: an upload with its preview and an error
fragment (4xx, swapped by static/app.js), saving, a simulation's steppers, its run
polled to the end, charts, the driving plan, the report preview in its frame, and the
confirmation dialog before deleting.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_data_upload import test_upload_preview_save_and_count as upload_flow
from tests.data.conftest import local, make_register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (shutil.which("chromium") or shutil.which("chromium-browser")),
        reason="Chromium is not installed (apt-get install chromium)",
    ),
]

LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The planner's page, with every CSP violation and page error collected."""
    problems: list[str] = []
    page.add_init_script(LISTENER)
    page.on(
        "console",
        lambda message: problems.append(f"console: {message.text}")
        if "Content Security Policy" in message.text or "Refused to" in message.text
        else None,
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))

    def check():
        for frame in page.frames:
            problems.extend(f"csp: {v}" for v in frame.evaluate("window.__csp || []"))
        assert not problems, "\n".join(problems)

    page.check_csp = check
    return page


def test_upload_flow_has_no_csp_violation(live_app, live_server_url, watched, tmp_path, artifacts):
    upload_flow(live_app, live_server_url, watched, tmp_path, artifacts)
    watched.check_csp()
    # An error fragment (422: a bad row) is swapped in by app.js's data-swap-errors.
    bad = tmp_path / "fejl.csv"
    bad.write_text(
        "Køretøj;Lokation;Start;Slut;Km\nFINDES-IKKE;Hjemmeplejen Nord;x;y;z\n", encoding="utf-8"
    )
    watched.goto("/data/")
    watched.select_option("#kind", "trips")
    watched.set_input_files("#file", str(bad))
    watched.click("text=Vis forhåndsvisning")
    expect(watched.locator("#import-result")).not_to_be_empty()
    expect(watched.locator('#import-preview [data-count="errors"]')).not_to_have_text("0")
    watched.check_csp()


def test_scenario_pages_work_under_the_csp(live_app, watched, artifacts):
    from app.extensions import db
    from app.models import RoundTrip, User
    from app.scenarios.service import ScenarioSetup, create_scenario

    register = make_register(live_app)
    with live_app.app_context():
        for day in range(1, 15):
            for number, fleet_id in enumerate(("26", "264")):
                start = local(2026, 3, day, 11 + number, 0)
                db.session.add(
                    RoundTrip(
                        vehicle_id=register["vehicles"][fleet_id],
                        location_id=register["nord"],
                        start_time=start,
                        end_time=start + timedelta(hours=2),
                        distance_km=25.0,
                        driving_minutes=50,
                    )
                )
        db.session.commit()
        owner = db.session.scalar(db.select(User).where(User.email == "planner@kommune.dk"))
        scenario = create_scenario(
            ScenarioSetup(
                name="CSP-simulering",
                kind="simulate",
                period_start=date(2026, 3, 1),
                period_end=date(2026, 3, 31),
                location_ids=[register["nord"]],
            ),
            owner,
        )
        scenario_id = scenario.id
    page = watched
    page.goto(f"/scenarier/{scenario_id}")
    field = page.locator("td.stepper input").first
    before = int(field.input_value())
    page.locator("td.stepper button[data-step=down]").first.click()
    assert int(field.input_value()) == max(before - 1, int(field.get_attribute("min") or 0))
    page.locator("td.stepper button[data-step=up]").first.click()
    assert int(field.input_value()) == before
    page.get_by_role("button", name="Kør simulering").click()
    expect(page.locator(".progress")).to_be_visible()
    expect(page.locator("#results-heading")).to_be_visible(timeout=120_000)
    expect(page.locator(".chart-svg svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#plan table")).to_be_visible()
    page.screenshot(path=str(artifacts / "csp-scenarie.png"), full_page=True)
    page.check_csp()

    page.goto("/dashboards/")
    page.check_csp()

    # The report preview is framed by its own page (frame-ancestors 'self' there only).
    from app.reports.service import create_draft

    with live_app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == "planner@kommune.dk"))
        report_id = create_draft(scenario_id, [], True, owner).id
    page.goto(f"/rapporter/{report_id}")
    preview = page.frame_locator("iframe.report-preview")
    expect(preview.locator("h1").first).to_be_visible(timeout=30_000)
    page.check_csp()

    # The confirmation before deleting comes from app.js (no inline onsubmit): dismiss
    # it once (nothing happens), then accept.
    page.goto(f"/scenarier/{scenario_id}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Slet").click()
    expect(page.locator("h1")).to_contain_text("CSP-simulering")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Slet").click()
    expect(page.locator(".flash-success")).to_contain_text("er slettet")
    page.check_csp()
