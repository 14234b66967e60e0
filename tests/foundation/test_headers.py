"""Security headers on every response; HSTS only behind HTTPS (FLEET_HTTPS=1)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_app

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
CSP_PARTS = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
]


def check(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.request.path)
    csp = response.headers["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in csp, (part, response.request.path)
    assert "unsafe" not in csp


@pytest.mark.parametrize(
    "path", ["/login", "/healthz", "/static/app.css", "/static/app.js", "/findes-ikke", "/"]
)
def test_headers_on_public_pages_errors_static_and_redirects(app, path):
    check(app.test_client().get(path))


def test_headers_on_every_page_for_a_logged_in_user(app, admin_client):
    from tests.foundation.test_access import build_path

    checked = 0
    with app.test_request_context():
        paths = [build_path(r) for r in app.url_map.iter_rules() if "GET" in r.methods]
    for path in paths:
        response = admin_client.get(path)
        if path.endswith("/forhaandsvisning"):
            continue  # its own policy: see the test below
        check(response)
        assert "Strict-Transport-Security" not in response.headers
        checked += 1
    assert checked > 40


def test_report_preview_may_be_framed_by_our_own_page_only_and_runs_no_script(app, admin_client):
    from app.extensions import db
    from app.models.reports import Report

    with app.app_context():
        report = Report(title="Uden scenarie", status="draft")  # preview says why not: 409
        db.session.add(report)
        db.session.commit()
        report_id = report.id
    response = admin_client.get(f"/rapporter/{report_id}/forhaandsvisning")
    assert response.status_code == 409
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "default-src 'none'" in csp
    assert "script-src" not in csp and "sandbox" in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_hsts_only_behind_https(tmp_path):
    app = make_app(tmp_path, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    check(response)


def test_pages_carry_no_inline_script_style_or_handlers(app, admin_client):
    """What the CSP would block must not be in our templates at all."""
    from pathlib import Path

    root = Path(app.root_path) / "templates"
    offenders = []
    pattern = re.compile(
        r"<script(?![^>]*\bsrc=)|<style|\bstyle=|\son[a-z]+=|hx-on[:-]|javascript:"
    )
    for template in root.rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{template.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
    page = admin_client.get("/")
    assert '<meta name="htmx-config"' in page.text
    assert '"allowEval": false' in page.text and '"includeIndicatorStyles": false' in page.text
