"""The built PDF read back: the municipality's numbers, every assumption, PDF/UA basics."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from app.formatting import dkk, number
from app.parameters.catalogue import BY_KEY
from app.scenarios.results import flatten_parameters
from reports.assumptions import SETUP_KEYS, format_value
from reports.fetcher import REPORT_STATIC
from tests.reports.conftest import ARTIFACTS
from tests.reports.pdftools import squash

DANISH_DKK = re.compile(r"^[−+]?\d{1,3}(\.\d{3})* kr\.$")
SECTIONS = [
    "Resumé",
    "Indstilling",
    "Sagsfremstilling",
    "Økonomi",
    "Klima",
    "Service og risici",
    "Forudsætninger",
    "Bilag",
]


@pytest.fixture
def summary(report_ctx, scenario_ids) -> dict:
    from app.extensions import db
    from app.models import Scenario

    return db.session.get(Scenario, scenario_ids[0]).latest_run.summary


def effect(diff: float) -> str:
    """An effect in kroner with its sign: "+2.554 kr.", "−11.095 kr.", "0 kr."."""
    return f"{number(diff, 0, signed=True)} kr."


def changed(noun: str, diff: float, unit: str = "kr.", decimals: int = 0) -> str:
    """ "udgifterne falder med 18.317 kr. om året" from a signed difference."""
    verb = "falder" if diff < 0 else "stiger"
    amount = dkk(abs(diff)) if unit == "kr." else f"{number(abs(diff), decimals)} {unit}"
    return f"{noun} {verb} med {amount} om året"


def test_key_figures_in_resume_are_the_stored_results(report_pdf, summary):
    comparison, fleet = summary["comparison"], summary["effects"]["fleet_change"]
    base, rep, new = (comparison[k] for k in ("as_driven", "replanned", "proposal"))
    rows = {row[0]: row[1:] for row in report_pdf.section_rows("Resumé", "Indstilling")}
    header = next(
        row for row in report_pdf.section_rows("Resumé", "Indstilling") if row[0] == "Nøgletal"
    )
    assert header[1:4] == ["I dag (som kørt)", "I dag (omplanlagt)", "Forslag"]
    assert rows["Køretøjer"][:3] == [number(t["vehicles"]) for t in (base, rep, new)]
    cost = rows["Udgifter pr. år"]
    assert cost == [
        dkk(base["yearly_cost_dkk"]),
        dkk(rep["yearly_cost_dkk"]),
        dkk(new["yearly_cost_dkk"]),
        effect(fleet["yearly_cost_dkk"]),  # the fleet decision's effect: proposal - re-planned
    ]
    assert all(DANISH_DKK.match(value) for value in cost), cost
    assert rows["Udledning pr. år"] == [
        *(f"{number(t['co2e_t'], 1)} t CO2e" for t in (base, rep, new)),
        f"{number(fleet['co2e_t'], 1, signed=True)} t CO2e",
    ]
    assert rows["Ture uden flådekøretøj (perioden)"][2] == number(new["unserved_trips"])
    assert "315 rundture" in report_pdf.section_text("Resumé", "Indstilling")


def test_resume_and_indstilling_quote_the_fleet_effect_and_planning_apart(report_pdf, summary):
    effects = summary["effects"]
    fleet, planning = effects["fleet_change"], effects["planning"]
    assert round(fleet["yearly_cost_dkk"]) and round(planning["yearly_cost_dkk"])
    resume = report_pdf.section_text("Resumé", "Indstilling")
    fleet_text = resume.split("Ændringen af flåden betyder i sig selv, at ", 1)[1]
    fleet_text = fleet_text.split("Uafhængigt af flåden", 1)[0]
    assert fleet_text.startswith(changed("udgifterne", fleet["yearly_cost_dkk"]))
    assert changed("udledningen", fleet["co2e_t"], "t CO2e", 1) in fleet_text
    assert "sammenlignet med dagens biler med samme planlægning af turene" in fleet_text
    if round(planning["yearly_cost_dkk"]) != round(fleet["yearly_cost_dkk"]):
        assert dkk(abs(planning["yearly_cost_dkk"])) not in fleet_text
    planning_text = resume.split("Uafhængigt af flåden kan planlægningen give en gevinst", 1)[1]
    planning_text = planning_text.split("Det kræver en fælles bookingpraksis", 1)[0]
    assert "fællesskab på tværs af afdelinger" in planning_text
    assert changed("udgifterne", planning["yearly_cost_dkk"]) in planning_text
    assert changed("udledningen", planning["co2e_t"], "t CO2e", 1) in planning_text
    # The difference from today as driven is never called the fleet decision's.
    total = dkk(abs(effects["total"]["yearly_cost_dkk"]))
    assert f"med {total} om året" not in resume

    indstilling = report_pdf.section_text("Indstilling", "Sagsfremstilling")
    assert (
        "at det noteres, at ændringen af flåden i sig selv betyder, at "
        + changed("udgifterne", fleet["yearly_cost_dkk"])
    ) in indstilling
    if planning["yearly_cost_dkk"] < 0:
        point = indstilling.split("at forvaltningen arbejder for fælles booking", 1)[1]
        point = point.split("uafhængigt af beslutningen om flåden", 1)[0]
        assert f"med dagens biler giver det {dkk(abs(planning['yearly_cost_dkk']))}" in point


def test_economy_table_is_the_stored_split(report_pdf, summary):
    comparison = summary["comparison"]
    base, rep, new = (comparison[k] for k in ("as_driven", "replanned", "proposal"))
    rows = {row[0]: row[1:] for row in report_pdf.section_rows("Økonomi", "Klima")}
    expected = {
        "Faste udgifter (leasing, forsikring, afgift, service)": "fixed_dkk",
        "Energi (brændstof og el)": "energy_dkk",
        "Kørselsgodtgørelse for ture i egen bil": "allowance_dkk",
        "I alt": "yearly_cost_dkk",
    }
    text = report_pdf.section_text("Økonomi", "Klima")
    for label, key in expected.items():
        wanted = [dkk(base[key]), dkk(rep[key]), dkk(new[key]), effect(new[key] - rep[key])]
        # pdfminer sometimes files a row's very last glyph (the "." of "kr.") under the next
        # marked-content id; compare cells without it and find the full amounts in the text.
        assert [c.rstrip(".") for c in rows[label]] == [w.rstrip(".") for w in wanted], label
        assert all(amount in text for amount in wanted), label
    assert (
        f"fra {dkk(rep['yearly_cost_dkk'])} med dagens flåde og samme planlægning af turene "
        f"til {dkk(new['yearly_cost_dkk'])} med forslaget"
    ) in text
    assert "Planlægning: Med dagens biler, men turene fordelt som i forslaget" in text
    assert "kr.." not in text


def test_every_parameter_used_is_in_forudsaetninger(report_pdf, summary):
    rows = report_pdf.section_rows("Forudsætninger", "Bilag")
    by_label = {row[0]: row for row in rows if len(row) == 5}
    for key, value in flatten_parameters(summary["parameters"]).items():
        label = SETUP_KEYS[key][0] if key in SETUP_KEYS else BY_KEY[key].label
        assert label in by_label, f"{key} ({label}) missing"
        row = by_label[label]
        assert row[1] == format_value(key, value), key
        assert row[3], f"{key} has no source"
        assert re.fullmatch(r"\d{4}", row[4]), f"{key} has no year: {row}"
    # Spot checks of the Danish formatting, independent of format_value.
    assert by_label["Udledning, benzin"][1:3] == ["2,52", "kg CO2e/l"]
    assert by_label["Samfundsøkonomisk CO2-pris"][1] == "1.500"
    assert by_label["Kørselsgodtgørelse, egen bil"][1] == "3,94"
    assert by_label["Cykel, tilladte tidsrum"][1] == "07:00–15:30"
    assert by_label["Analyseperiode, første dag"][1] == "1. oktober 2026"
    assert "Skatterådet" in by_label["Kørselsgodtgørelse, egen bil"][3]


def test_sections_in_agenda_order_and_page_furniture(report_pdf, built_report):
    lines = [line.strip() for page in report_pdf.pages for line in page.splitlines()]
    positions = [lines.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    pages = built_report.page_count
    assert 6 <= pages <= 25
    assert len(report_pdf.pages) == pages
    for index, page in enumerate(report_pdf.pages[1:], start=2):
        assert f"Side {index} af {pages}" in page
        assert report_pdf.headers[index - 1] == "Flådeanalyse: Rådhuset Demo Kommune"
    assert report_pdf.headers[0] == ""  # no running header on the cover
    cover = report_pdf.pages[0]
    assert "28. november 2026" in cover
    assert "1. oktober 2026 – 21. oktober 2026" in cover
    assert "Social- og Sundhedsforvaltningen" in cover


def test_indstilling_has_numbered_at_points(report_pdf):
    text = report_pdf.section_text("Indstilling", "Sagsfremstilling")
    assert "Forvaltningen indstiller," in text
    assert "1. at analysen af kørslen på lokationen Rådhuset tages til efterretning" in text
    points = re.findall(r"\d\. at ", text)
    assert len(points) >= 3


def test_metadata_language_and_tagging(report_pdf):
    catalog = report_pdf.catalog
    assert catalog["/Lang"] == "da"
    assert report_pdf.reader.metadata["/Title"] == "Flådeanalyse: Rådhuset"
    assert bool(catalog["/MarkInfo"]["/Marked"])  # a pypdf BooleanObject
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = report_pdf.reader.xmp_metadata
    assert xmp is not None and "pdfuaid" in xmp.stream.get_data().decode()
    kinds = {element["/S"] for element in report_pdf.structure_elements()}
    assert {"/H1", "/H2", "/H3", "/P", "/Table", "/TH", "/TD", "/L", "/LI"} <= kinds


def test_every_figure_has_its_chart_alt_text(report_pdf, built_report):
    figures = [e for e in report_pdf.structure_elements() if e["/S"] == "/Figure"]
    assert len(figures) == 6  # five scenario charts + the comparison with the alternative
    alts = [str(figure.get("/Alt", "")) for figure in figures]
    assert all(len(alt) > 40 for alt in alts), alts
    for alt in alts:
        assert alt in built_report.html.replace("&#39;", "'").replace("&amp;", "&")
    assert "Figur 6:" in report_pdf.text


def test_only_static_files_and_inline_charts_were_fetched(built_report):
    assert built_report.fetched
    static = REPORT_STATIC.as_uri()
    for url in built_report.fetched:
        assert url.startswith("data:image/svg+xml;base64,") or url.startswith(static), url


def test_tables_repeat_headers_and_figures_do_not_split(report_pdf):
    # A table continued on the next page starts there with its header rows again.
    spanning = 0
    for index, tables in enumerate(report_pdf.tables):
        for children in tables:
            parts = [c for c in children if c != "Caption"]
            if "THead" in parts:
                assert parts[0] == "THead", (index, children)
        if index and tables and report_pdf.pages[index].lstrip().split("\n")[1:2] != [""]:
            spanning += 1
    assert spanning  # at least some pages carry tables, so the check above ran
    css = (REPORT_STATIC / "report.css").read_text()
    assert "thead { display: table-header-group; }" in css
    assert re.search(r"figure \{[^}]*break-inside: avoid", css)


def test_first_pages_as_png_for_a_person_to_look_at(built_report):
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("side-*.png"):
        old.unlink()
    pdf = ARTIFACTS / "rapport.pdf"
    pdf.write_bytes(built_report.pdf)
    subprocess.run(
        [pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "6", str(pdf), str(ARTIFACTS / "side")],
        check=True,
        timeout=120,
    )
    pngs = sorted(ARTIFACTS.glob("side-*.png"))
    assert len(pngs) == 6
    assert all(p.stat().st_size > 5_000 for p in pngs)


def test_text_extraction_is_clean(report_pdf):
    text = report_pdf.text
    assert squash("Flådeanalyse: Rådhuset") in text
    assert "None" not in text and "nan" not in text.lower().split()
