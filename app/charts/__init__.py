"""The one chart module behind the results pages, the downloads and the PDF decision report.

Plain data in (dataclasses, lists, dicts), `Chart` out. No Flask and no database here, so
the web pages and the WeasyPrint builder call the same functions and get the same pictures.

    chart = cost_and_co2_comparison([CostCo2Item("I dag", ...), CostCo2Item("Forslag A", ...)])
    chart.inline_svg    # <svg role="img"> with <title>/<desc>, ids unique per chart: inline it
    chart.alt_text      # Danish text alternative with the key numbers (img alt, figure caption)
    chart.data_table    # header + rows of Danish-formatted strings: the table fallback
    chart.svg           # the full SVG document (download); chart.to_png(dpi=150) for PNG
    download = with_caption(chart, subtitle_lines=download_caption(period_start=...,
                            period_end=..., locations=[...], scenario_name="Forslag A"))

Empty inputs give a chart saying "Ingen data i perioden", never an exception; malformed
inputs (24 hourly values expected, a trip without a length) raise ValueError.
"""

from app.charts.base import NO_DATA, Chart, download_caption, no_data_chart, with_caption
from app.charts.capacity import unserved_trips_per_day, vehicles_in_use_by_hour
from app.charts.dashboard import km_per_day, utilisation_heatmap
from app.charts.economy import CostCo2Item, TradeoffPoint, cost_and_co2_comparison, tradeoff_curve
from app.charts.trips import trip_length_distribution

__all__ = [
    "NO_DATA",
    "Chart",
    "CostCo2Item",
    "TradeoffPoint",
    "cost_and_co2_comparison",
    "download_caption",
    "km_per_day",
    "no_data_chart",
    "tradeoff_curve",
    "trip_length_distribution",
    "unserved_trips_per_day",
    "utilisation_heatmap",
    "vehicles_in_use_by_hour",
    "with_caption",
]
