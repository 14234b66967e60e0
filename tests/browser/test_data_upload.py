"""Browser: upload a round-trip file, read the preview, save, see the trips counted."""

from __future__ import annotations

import shutil

import pytest

from tests.data.conftest import make_register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (shutil.which("chromium") or shutil.which("chromium-browser")),
        reason="Chromium is not installed (apt-get install chromium)",
    ),
]

FILE = (
    "Køretøj;Lokation;Start;Slut;Km;Køretid min;Chauffør\n"
    "26;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:30;12,5;40;Jens\n"
    "264;Hjemmeplejen Nord;03-03-2026 07:15;03-03-2026 08:05;7;25;Ole\n"
    "AB1001;Hjemmeplejen Syd;04-03-2026 10:00;04-03-2026 11:00;4,2;;Eva\n"
)


def test_upload_preview_save_and_count(live_app, live_server_url, page, tmp_path, artifacts):
    make_register(live_app)
    upload = tmp_path / "rundture.csv"
    upload.write_text(FILE, encoding="utf-8")

    page.goto("/data/")
    page.select_option("#kind", "trips")
    page.set_input_files("#file", str(upload))
    page.click("text=Vis forhåndsvisning")
    preview = page.locator("#import-preview")
    preview.wait_for()
    assert preview.locator('[data-count="read"]').inner_text() == "3"
    assert preview.locator('[data-count="added"]').inner_text() == "3"
    assert preview.locator('[data-count="errors"]').inner_text() == "0"
    assert "Chauffør" in preview.inner_text()  # the driver column is ignored and reported
    assert preview.locator("table.sample tbody tr").count() == 3
    page.screenshot(path=str(artifacts / "data-upload-preview.png"), full_page=True)

    page.click("#import-preview button:has-text('Gem')")
    done = page.locator("#import-done")
    done.wait_for()
    assert done.locator('[data-count="added"]').inner_text() == "3"
    assert page.locator("#import-history tbody tr").first.locator("td").nth(6).inner_text() == "3"

    page.goto("/lokationer/")
    assert page.locator('[data-location="Hjemmeplejen Nord"] [data-trips]').inner_text() == "3"
    assert page.locator('[data-location="Hjemmeplejen Syd"] [data-trips]').inner_text() == "1"
