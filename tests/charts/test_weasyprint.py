"""The charts go into the decision report as inline SVG: WeasyPrint must draw them with
their text as real, extractable PDF text (search, copy, screen readers, the PDF tests)."""

from __future__ import annotations

import io

import pytest

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
