"""The one chart module behind the results pages, the downloads and the PDF decision report.

Plain data in (dataclasses, lists, dicts), `Chart` out: SVG text (inline it with
`chart.inline_svg`), a Danish text alternative, the data as a table, and PNG on request.
No Flask and no database here, so the web pages and the WeasyPrint builder call the same
functions and get the same pictures.
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
