"""A planner creates a scenario on the demo data, runs an optimisation, watches the
progress bar finish, opens the results, downloads the XLSX and compares two scenarios."""

from __future__ import annotations

import io

from playwright.sync_api import expect

from tests.scenarios.conftest import DEMO_END, SHORT_START


def create_and_run(page, name: str, kind_label: str) -> str:
    page.goto("/scenarier/ny")
    page.fill("#name", name)
    page.get_by_label(kind_label, exact=True).check()
    page.fill("#period_start", SHORT_START.isoformat())
    page.fill("#period_end", DEMO_END.isoformat())
    # exact: the allocation step has "Behold dagens biltype: Rådhuset" too
    page.get_by_role("checkbox", name="Rådhuset", exact=True).check()
    expect(page.locator("#period-preview")).to_contain_text("rundture")
    page.get_by_label("Beregn alternativer langs afvejningen mellem omkostning og CO2e").uncheck()
    page.get_by_role("button", name="Opret scenarie").click()
    expect(page.locator("h1")).to_contain_text(name)
    button = "Kør optimering" if kind_label == "Optimering" else "Kør simulering"
    page.get_by_role("button", name=button).click()
    return page.url


def test_planner_runs_optimisation_and_compares(live_app, page, artifacts):
    from app.demo.service import load_demo_data

    with live_app.app_context():
        load_demo_data(seed=2026, end=DEMO_END)

    create_and_run(page, "Rådhuset optimeret", "Optimering")
    status = page.locator(".job-status")
    expect(status).to_be_visible()
    expect(page.locator(".progress")).to_be_visible()
    # When the job is done the fragment asks for a page reload and the results appear.
    expect(page.locator("#results-heading")).to_be_visible(timeout=180_000)
    expect(page.locator(".kpi").first).to_be_visible()
    # like for like: today as driven, today re-planned, the proposal and both effects
    expect(page.locator("table.comparison thead")).to_contain_text("I dag, omplanlagt")
    expect(page.locator("table.comparison thead")).to_contain_text("Effekt af flådeændringen")
    expect(page.locator("#diagram-omkostning svg")).to_be_visible(timeout=30_000)
    expect(page.locator("#plan table")).to_be_visible()
    page.screenshot(path=str(artifacts / "scenarie-resultat.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Hent Excel (XLSX)").click()
    from openpyxl import load_workbook

    # Playwright saves downloads without a file extension; openpyxl wants a stream then.
    workbook = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    assert "Parametre" in workbook.sheetnames and "Køreplan" in workbook.sheetnames

    create_and_run(page, "Rådhuset i dag", "Simulering")
    expect(page.locator("#results-heading")).to_be_visible(timeout=180_000)

    page.goto("/scenarier/sammenlign")
    page.get_by_label("Rådhuset optimeret").check()
    page.get_by_label("Rådhuset i dag").check()
    page.get_by_role("button", name="Sammenlign").click()
    expect(page.locator("table.compare")).to_contain_text("Årlig omkostning")
    expect(page.locator("table.compare thead")).to_contain_text("Rådhuset optimeret")
    page.screenshot(path=str(artifacts / "scenarie-sammenligning.png"), full_page=True)
