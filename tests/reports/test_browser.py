"""Browser: the planner edits the draft, sees the preview, makes the PDF and downloads it."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.conftest import log_in
from tests.reports.conftest import ARTIFACTS
from tests.support import live_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (shutil.which("chromium") or shutil.which("chromium-browser")),
        reason="Chromium is not installed (apt-get install chromium)",
    ),
]


@pytest.fixture
def report_server(report_app):
    with live_server(report_app) as url:
        yield url


def test_edit_preview_make_and_download(browser, report_server, scenario_ids):
    context = browser.new_context(locale="da-DK", base_url=report_server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        log_in(page, "planner@kommune.dk")
        page.goto(f"/scenarier/{scenario_ids[0]}")
        page.click("text=Lav rapport")
        page.check(f"input[name=alternative_ids][value='{scenario_ids[1]}']")
        page.click("text=Skriv udkast")
        page.wait_for_selector("#resume")
        assert "lokationen Rådhuset" in page.input_value("#resume")

        page.fill("#title", "Flådeanalyse: Rådhuset (browsertest)")
        page.fill("#resume", "Et resumé skrevet i browseren.")
        page.click("text=Gem og opdatér forhåndsvisning")
        preview = page.frame_locator("iframe.report-preview")
        preview.locator("#resume").wait_for()
        assert "Et resumé skrevet i browseren." in preview.locator("#resume").inner_text()
        assert preview.locator("figure img").count() >= 5
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-editor.png"), full_page=True)

        page.click("button:has-text('Lav PDF')")
        page.wait_for_selector("text=Hent PDF", timeout=120_000)  # the page reloads when done
        with page.expect_download() as download_info:
            page.click("a:has-text('Hent PDF')")
        download = download_info.value
        path = ARTIFACTS / "browser-download.pdf"
        download.save_as(path)
        assert path.read_bytes().startswith(b"%PDF")
        page.goto("/rapporter/")
        assert page.locator("text=Flådeanalyse: Rådhuset (browsertest)").count() == 1
    finally:
        context.close()
