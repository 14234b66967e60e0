"""The planner's way through: new draft, edit with preview, PDF job, download; and the CLI."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.reports.conftest import logged_in
from tests.reports.pdftools import ReportPdf
from tests.support import work_queue


def _csrf(client, path: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_planner_drafts_edits_previews_and_makes_the_pdf(flow_app):
    report_app = flow_app
    recommended, alternative = flow_app.config["TEST_SCENARIO_IDS"]
    planner = logged_in(report_app, "planner")

    page = planner.get(f"/scenarier/{recommended}")
    assert f'href="/rapporter/ny?scenarie={recommended}"' in page.text  # "Lav rapport"
    page = planner.get(f"/rapporter/ny?scenarie={recommended}")
    assert page.status_code == 200 and "Anbefalet flåde" in page.text
    token = _csrf(planner, "/rapporter/ny")
    response = planner.post(
        "/rapporter/ny",
        data={
            "csrf_token": token,
            "scenario_id": recommended,
            "alternative_ids": [alternative, recommended],
            "include_baseline": "1",
        },
    )
    assert response.status_code == 302
    report_url = response.headers["Location"]
    report_id = int(report_url.rstrip("/").rsplit("/", 1)[1])

    page = planner.get(report_url)
    assert page.status_code == 200
    assert "at analysen af kørslen på lokationen Rådhuset tages til efterretning" in page.text
    assert "Forhåndsvisning" in page.text

    edited = {
        "csrf_token": token,
        "title": "Flåden på Rådhuset – til udvalget",
        "organisation": "Demo Kommune",
        "department": "Teknik og Miljø",
        "resume": "Vores eget resumé med <b>fed</b> skrift.\n\nAnden afsnit.",
        "indstilling": "1. at forslaget godkendes\nat økonomien følges",
        "sections": ["resume", "indstilling", "oekonomi"],
        "alternative_ids": [str(alternative)],
        "include_baseline": "1",
    }
    assert planner.post(report_url, data=edited).status_code == 302
    preview = planner.get(f"{report_url}/forhaandsvisning")
    assert preview.status_code == 200
    assert "Vores eget resumé med &lt;b&gt;fed&lt;/b&gt; skrift." in preview.text
    assert "<li>at forslaget godkendes</li>" in preview.text
    assert "/rapporter/static/report.css" in preview.text
    assert planner.get("/rapporter/static/report.css").status_code == 200

    response = planner.post(f"{report_url}/lav-pdf", data=edited)
    assert response.status_code == 302
    page = planner.get(report_url)
    assert "PDF&#39;en laves" in page.text or "PDF'en laves" in page.text
    with report_app.app_context():
        work_queue()

    with report_app.app_context():
        from app.extensions import db
        from app.models import Report

        report = db.session.get(Report, report_id)
        assert report.status == "finished", report.error
        assert report.job.status == "finished"
        path = Path(report_app.instance_path) / report.file_path
        data = path.read_bytes()
        assert path.parent.name == "reports"
        assert report.checksum == hashlib.sha256(data).hexdigest()
        assert report.size_bytes == len(data)
        assert report.alternative_ids == [alternative]
        assert report.parameters["co2_value_dkk_per_t"] == 1500
        assert report.created_by.email == "planner@kommune.dk"

    download = planner.get(f"{report_url}/pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data == data
    pdf = ReportPdf(data)
    assert pdf.reader.metadata["/Title"] == "Flåden på Rådhuset – til udvalget"
    text = pdf.text
    assert "Vores eget resumé med <b>fed</b> skrift." in text
    assert "1. at forslaget godkendes" in text and "2. at økonomien følges" in text
    assert "Teknik og Miljø" in text
    assert "Sagsfremstilling" not in text.split("Forudsætninger")[0]  # left out
    assert "Forudsætninger" in text  # always printed
    assert "Figur 1: Årlig omkostning og CO2e" in text  # numbered among the printed charts
    assert "Figur 2" not in text

    listing = planner.get("/rapporter/")
    assert "Flåden på Rådhuset – til udvalget" in listing.text
    assert f"/rapporter/{report_id}/pdf" in listing.text
    # A finished report is frozen: edits are refused, a copy is offered.
    assert planner.post(report_url, data=edited).status_code == 302
    with report_app.app_context():
        from app.extensions import db
        from app.models import Report

        assert db.session.get(Report, report_id).texts["resume"].startswith("Vores eget")

    viewer = logged_in(report_app, "viewer")
    assert viewer.get(f"{report_url}/pdf").data == data


def test_cli_builds_the_same_report(flow_app, tmp_path):
    report_app, scenario_ids = flow_app, flow_app.config["TEST_SCENARIO_IDS"]
    out = tmp_path / "rapport.pdf"
    runner = report_app.test_cli_runner()
    result = runner.invoke(
        args=[
            "report", "build", "--scenario", str(scenario_ids[0]),
            "--alternative", str(scenario_ids[1]), "--out", str(out),
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Rapport skrevet" in result.output
    pdf = ReportPdf(out.read_bytes())
    assert pdf.catalog["/Lang"] == "da"
    assert "CO2e halveret" in pdf.text

    result = runner.invoke(args=["report", "build", "--scenario", "999", "--out", str(out)])
    assert result.exit_code != 0 and "findes ikke" in result.output


def test_a_report_whose_scenario_is_gone_is_refused_with_a_danish_message(flow_app):
    report_app = flow_app
    with report_app.app_context():
        from app.extensions import db
        from app.jobs.service import enqueue
        from app.models import Report
        from app.reports.service import shown_status, start_pdf
        from reports.builder import ReportError

        report = Report(title="Forældreløs", scenario_id=None, texts={}, sections=[])
        db.session.add(report)
        db.session.commit()
        with pytest.raises(ReportError, match="Scenariet bag rapporten er slettet"):
            start_pdf(report, None)
        db.session.expire_all()
        report = db.session.get(Report, report.id)
        assert report.status == "draft" and report.job_id is None  # nothing queued
        # A scenario deleted after the job was queued: the job itself fails, in Danish.
        job = enqueue("report", {"report_id": report.id}, user=None, title="Rapport")
        report.job_id = job.id
        db.session.commit()
        work_queue()
        db.session.expire_all()
        report = db.session.get(Report, report.id)
        assert report.status == "failed" and shown_status(report) == "failed"
        assert report.error == "Scenariet bag rapporten er slettet."
        assert report.job.status == "failed" and report.job.error == report.error
        assert report.file_path is None
    planner = logged_in(report_app, "planner")
    page = planner.get(f"/rapporter/{report.id}")
    assert "PDF&#39;en kunne ikke laves" in page.text or "PDF'en kunne ikke laves" in page.text
    assert "Scenariet bag rapporten er slettet." in page.text


def test_copy_keeps_the_texts_and_only_the_author_or_an_admin_deletes(flow_app):
    report_app, scenario_ids = flow_app, flow_app.config["TEST_SCENARIO_IDS"]
    planner = logged_in(report_app, "planner")
    token = _csrf(planner, "/rapporter/ny")
    response = planner.post(
        "/rapporter/ny",
        data={"csrf_token": token, "scenario_id": scenario_ids[1], "include_baseline": "1"},
    )
    source_url = response.headers["Location"]
    form = {
        "csrf_token": token,
        "title": "Kladde til kopi",
        "resume": "Egen tekst.",
        "indstilling": "at noget besluttes",
        "sections": ["resume"],
        "include_baseline": "1",
    }
    planner.post(source_url, data=form)
    response = planner.post(f"{source_url}/kopi", data={"csrf_token": token})
    copy_url = response.headers["Location"]
    assert copy_url != source_url
    page = planner.get(copy_url)
    assert "Egen tekst." in page.text and 'value="Kladde til kopi"' in page.text

    with report_app.app_context():
        from app.auth.service import create_user
        from app.models import Role

        create_user("planner2@kommune.dk", "korrekt-hest-batteri", Role.PLANNER, "Anden")
    other = logged_in(report_app, "planner2")
    other_token = _csrf(other, "/rapporter/")
    assert other.post(f"{copy_url}/slet", data={"csrf_token": other_token}).status_code == 403
    admin = logged_in(report_app, "admin")
    admin_token = _csrf(admin, "/rapporter/")
    assert admin.post(f"{copy_url}/slet", data={"csrf_token": admin_token}).status_code == 302
    assert planner.get(copy_url).status_code == 404
    assert planner.post(f"{source_url}/slet", data={"csrf_token": token}).status_code == 302
