"""The charts go into the decision report as inline SVG: WeasyPrint must draw them with
their text as real, extractable PDF text (search, copy, screen readers, the PDF tests)."""

from __future__ import annotations

import io

import pytest

from tests.charts.conftest import CHART_FACTORIES
from tests.charts.test_rendering import svg_texts

weasyprint = pytest.importorskip("weasyprint")
pypdf = pytest.importorskip("pypdf")


def test_inline_charts_keep_their_text_in_the_pdf(rendered):
    figures = "".join(
        f"<figure>{chart.inline_svg}<figcaption>{chart.title}</figcaption></figure>"
        for chart in rendered.values()
    )
    html = (
        "<html lang='da'><head><style>svg { width: 100%; height: auto }</style></head>"
        f"<body>{figures}</body></html>"
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for needle in (
        "mio. kr. pr. år",
        "Kørselsgodtgørelse",
        "−12 %",
        "Fossilbil (701)",
        "200+",
        "Flest: 5 (3. mar)",
        "Skraverede felter: under 40 km",
    ):
        assert needle in text, f"{needle!r} not extractable from the PDF"


def _pixels(svg: str) -> bytes:
    """The SVG as the report embeds it (<img> of a data: URI), drawn by WeasyPrint."""
    import base64

    import pdfplumber

    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    pdf = weasyprint.HTML(string=f"<img src='{uri}' style='width: 100%'>").write_pdf()
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return document.pages[0].to_image(resolution=110).original.convert("RGB").tobytes()


@pytest.mark.parametrize("name", sorted(CHART_FACTORIES))
def test_flat_svg_for_the_report_draws_the_same_picture(rendered, name):
    """The report embeds `flat_svg` (fewer elements, no CSS: faster in WeasyPrint); it must
    draw exactly what `svg` draws, with the same text as text."""
    chart = rendered[name]
    flat = chart.flat_svg
    assert len(flat) < len(chart.svg)
    assert flat.count("<g") < chart.svg.count("<g") / 2
    assert "style=" not in flat and "<metadata" not in flat
    assert svg_texts(flat) == svg_texts(chart.svg)
    assert _pixels(flat) == _pixels(chart.svg)
