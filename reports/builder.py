"""Build a decision report: stored scenario results -> HTML -> PDF/UA-1 with WeasyPrint.

The same HTML is shown as the preview in the browser and printed to PDF; only the way
assets are addressed differs (`asset_url`). Rendering uses its own Jinja environment with
autoescaping, so every text a user typed is printed as text, never as markup.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from app import formatting
from app.charts import Chart, CostCo2Item, cost_and_co2_comparison
from app.engine.gcpause import cyclic_gc_paused
from app.extensions import db
from app.models.reports import OPTIONAL_SECTIONS
from app.models.scenarios import Scenario
from app.scenarios import charts as scenario_charts_module
from reports import texts
from reports.assumptions import parameter_rows
from reports.facts import (
    FUEL_LABELS,
    KIND_NAMES,
    TYPE_LABELS,
    ScenarioFacts,
    comparison_rows,
    scenario_facts,
    sensitivity,
    short_label,
    vehicle_kind,
)
from reports.fetcher import REPORT_STATIC, ReportUrlFetcher, file_url

TEMPLATES = Path(__file__).resolve().parent / "templates"
ALL_SECTIONS = list(OPTIONAL_SECTIONS)
MAX_ALTERNATIVES = 4

Progress = Callable[[float, str], None]


class ReportError(ValueError):
    """A report that cannot be made; the message is Danish."""


@dataclass
class ReportRequest:
    """What to put in a report. None for a text means: use the automatic draft."""

    scenario_id: int
    alternative_ids: list[int] = field(default_factory=list)
    include_baseline: bool = True
    title: str | None = None
    organisation: str = ""
    department: str = ""
    author: str = ""
    resume: str | None = None
    indstilling: str | None = None
    sections: list[str] | None = None
    logo_path: Path | None = None
    made_on: date | None = None


@dataclass
class BuiltReport:
    pdf: bytes
    html: str
    page_count: int
    parameters: dict
    fetched: list[str]
    seconds: float


def _finished(scenario_id: int) -> tuple[Scenario, object]:
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        raise ReportError(f"Scenarie {scenario_id} findes ikke.")
    run = scenario.latest_run
    if run is None or run.status != "finished":
        raise ReportError(f"Scenariet '{scenario.name}' har intet færdigt resultat.")
    return scenario, run


def load_facts(request: ReportRequest) -> tuple[ScenarioFacts, list[ScenarioFacts]]:
    scenario, run = _finished(request.scenario_id)
    recommended = scenario_facts(scenario, run)
    alternatives = []
    for alternative_id in request.alternative_ids[:MAX_ALTERNATIVES]:
        if alternative_id == request.scenario_id:
            continue
        alternatives.append(scenario_facts(*_finished(alternative_id)))
    return recommended, alternatives


def default_title(facts: ScenarioFacts) -> str:
    return f"Flådeanalyse: {texts.join(facts.locations)}"


def drafts(facts: ScenarioFacts) -> dict[str, str]:
    return {"resume": texts.draft_resume(facts), "indstilling": texts.draft_indstilling(facts)}


# --- Charts ---------------------------------------------------------------------------------


@dataclass
class Figure:
    number: int
    chart: Chart

    @property
    def data_uri(self) -> str:
        # The flat SVG: the same picture in less than half the elements and without CSS,
        # which WeasyPrint draws faster (see Chart.flat_svg).
        encoded = base64.b64encode(self.chart.flat_svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"


def _comparison_chart(rows) -> Chart:
    items = [
        CostCo2Item(
            label=row.label.removeprefix("Anbefalet: "),
            fixed_dkk=row.totals["fixed_dkk"],
            energy_dkk=row.totals["energy_dkk"],
            allowance_dkk=row.totals["allowance_dkk"],
            co2e_tonnes=row.totals["co2e_t"],
        )
        for row in rows
        if row.kind in ("baseline", "recommended", "scenario")
    ]
    return cost_and_co2_comparison(items)


# Which section shows which chart, in the order they appear in the report.
CHART_SECTIONS = (
    ("travlhed", "sagsfremstilling"),
    ("turlaengder", "sagsfremstilling"),
    ("sammenligning", "sagsfremstilling"),
    ("omkostning", "oekonomi"),
    ("afvejning", "klima"),
    ("uloeste", "service"),
)


def report_figures(
    facts: ScenarioFacts, rows, with_comparison: bool, sections: list[str]
) -> dict[str, Figure]:
    """The charts of the chosen sections, numbered in reading order.

    Only charts that are printed are drawn (each takes a tenth of a second or more); they
    are the results page's charts, made by the same functions.
    """
    scenario, summary = facts.scenario, facts.summary
    makers = {
        "travlhed": lambda: scenario_charts_module.busy_hours_chart(summary),
        "turlaengder": lambda: scenario_charts_module.trip_length_chart(summary),
        "sammenligning": lambda: _comparison_chart(rows) if with_comparison else None,
        "omkostning": lambda: scenario_charts_module.cost_chart(scenario, summary),
        "afvejning": lambda: scenario_charts_module.tradeoff_chart(scenario, summary),
        "uloeste": lambda: scenario_charts_module.unserved_chart(scenario, summary),
    }
    figures, number = {}, 0
    with cyclic_gc_paused():  # also for the preview, which draws the same charts
        for key, section in CHART_SECTIONS:
            if section not in sections:
                continue
            chart = makers[key]()
            if chart is not None:
                number += 1
                figures[key] = Figure(number, chart)
    return figures


# --- HTML -----------------------------------------------------------------------------------


def _paragraphs(text: str) -> Markup:
    """User text -> escaped <p> per blank-line-separated paragraph (never raw HTML)."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in b.split("\n")))
        for b in blocks
    )


def at_points(text: str) -> list[str]:
    """One "at"-point per non-empty line; numbering is the list's, so typed numbers go."""
    points = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        line = line.strip().lstrip("-•*").strip()
        head, dot, rest = line.partition(".")
        if dot and head.isdigit():
            line = rest.strip()
        if line:
            points.append(line)
    return points


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=formatting.number,
        percent=formatting.percent,
        dkk=formatting.dkk,
        date_long=formatting.date_long,
        date_short=formatting.date_short,
        paragraphs=_paragraphs,
        plain=texts.plain_number,
        upper_first=lambda text: text[:1].upper() + text[1:],  # "HVO-bil" stays "HVO-bil"
    )
    env.globals.update(
        kind_names=KIND_NAMES,
        type_labels=TYPE_LABELS,
        fuel_labels=FUEL_LABELS,
        place=texts.place,
        join=texts.join,
        composition=texts.composition,
        money_change=texts.money_change,
        co2_change=texts.co2_change,
        count=texts.count,
        kind_of=vehicle_kind,
        short_label=short_label,
    )
    return env


_ENV = _environment()


def report_context(
    request: ReportRequest, facts: ScenarioFacts, alternatives: list[ScenarioFacts]
) -> dict:
    chosen = ALL_SECTIONS if request.sections is None else request.sections
    sections = [s for s in chosen if s in OPTIONAL_SECTIONS]
    rows = comparison_rows(facts, alternatives, request.include_baseline)
    draft = drafts(facts)
    resume = draft["resume"] if request.resume is None else request.resume
    indstilling = draft["indstilling"] if request.indstilling is None else request.indstilling
    parameters = facts.summary["parameters"]
    return {
        "title": (request.title or "").strip() or default_title(facts),
        "organisation": request.organisation,
        "department": request.department,
        "author": request.author,
        "made_on": request.made_on or date.today(),
        "sections": sections,
        "section_labels": OPTIONAL_SECTIONS,
        "facts": facts,
        "scenario": facts.scenario,
        "alternatives": alternatives,
        "rows": rows,
        "alternatives_conclusion": texts.alternatives_conclusion(rows),
        "resume": resume,
        "at_points": at_points(indstilling),
        "figures": report_figures(facts, rows, bool(alternatives), sections),
        "parameters": parameters,
        "parameter_rows": parameter_rows(facts.scenario, parameters),
        "include_baseline": request.include_baseline,
        "sensitivity": sensitivity(facts),
    }


def render_html(context: dict, asset_url: Callable[[str], str], logo_url: str | None) -> str:
    return _ENV.get_template("report.html").render(
        **context, asset_url=asset_url, logo_url=logo_url
    )


def pdf_asset_url(name: str) -> str:
    return file_url(REPORT_STATIC / name)


# --- PDF ------------------------------------------------------------------------------------


PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def render_pdf(html: str, fetcher: ReportUrlFetcher) -> tuple[bytes, int]:
    """The PDF and its number of pages, both from WeasyPrint's laid-out document."""
    from weasyprint import HTML

    with cyclic_gc_paused():
        source = HTML(string=html, base_url=file_url(REPORT_STATIC) + "/", url_fetcher=fetcher)
        # What HTML.write_pdf does, in two steps so the pages can be counted in between.
        document = source.render(**PDF_OPTIONS)
        return document.write_pdf(**PDF_OPTIONS), len(document.pages)


def write_pdf(html: str, fetcher: ReportUrlFetcher) -> bytes:
    return render_pdf(html, fetcher)[0]


def build_report(request: ReportRequest, progress: Progress | None = None) -> BuiltReport:
    report = progress or (lambda pct, phase: None)
    started = time.perf_counter()
    logo = request.logo_path if request.logo_path and Path(request.logo_path).is_file() else None
    with cyclic_gc_paused():
        report(5, "Læser scenariernes resultater")
        facts, alternatives = load_facts(request)
        report(20, "Skriver tekster og tegner diagrammer")
        context = report_context(request, facts, alternatives)
        html = render_html(context, pdf_asset_url, file_url(logo) if logo else None)
        report(50, "Sætter siderne op (PDF)")
        fetcher = ReportUrlFetcher(logo=logo)
        pdf, page_count = render_pdf(html, fetcher)
    return BuiltReport(
        pdf=pdf,
        html=html,
        page_count=page_count,
        parameters=context["parameters"],
        fetched=list(fetcher.calls),
        seconds=time.perf_counter() - started,
    )
