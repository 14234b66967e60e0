"""Browser tests: Playwright driving the system Chromium against a live server.

The server runs in a thread on a free port with its own SQLite file and an in-process
Redis, and a background thread works the job queue, so jobs really run. Skipped with a
reason when Chromium is not installed (`./fleet test` installs it on Debian).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, PASSWORD, create_user, make_app
from tests.support import live_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def live_app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def live_server_url(live_app):
    with live_server(live_app) as url:
        yield url


@pytest.fixture
def anon_page(browser, live_server_url):
    context = browser.new_context(locale="da-DK", base_url=live_server_url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture
def page(live_app, anon_page):
    """A page logged in as a planner."""
    create_user(live_app, "planner")
    log_in(anon_page, "planner@kommune.dk")
    return anon_page


@pytest.fixture
def admin_page(live_app, anon_page):
    create_user(live_app, "admin")
    log_in(anon_page, "admin@kommune.dk")
    return anon_page


@pytest.fixture
def artifacts() -> Path:
    """Screenshots land here so a person can look at them after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
