"""Every chart renders valid, deterministic, accessible SVG and a PNG, for data and for none."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app import charts
from tests.charts.conftest import CHART_FACTORIES, EMPTY_FACTORIES, EXPECTED_TEXT, unserved_inputs

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    # The SVG is our own output, not untrusted input: the stdlib parser is fine here.
    return ET.fromstring(svg.encode("utf-8"))  # noqa: S314


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAMES = list(CHART_FACTORIES)


def svg_texts(svg: str) -> list[str]:
    """All text the SVG carries as <text> elements (what a reader or PDF extraction sees)."""
    root = parse(svg)
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


@pytest.mark.parametrize("name", NAMES)
def test_renders_valid_svg_with_danish_text_as_text(rendered, name):
    chart = rendered[name]
    root = parse(chart.svg)
    assert root.tag == f"{SVG}svg"
    texts = svg_texts(chart.svg)
    assert chart.title in texts
    joined = "\n".join(texts)
    for expected in EXPECTED_TEXT[name]:
        assert expected in joined, f"{expected!r} missing from the {name} SVG"
    # Text stays text (svg.fonttype none), with a sans-serif fallback for other machines.
    assert "<text" in chart.svg
    assert "sans-serif" in chart.svg


@pytest.mark.parametrize("name", NAMES)
def test_svg_is_accessible_on_its_own(rendered, name):
    chart = rendered[name]
    root = parse(chart.svg)
    assert root.get("role") == "img"
    assert root.get("lang") == "da"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == chart.title
    assert desc is not None and desc.text == chart.alt_text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


@pytest.mark.parametrize("name", NAMES)
def test_identical_input_gives_identical_bytes(rendered, name):
    again = CHART_FACTORIES[name]()
    assert again.svg == rendered[name].svg
    assert again.to_png(dpi=72) == rendered[name].to_png(dpi=72)


@pytest.mark.parametrize("name", NAMES)
def test_png_export(rendered, name):
    png = rendered[name].to_png()
    assert png.startswith(PNG_SIGNATURE)
    width, height = png_size(png)
    assert width > 500 and height > 200


@pytest.mark.parametrize("name", NAMES)
def test_data_table_has_header_and_rows_of_strings(rendered, name):
    table = rendered[name].data_table
    assert len(table) >= 2
    assert all(isinstance(cell, str) for row in table for cell in row)
    assert len({len(row) for row in table}) == 1, "every row as wide as the header"


@pytest.mark.parametrize("name", NAMES)
def test_empty_input_renders_a_no_data_chart(name):
    chart = EMPTY_FACTORIES[name]()
    assert charts.NO_DATA in svg_texts(chart.svg)
    assert charts.NO_DATA in chart.alt_text
    assert len(chart.data_table) == 1  # the header, for an empty table beside the chart
    assert chart.to_png(dpi=50).startswith(PNG_SIGNATURE)


def test_no_unserved_trips_is_said_not_left_blank():
    days, _ = unserved_inputs()
    chart = charts.unserved_trips_per_day(days, [0] * len(days))
    assert "Ingen uløste ture i perioden" in svg_texts(chart.svg)
    assert "ingen uløste ture" in chart.alt_text
    assert chart.data_table[-1] == ["I alt", "0"]


def test_ids_are_unique_when_all_charts_share_one_page(rendered):
    """The results page and the PDF inline several SVGs: no id may repeat across them."""
    page = "".join(chart.inline_svg for chart in rendered.values())
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    # ...and every reference still points at an id of its own chart.
    for chart in rendered.values():
        own = set(re.findall(r'\bid="([^"]+)"', chart.svg))
        references = re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', chart.svg)
        assert {a or b for a, b in references} <= own


def test_inline_svg_has_no_xml_prolog(rendered):
    for chart in rendered.values():
        assert chart.inline_svg.startswith("<svg")
        assert "<!DOCTYPE" not in chart.inline_svg


def test_download_version_carries_title_period_locations_and_scenario(rendered):
    chart = rendered["cost_and_co2_comparison"]
    from datetime import date

    lines = charts.download_caption(
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        locations=["Område Nord", "Område Syd"],
        scenario_name="Forslag A",
    )
    assert lines == [
        "Periode: 1. januar 2025 – 31. december 2025",
        "Lokationer: Område Nord, Område Syd",
        "Scenarie: Forslag A",
    ]
    download = charts.with_caption(chart, "Hjemmeplejen: omkostning og CO2e", lines)
    texts = svg_texts(download.svg)
    assert "Hjemmeplejen: omkostning og CO2e" in texts
    for line in lines:
        assert line in texts
        assert line in download.alt_text
    assert download.data_table == chart.data_table
    # The caption is on the picture: the PNG is taller than the page version.
    assert png_size(download.to_png(dpi=72))[1] > png_size(chart.to_png(dpi=72))[1]
    # And the page version is untouched.
    assert "Scenarie: Forslag A" not in svg_texts(chart.svg)


def test_concurrent_rendering_in_threads_matches_sequential(rendered):
    """gunicorn threads render at the same time; output must not change (rcParams race)."""
    names = ["cost_and_co2_comparison", "trip_length_distribution", "tradeoff_curve"] * 2
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda name: CHART_FACTORIES[name]().svg, names))
    for name, svg in zip(names, results, strict=True):
        assert svg == rendered[name].svg


def test_output_is_identical_in_a_fresh_process_with_other_hash_seed(rendered):
    """Byte-stable across processes too (no set-order, date or uuid leaking into the SVG)."""
    root = Path(__file__).resolve().parents[2]
    script = (
        "import hashlib\n"
        "from tests.charts.conftest import CHART_FACTORIES\n"
        "for name, factory in CHART_FACTORIES.items():\n"
        "    print(name, hashlib.sha256(factory().svg.encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    output = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = {
        name: hashlib.sha256(chart.svg.encode()).hexdigest() for name, chart in rendered.items()
    }
    assert dict(line.split() for line in output.splitlines()) == expected


def test_svg_has_no_timestamp(rendered):
    for chart in rendered.values():
        assert "<dc:date>" not in chart.svg
