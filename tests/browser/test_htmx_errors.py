"""Browser: an htmx request answered with an error shows the server's Danish message.

htmx 2 drops 4xx/5xx responses unless told otherwise; static/app.js puts the message of
any error response that no form handles itself (e.g. the 503 "Baggrundskøen svarer ikke")
at the top of the page, as text.
"""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (shutil.which("chromium") or shutil.which("chromium-browser")),
        reason="Chromium is not installed (apt-get install chromium)",
    ),
]


def test_an_htmx_error_response_is_shown_as_text(page):
    page.goto("/")
    # an htmx GET that the server answers 404 (a scenario that does not exist)
    page.evaluate(
        "htmx.ajax('GET', '/scenarier/999999/koeretoejer', {target: 'main', swap: 'beforeend'})"
    )
    alert = page.locator("#htmx-error")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    assert alert.inner_text().strip()
    assert "<" not in alert.inner_text()  # text, never the server's HTML
