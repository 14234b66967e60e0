"""The Chart value, and rendering a chart's figure to SVG and PNG the same way every time.

A chart is drawn by a `draw(fig)` function on a fresh `matplotlib.figure.Figure`; pyplot is
never used (its global figure registry is not thread-safe). The SVG is rendered once when
the chart is made; PNG and captioned download versions redraw from the same function.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from xml.sax.saxutils import escape

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubplotParams

from app.charts import style

NO_DATA = "Ingen data i perioden"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# matplotlib reads svg.fonttype and svg.hashsalt from the process-wide rcParams while it
# writes, and `rc_context` swaps that global dict in and out. Two gunicorn threads rendering
# at once would restore each other's settings mid-render, so rendering is serialised.
# A chart takes tens of milliseconds; the lock costs nothing noticeable.
_RENDER_LOCK = threading.Lock()

# Header strip above the plot: the title, then one line per caption line (inches).
_TITLE_HEIGHT_IN = 0.36
_CAPTION_LINE_HEIGHT_IN = 0.2
_HEADER_PAD_IN = 0.08

DrawFunction = Callable[[Figure], None]


@dataclass(frozen=True)
class Margins:
    """Space around the plot area in inches, and between panels as a share of a panel.

    Fixed margins instead of matplotlib's constrained layout: the layout solver tripled the
    render time (seconds for 20 small multiples) and our label sizes are known in advance.
    """

    left: float = 0.75
    right: float = 0.2
    bottom: float = 0.55
    top: float = 0.3
    wspace: float = 0.25
    hspace: float = 0.5


@dataclass(frozen=True)
class Chart:
    """One chart: SVG for pages and the PDF, plus its text alternative and data as a table.

    `data_table` is a header row followed by data rows, all strings formatted the Danish
    way, for a table fallback beside the chart (screen readers, print, copy to Excel).
    """

    key: str
    title: str
    alt_text: str
    data_table: list[list[str]]
    svg: str
    caption_lines: tuple[str, ...] = ()
    _draw: DrawFunction | None = field(default=None, repr=False, compare=False)
    _size: tuple[float, float] = field(default=(7.0, 3.6), repr=False, compare=False)
    _margins: Margins = field(default=Margins(), repr=False, compare=False)

    @property
    def element_id(self) -> str:
        """A stable id for the chart's root element; every id inside carries it as prefix."""
        return _element_id(self.key, self.title, self.data_table, self.caption_lines)

    @property
    def inline_svg(self) -> str:
        """The <svg> element without XML declaration and DOCTYPE, for inlining into HTML."""
        return self.svg[self.svg.index("<svg") :]

    @property
    def flat_svg(self) -> str:
        """The same picture with less structure, for the PDF report (WeasyPrint).

        WeasyPrint cascades, styles and paints every SVG element on its own, wrapper groups
        included, and parses each `style` attribute with a CSS tokenizer. This version has
        no metadata, no id-only wrapper groups and presentation attributes instead of CSS:
        less than half the elements (the report's six charts: 1,308 -> 556) and no CSS to
        parse, and it draws the same pixels (tests/charts/test_weasyprint.py). Text stays
        text; `svg` is unchanged for web pages and downloads.
        """
        return flatten_svg(self.svg)

    def build_figure(self) -> Figure:
        """A fresh matplotlib Figure of this chart (for tests and other output formats)."""
        return _build_figure(self)

    def to_png(self, dpi: int = 150) -> bytes:
        """The same chart as a PNG (for downloads and office documents)."""
        figure = _build_figure(self)
        buffer = io.BytesIO()
        with _RENDER_LOCK, matplotlib.rc_context(style.RC_PARAMS):
            # No "Software" text chunk: identical input gives identical bytes.
            figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        return buffer.getvalue()

    def to_svg_bytes(self) -> bytes:
        return self.svg.encode("utf-8")


def make_chart(
    *,
    key: str,
    title: str,
    alt_text: str,
    data_table: list[list[str]],
    draw: DrawFunction,
    size: tuple[float, float],
    margins: Margins | None = None,
) -> Chart:
    """Build a Chart and render its SVG. `size` is the plot area in inches (width, height)."""
    chart = Chart(
        key=key,
        title=title,
        alt_text=alt_text,
        data_table=data_table,
        svg="",
        _draw=draw,
        _size=size,
        _margins=margins or Margins(),
    )
    return replace(chart, svg=_render_svg(chart))


def with_caption(
    chart: Chart, title: str | None = None, subtitle_lines: Sequence[str] = ()
) -> Chart:
    """The download version: the title and e.g. period, locations, scenario ON the image.

    Use `download_caption(...)` for the standard lines. The text alternative gets the same
    lines so the downloaded SVG's <desc> says what the picture says.
    """
    lines = tuple(line for line in subtitle_lines if line)
    captioned = replace(
        chart,
        title=title or chart.title,
        caption_lines=lines,
        alt_text=" ".join([chart.alt_text, *(f"{line}." for line in lines)]).strip(),
        svg="",
    )
    return replace(captioned, svg=_render_svg(captioned))


def download_caption(
    *,
    period_start: date | None = None,
    period_end: date | None = None,
    locations: Sequence[str] = (),
    scenario_name: str | None = None,
) -> list[str]:
    """Standard caption lines for downloaded charts (issue 5: title, period, locations,
    scenario name on the image), e.g. ["Periode: 1. januar 2026 – 31. december 2026", ...]."""
    lines = []
    if period_start and period_end:
        lines.append(f"Periode: {style.date_long(period_start)} – {style.date_long(period_end)}")
    if locations:
        label = "Lokation" if len(locations) == 1 else "Lokationer"
        lines.append(f"{label}: {', '.join(locations)}")
    if scenario_name:
        lines.append(f"Scenarie: {scenario_name}")
    return lines


def no_data_chart(key: str, title: str, header: list[str], message: str = NO_DATA) -> Chart:
    """A chart that says there is nothing to show, instead of failing or showing empty axes."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color=style.GREY)

    return make_chart(
        key=key,
        title=title,
        alt_text=f"{title}: {message}.",
        data_table=[header],
        draw=draw,
        size=(7.0, 1.6),
        margins=Margins(left=0.1, right=0.1, bottom=0.1, top=0.1),
    )


# --- Rendering -----------------------------------------------------------------------------


def _build_figure(chart: Chart) -> Figure:
    if chart._draw is None:
        raise ValueError("This chart has no drawing function; make it with make_chart().")
    width, plot_height = chart._size
    header = _TITLE_HEIGHT_IN + _CAPTION_LINE_HEIGHT_IN * len(chart.caption_lines)
    header += _HEADER_PAD_IN
    height = plot_height + header
    margins = chart._margins
    # The plot area sits below the header strip; subplots and add_subplot pick these up.
    subplot_params = SubplotParams(
        left=margins.left / width,
        right=1 - margins.right / width,
        bottom=margins.bottom / height,
        top=(plot_height - margins.top) / height,
        wspace=margins.wspace,
        hspace=margins.hspace,
    )
    with _RENDER_LOCK, matplotlib.rc_context(style.RC_PARAMS):
        figure = Figure(figsize=(width, height), facecolor="white", subplotpars=subplot_params)
        # The Agg canvas (no GUI backend, whatever MPLBACKEND says); SVG output swaps in
        # the SVG canvas for the duration of savefig.
        FigureCanvasAgg(figure)
        chart._draw(figure)
        left = 0.1 / width
        y = 1 - 0.1 / height
        figure.text(left, y, chart.title, ha="left", va="top", fontsize=12, fontweight="bold")
        y -= _TITLE_HEIGHT_IN / height
        for line in chart.caption_lines:
            figure.text(left, y, line, ha="left", va="top", fontsize=9, color=style.TEXT)
            y -= _CAPTION_LINE_HEIGHT_IN / height
    return figure


_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_GROUP = f"{{{_SVG_NS}}}g"
_XLINK_HREF = f"{{{_XLINK_NS}}}href"
_DEFS = f"{{{_SVG_NS}}}defs"
# Elements whose own stroke-linejoin/-linecap never reach the page (every element they
# contain gets its own); the rest get matplotlib's defaults as attributes.
_NOT_PAINTED = {_GROUP, _DEFS, f"{{{_SVG_NS}}}title", f"{{{_SVG_NS}}}desc"}
_REFERENCE = re.compile(r'url\(#([^)]+)\)|href="#([^"]+)"')
_UNIVERSAL_RULE = re.compile(r"\*\s*\{([^{}]*)\}")


def _declarations(text: str):
    """ "fill: #fff; stroke-width: 0.8" -> ("fill", "#fff"), ("stroke-width", "0.8").

    matplotlib writes plain declarations: no !important, no ";" inside a value.
    """
    for declaration in text.split(";"):
        name, colon, value = declaration.partition(":")
        if colon and name.strip():
            yield name.strip().lower(), value.strip()


def flatten_svg(svg: str) -> str:
    """matplotlib's SVG -> the same drawing as a flatter SVG document (see Chart.flat_svg).

    - <metadata> and matplotlib's own id-less <title> go (ours, with an id, stays);
    - matplotlib's one style sheet, `*{stroke-linejoin: round; stroke-linecap: butt}`,
      becomes attributes on every element that paints, and each `style` attribute
      becomes presentation attributes after it, so the cascade gives every element the
      same values as before (a group's own line join/cap never paints anything);
    - a <g> with nothing but an unreferenced id is replaced by its children, and empty
      <defs> go.
    """
    referenced = {a or b for a, b in _REFERENCE.findall(svg)}
    # Our own output, not untrusted input: the stdlib parser is fine here.
    root = ET.fromstring(svg.encode("utf-8"))  # noqa: S314
    defaults: dict[str, str] = {}
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rpartition("}")[2]
            if tag == "metadata" or (tag == "title" and "id" not in child.attrib):
                parent.remove(child)
            elif tag == "style":
                rule = _UNIVERSAL_RULE.fullmatch((child.text or "").strip())
                if rule is None:  # not matplotlib's sheet: leave the whole SVG as it was
                    return svg
                defaults.update(_declarations(rule.group(1)))
                parent.remove(child)
    for element in root.iter():
        style_attribute = element.attrib.pop("style", None)
        if element.tag not in _NOT_PAINTED:
            for name, value in defaults.items():
                element.set(name, value)
        if style_attribute:
            for name, value in _declarations(style_attribute):
                element.set(name, value)

    def unwrap(parent: ET.Element) -> None:
        children = []
        for child in parent:
            unwrap(child)
            wrapper = (
                child.tag == _GROUP
                and set(child.attrib) <= {"id"}
                and child.get("id") not in referenced
            )
            if wrapper:
                children.extend(child)
            elif not (child.tag == _DEFS and len(child) == 0):
                children.append(child)
        parent[:] = children

    unwrap(root)
    # Written with the usual prefixes (ElementTree would invent "ns0:"; registering them
    # would change ElementTree for the whole process).
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
        if _XLINK_HREF in element.attrib:
            element.set("xlink:href", element.attrib.pop(_XLINK_HREF))
    root.set("xmlns", _SVG_NS)
    root.set("xmlns:xlink", _XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _element_id(key: str, title: str, data_table: list[list[str]], caption: tuple) -> str:
    digest = hashlib.sha256(repr((key, title, data_table, caption)).encode("utf-8"))
    return f"chart-{key}-{digest.hexdigest()[:8]}"


_ID_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _render_svg(chart: Chart) -> str:
    figure = _build_figure(chart)
    buffer = io.StringIO()
    metadata = {"Date": None, "Creator": "FleetOptimiser", "Title": chart.title, "Language": "da"}
    with _RENDER_LOCK, matplotlib.rc_context(style.RC_PARAMS):
        figure.savefig(buffer, format="svg", metadata=metadata)
    return _finish_svg(buffer.getvalue(), chart)


def _finish_svg(svg: str, chart: Chart) -> str:
    """Make the SVG safe to inline several times on one page and accessible on its own."""
    root_id = chart.element_id
    # matplotlib's ids ("axes_1", "p3f2a...") repeat from chart to chart; an HTML page or the
    # PDF with six inlined charts must not have duplicate ids, so each gets the chart's prefix.
    ids = set(re.findall(r'\bid="([^"]+)"', svg))

    def prefixed(match: re.Match) -> str:
        opening, name = match.groups()
        return f"{opening}{root_id}-{name}" if name in ids else match.group(0)

    svg = _ID_REFERENCE.sub(prefixed, svg)
    svg = svg.replace("font-family: 'DejaVu Sans'", f"font-family: {style.SVG_FONT_STACK}")
    # <title> and <desc> as the first children, named by aria-labelledby: screen readers and
    # PDF tagging read the text alternative straight from the graphic.
    start = svg.index("<svg")
    end = svg.index(">", start)
    attributes = (
        f' id="{root_id}" role="img" lang="da" aria-labelledby="{root_id}-title {root_id}-desc"'
    )
    accessible = (
        f'\n <title id="{root_id}-title">{escape(chart.title)}</title>'
        f'\n <desc id="{root_id}-desc">{escape(chart.alt_text)}</desc>'
    )
    return svg[:end] + attributes + svg[end] + accessible + svg[end + 1 :]
