"""Hostile text stays text, WeasyPrint fetches nothing it should not, roles are enforced."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reports.fetcher import APP_STATIC, REPORT_STATIC, FetchRefused, ReportUrlFetcher
from tests.reports.conftest import logged_in
from tests.reports.pdftools import ReportPdf

HOSTILE_TITLE = "<script>alert('x')</script> ../../etc/passwd <img src=http://127.0.0.1:9/spy.png>"


def test_hostile_texts_render_as_text_and_fetch_nothing(report_ctx, scenario_ids):
    from reports.builder import ReportRequest, build_report

    built = build_report(
        ReportRequest(
            scenario_id=scenario_ids[0],
            title=HOSTILE_TITLE,
            organisation='<img src="https://evil.example/logo.png"> Kommune',
            resume='Resumé <img src="file:///etc/passwd"> <link rel=stylesheet href=http://x/y.css>',
            indstilling='at <a href="file:///etc/passwd">dette</a> vedtages\n<script>x()</script>',
            sections=["resume", "indstilling"],
        )
    )
    static = REPORT_STATIC.as_uri()
    assert all(u.startswith(("data:", static)) for u in built.fetched), built.fetched
    assert "<script" not in built.html and "<img src=http" not in built.html
    assert "&lt;script&gt;" in built.html
    pdf = ReportPdf(built.pdf)
    assert pdf.reader.metadata["/Title"] == HOSTILE_TITLE
    # Printed as the text the planner typed (compared without spaces: lines wrap).
    text = _nospace(pdf.text)
    assert _nospace(HOSTILE_TITLE) in text
    assert _nospace('<img src="https://evil.example/logo.png"> Kommune') in text
    assert _nospace('1. at <a href="file:///etc/passwd">dette</a> vedtages') in text
    assert _nospace(pdf.headers[1]).startswith(_nospace(HOSTILE_TITLE)[:30])
    figures = [e for e in pdf.structure_elements() if e["/S"] == "/Figure"]
    assert figures == []  # no chart sections chosen, and no user text became an image


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/spy.png",
        "https://evil.example/logo.png",
        "ftp://evil.example/x",
        "file:///etc/passwd",
        "file://evil.example/etc/passwd",
        f"{REPORT_STATIC.as_uri()}/../../app/config.py",
        f"{REPORT_STATIC.as_uri()}/%2e%2e/%2e%2e/wsgi.py",
        "file:///work/main/instance/secret_key",
        "javascript:alert(1)",
        "fleetreport:report.css",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    fetcher = ReportUrlFetcher()
    with pytest.raises(FetchRefused):
        fetcher(url)
    assert fetcher.calls == [url]


def test_fetcher_serves_static_files_data_urls_and_only_the_logo(tmp_path):
    logo = tmp_path / "branding" / "logo.png"
    logo.parent.mkdir()
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "branding" / "other.png").write_bytes(b"x")
    fetcher = ReportUrlFetcher(logo=logo)
    css = fetcher((REPORT_STATIC / "report.css").as_uri())
    assert b"@page" in css["string"] and css["mime_type"] == "text/css"
    assert fetcher((APP_STATIC / "app.css").as_uri())["string"]
    assert fetcher(logo.as_uri())["mime_type"] == "image/png"
    assert fetcher("data:image/svg+xml;base64,PHN2Zy8+")["string"] == b"<svg/>"
    with pytest.raises(FetchRefused):
        fetcher((tmp_path / "branding" / "other.png").as_uri())


def test_fetcher_refuses_a_symlink_out_of_the_static_folder(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "ok.css").write_text("p {}")
    (static / "escape.css").symlink_to("/etc/hostname")
    fetcher = ReportUrlFetcher(static_dirs=[static])
    assert fetcher((static / "ok.css").as_uri())["string"] == b"p {}"
    with pytest.raises(FetchRefused):
        fetcher(f"file://{static}/escape.css")


def test_weasyprint_never_gets_past_the_fetcher_for_network_images():
    from reports.builder import write_pdf

    fetcher = ReportUrlFetcher()
    html = (
        '<html lang="da"><head><title>t</title>'
        '<link rel="stylesheet" href="https://evil.example/x.css"></head>'
        '<body><p>Tekst</p><img src="http://127.0.0.1:9/spy.png" alt="spion"></body></html>'
    )
    pdf = write_pdf(html, fetcher)
    assert pdf.startswith(b"%PDF")
    assert "https://evil.example/x.css" in fetcher.calls
    assert "http://127.0.0.1:9/spy.png" in fetcher.calls  # asked, refused, never connected


def test_viewers_cannot_create_or_make_reports(report_app, scenario_ids):
    viewer = logged_in(report_app, "viewer")
    assert viewer.get("/rapporter/").status_code == 200
    assert viewer.get(f"/rapporter/ny?scenarie={scenario_ids[0]}").status_code == 403
    token = _csrf(viewer)
    response = viewer.post(
        "/rapporter/ny", data={"csrf_token": token, "scenario_id": scenario_ids[0]}
    )
    assert response.status_code == 403
    assert viewer.post("/rapporter/1/lav-pdf", data={"csrf_token": token}).status_code in (
        403,
        404,
    )
    assert viewer.get("/rapporter/udseende").status_code == 403


def test_only_admins_set_name_and_logo(report_app):
    planner = logged_in(report_app, "planner")
    assert planner.get("/rapporter/udseende").status_code == 403
    admin = logged_in(report_app, "admin")
    assert admin.get("/rapporter/udseende").status_code == 200


def test_logo_upload_accepts_png_and_rejects_svg_and_fakes(report_app):
    from PIL import Image

    admin = logged_in(report_app, "admin")
    token = _csrf(admin, "/rapporter/udseende")

    def upload(name: str, data: bytes):
        return admin.post(
            "/rapporter/udseende",
            data={
                "csrf_token": token,
                "organisation": "Testrup Kommune",
                "department": "",
                "logo": (io.BytesIO(data), name),
            },
            content_type="multipart/form-data",
        )

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert upload("logo.svg", svg).status_code == 400
    assert upload("logo.png", b"\x89PNG\r\n\x1a\nnot really").status_code == 400
    assert upload("big.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10)).status_code == 400
    png = io.BytesIO()
    Image.new("RGB", (120, 40), "navy").save(png, format="PNG")
    assert upload("logo.png", png.getvalue()).status_code == 302
    stored = Path(report_app.instance_path) / "branding" / "logo.png"
    assert stored.read_bytes() == png.getvalue()
    assert admin.get("/rapporter/logo").status_code == 200
    with report_app.app_context():
        from app.reports.service import branding, logo_path

        assert branding()["organisation"] == "Testrup Kommune"
        assert logo_path() == stored.resolve()
        from reports.builder import ReportRequest, build_report

        built = build_report(
            ReportRequest(
                scenario_id=report_app.config["TEST_SCENARIO_IDS"][0],
                organisation="Testrup Kommune",
                sections=[],
                logo_path=logo_path(),
            )
        )
    assert stored.resolve().as_uri() in built.fetched
    figures = [e for e in ReportPdf(built.pdf).structure_elements() if e["/S"] == "/Figure"]
    assert [str(f["/Alt"]) for f in figures] == ["Logo: Testrup Kommune"]
    response = admin.post(
        "/rapporter/udseende", data={"csrf_token": token, "action": "remove_logo"}
    )
    assert response.status_code == 302
    assert not stored.exists()


def test_anonymous_users_are_sent_to_login(report_app):
    client = report_app.test_client()
    response = client.get("/rapporter/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/rapporter/1/pdf").status_code == 302


def _nospace(text: str) -> str:
    return "".join(text.split())


def _csrf(client, path: str = "/rapporter/") -> str:
    import re

    page = client.get(path)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match
    return match.group(1)
