"""Long scenario names on the cost/CO2e comparison: wrapped at spaces, shortened with an
ellipsis past three lines, never overlapping; the full names stay in the text alternative
and the data table."""

from __future__ import annotations

from itertools import combinations

import pytest

from app import charts

LONG_NAMES = [
    "I dag (status quo med alle nuværende leasede køretøjer)",
    "Anbefalet: elbiler i hjemmeplejen og fælles flåde for Rådhuset og Sundhedshuset",
    "CO2e halveret inden 2030 med elcykler til korte ture i bymidten",
    "Billigste løsning uden elbiler og uden ændringer i vagtplanerne",
    "Socialpsykiatriskrehabiliteringsteamkøretøjspulje",  # one word longer than a slot
    "Alternativ 5",
]


def long_name_chart(count: int) -> charts.Chart:
    items = [
        charts.CostCo2Item(name, 2_900_000 - 50_000 * i, 900_000, 300_000, 120.5 - 10 * i)
        for i, name in enumerate(LONG_NAMES[:count])
    ]
    return charts.cost_and_co2_comparison(items)


def tick_label_boxes(figure):
    """Window extents (display units) of the drawn x tick labels, per axes."""
    renderer = figure.canvas.get_renderer()
    figure.draw_without_rendering()
    return [
        [
            label.get_window_extent(renderer)
            for label in ax.get_xticklabels()
            if label.get_visible() and label.get_text()
        ]
        for ax in figure.axes
    ]


@pytest.mark.parametrize("count", [2, 3, 4, 6])
def test_long_scenario_names_do_not_overlap(count):
    chart = long_name_chart(count)
    figure = chart.build_figure()
    per_axes = tick_label_boxes(figure)
    assert [len(boxes) for boxes in per_axes] == [count, count]
    everything = [box for boxes in per_axes for box in boxes]
    for a, b in combinations(everything, 2):
        assert not a.overlaps(b), (a, b)
    # Nor into the legend below the panels, nor out of the picture.
    legend = figure.legends[0].get_window_extent(figure.canvas.get_renderer())
    picture = figure.bbox
    for box in everything:
        assert not box.overlaps(legend), (box, legend)
        assert picture.x0 <= box.x0 and box.x1 <= picture.x1 and box.y0 >= picture.y0


def test_long_names_wrap_at_spaces_and_are_shortened_with_an_ellipsis():
    chart = long_name_chart(6)
    labels = [label.get_text() for label in chart.build_figure().axes[0].get_xticklabels()]
    assert any("…" in label for label in labels)  # the test covers shortening
    for label, name in zip(labels, LONG_NAMES, strict=True):
        assert 1 <= len(label.split("\n")) <= 3
        shown, words = label.split(), name.split()
        # Broken at spaces only: every shown word is the name's word in the same place,
        # or the start of it followed by "…" (cut because it is wider than a line).
        for token, word in zip(shown, words, strict=False):
            if token != word:
                assert token.endswith("…") and word.startswith(token[:-1].rstrip(",;:"))
        if len(shown) < len(words):
            assert label.endswith("…")
    assert labels[-1].split() in (["Alternativ", "5"], ["Alterna…", "5"]) or (
        labels[-1].endswith("5") and labels[-1].startswith("Altern")
    )
    # The full names stay in the text alternative and the data table.
    for name in LONG_NAMES:
        assert name in chart.alt_text
        assert [name] == [row[0] for row in chart.data_table if row[0] == name]


def test_fit_label_rules():
    from app.charts.economy import fit_label

    def measure(text):  # 5 points a character
        return 5.0 * len(text)

    assert fit_label("I dag", 50, measure) == "I dag"
    assert fit_label("CO2e halveret inden 2030", 50, measure) == "CO2e\nhalveret\ninden 2030"
    assert fit_label("a b c d e f g h", 15, measure) == "a b\nc d\ne…"
    assert fit_label("Socialpsykiatri 2", 50, measure) == "Socialpsy…\n2"
    assert fit_label("en, to, tre, fire", 25, measure) == "en,\nto,\ntre…"
    assert fit_label("CO2e -50 %", 40, measure) == "CO2e\n-50 %"  # no lone "%"
    assert fit_label("", 50, measure) == ""


def test_short_names_are_left_alone():
    chart = charts.cost_and_co2_comparison(
        [
            charts.CostCo2Item("I dag", 2_900_000, 900_000, 300_000, 120.5),
            charts.CostCo2Item("Forslag A", 2_700_000, 650_000, 250_000, 80.2),
        ]
    )
    labels = [label.get_text() for label in chart.build_figure().axes[1].get_xticklabels()]
    assert labels == ["I dag", "Forslag A"]


@pytest.mark.parametrize("name", ["Budget $5 og $6 mio", r"x $\frac{1}$ y"])
def test_dollar_signs_in_names_are_text_not_math(name):
    """Names come from users; matplotlib must not read "$...$" as TeX (it failed a report)."""
    items = [
        charts.CostCo2Item(name, 2_000_000, 900_000, 300_000, 100.0),
        charts.CostCo2Item("I dag", 2_100_000, 950_000, 320_000, 110.0),
    ]
    chart = charts.cost_and_co2_comparison(items)
    svg = chart.svg
    assert "$5" in svg if "$5" in name else r"\frac" in svg
