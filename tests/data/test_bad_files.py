"""The bad-file corpus: each file gives its Danish message and changes nothing."""

from __future__ import annotations

import html
import io

import pytest

from tests.conftest import csrf_token
from tests.data.conftest import BAD, fingerprint

# file -> (upload kind, expected message (part of it))
CORPUS = {
    "empty.csv": ("trips", "Filen er tom."),
    "only_blank_lines.csv": ("trips", "Filen er tom."),
    "binary.csv": ("trips", "Filen er ikke en tabel: den indeholder binære data."),
    "old_excel.xls": ("trips", "Filtypen understøttes ikke"),
    "not_really.xlsx": ("trips", "Filen hedder .xlsx, men er ikke en gyldig Excel-fil."),
    "html_page.csv": ("trips", "Filen er en HTML- eller XML-side, ikke en tabel"),
    "wrong_headers.csv": ("trips", "Filen mangler kolonnerne «Køretøj», «Start», «Slut», «Km»"),
    "missing_km_column.csv": ("trips", "Filen mangler kolonnerne «Km»"),
    "wrong_delimiter.csv": ("trips", "Filen ser ud til at have kun én kolonne"),
    "headers_only.csv": ("trips", "Filen har overskrifter, men ingen rækker med data."),
    "unparseable_date.csv": (
        "trips",
        "Række 3, kolonne «Start», værdi «i går kl. 8»: Tidspunktet kan ikke læses",
    ),
    "impossible_date.csv": (
        "trips",
        "Række 2, kolonne «Start», værdi «31-02-2026 08:00»: Datoen findes ikke",
    ),
    "end_before_start.csv": (
        "trips",
        "Række 2, kolonne «Slut», værdi «03-03-2026 09:00»: Sluttidspunktet ligger før",
    ),
    "negative_km.csv": (
        "trips",
        "Række 2, kolonne «Km», værdi «-4»: Kilometer kan ikke være negativ.",
    ),
    "absurd_km.csv": ("trips", "Over 1.500 km på én rundtur er urealistisk"),
    "absurd_speed.csv": ("trips", "urealistisk gennemsnitsfart (over 150 km/t)"),
    "km_not_a_number.csv": ("trips", "Række 2, kolonne «Km», værdi «ti»: Her forventes et tal."),
    "driving_longer_than_trip.csv": (
        "trips",
        "Køretiden skal være mellem 0 og rundturens varighed.",
    ),
    "duplicate_rows.csv": (
        "trips",
        "Rundturen står to gange i filen (samme køretøj, start og slut som række 2).",
    ),
    "overlapping_trips.csv": (
        "trips",
        "Række 3, kolonne «Start», værdi «03-03-2026 09:00»: Rundturen overlapper række 2",
    ),
    "overlaps_stored_trip.csv": (
        "trips",
        "Rundturen overlapper en rundtur, der allerede er gemt for samme køretøj "
        "(02-03-2026 08:00–02-03-2026 10:00).",
    ),
    "unknown_vehicle.csv": ("trips", "værdi «XX999»: Køretøjet findes ikke i køretøjsregisteret"),
    "substring_vehicle_id.csv": ("trips", "værdi «2»: Køretøjet findes ikke i køretøjsregisteret"),
    "empty_vehicle.csv": ("trips", "Række 2, kolonne «Køretøj»: Køretøj mangler."),
    "unknown_location.csv": ("trips", "værdi «Hjemmeplejen Øst»: Lokationen findes ikke."),
    "missing_end_cell.csv": ("trips", "kolonne «Slut»: Feltet er tomt; der skal stå et tidspunkt."),
    "comma_delimiter_decimal_comma.csv": (
        "trips",
        "Række 3, kolonne «distance_km», værdi «-3,5»: Kilometer kan ikke være negativ.",
    ),
    "bom_utf8.csv": ("trips", "Række 3, kolonne «Køretøj», værdi «ZZ1»: Køretøjet findes ikke"),
    "windows1252_aeoeaa.csv": ("trips", "værdi «Sønderå Ældrecenter»: Lokationen findes ikke."),
    "excel_serial_dates.csv": (
        "trips",
        "Række 3, kolonne «Slut», værdi «46084,4»: Sluttidspunktet ligger før",
    ),
    "dst_spring_forward.csv": (
        "trips",
        "Række 3, kolonne «Start», værdi «29.03.2026 02:30:00»: "
        "Tidspunktet findes ikke i dansk tid",
    ),
    "formula_cell.csv": ("trips", "Cellen indeholder en formel."),
    "formula_without_value.xlsx": (
        "trips",
        "Række 2, kolonne «Km», værdi «=B2*2»: Cellen indeholder en formel.",
    ),
    "html_in_text.csv": (
        "vehicles",
        "Række 2, kolonne «Mærke», værdi «<script>alert(1)</script>»: "
        "Teksten må ikke indeholde HTML.",
    ),
    "huge_row_count.csv": ("trips", "Filen har mere end 1.000 rækker (grænsen for én import)."),
    "wrong_sheet.xlsx": ("trips", "Ingen af arkene («Noter», «Ark2») har de nødvendige kolonner"),
    "vehicle_type_fuel_mismatch.csv": ("vehicles", "Elbil kan ikke køre på Diesel (tilladt: El)."),
    "vehicle_duplicate_fleet_id.csv": (
        "vehicles",
        "Række 3, kolonne «Vognnummer», værdi «NY3»: Vognnummeret står også i række 2.",
    ),
    "vehicle_unknown_type.csv": ("vehicles", "værdi «Rumskib»: Ukendt type."),
    "location_bad_parking_points.csv": ("locations", "«ved kirken» kan ikke læses."),
    "gps_overlapping_drives.csv": (
        "gps",
        "Række 3, kolonne «Start», værdi «03-03-2026 08:30»: Turen overlapper række 2",
    ),
    "gps_drive_too_long.csv": ("gps", "Turen varer over 12 timer"),
}


def test_corpus_is_complete():
    files = {p.name for p in BAD.iterdir() if p.is_file()}
    assert files == set(CORPUS)
    assert len(files) >= 25


@pytest.fixture
def small_row_limit(app):
    app.config["FLEET_IMPORT_MAX_ROWS"] = 1000


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_is_refused_with_its_message(app, register, small_row_limit, name):
    from app.data.service import run_import

    kind, expected = CORPUS[name]
    before = fingerprint(app)
    with app.app_context():
        report = run_import(kind, BAD / name, name, apply=True)
        messages = [error.text() for error in report.errors]
    assert not report.applied
    assert report.error_count >= 1
    assert any(expected in message for message in messages), messages
    assert fingerprint(app) == before


@pytest.mark.parametrize(
    "name", ["binary.csv", "overlapping_trips.csv", "html_in_text.csv", "windows1252_aeoeaa.csv"]
)
def test_bad_file_message_in_the_upload_preview(app, register, planner_client, name):
    kind, expected = CORPUS[name]
    before = fingerprint(app)
    token = csrf_token(planner_client, "/data/")
    response = planner_client.post(
        "/data/upload",
        data={"kind": kind, "file": (io.BytesIO((BAD / name).read_bytes()), name)},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    # The preview shows row, column and value in their own cells; the reason as written.
    reason = expected.split(": ", 1)[-1]
    assert html.escape(reason, quote=False) in response.text
    assert "<script>alert" not in response.text  # HTML in a cell is shown, never run
    assert 'name="token"' not in response.text  # no "Gem" for a file with errors
    assert fingerprint(app) == before


def test_cli_exits_non_zero_on_errors(app, register):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "trips", str(BAD / "negative_km.csv")])
    assert result.exit_code == 1
    assert "Kilometer kan ikke være negativ." in result.output


def test_cli_prints_every_error_beyond_the_preview_limit(app, register, tmp_path):
    rows = "".join(f"X{i};03-03-2026 08:00;03-03-2026 09:00;5\n" for i in range(1200))
    path = tmp_path / "mange.csv"
    path.write_text("Køretøj;Start;Slut;Km\n" + rows, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "trips", str(path), "--dry-run"])
    assert result.exit_code == 1
    assert result.output.count("Køretøjet findes ikke") == 1200
    from app.data.service import run_import

    with app.app_context():
        report = run_import("trips", path, path.name)
    assert report.error_count == 1200 and len(report.errors) == 1000
