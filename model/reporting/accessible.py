"""Accessible HTML for the briefing (WCAG 2.2 AA): figures with alt text and their data table one click away, tables
with captions and marked header cells, and the page's screen and print styles.

* ``figure_html``: a ``<figure>`` holding the PNG (base64, so the page stays self-contained) with ``alt`` written from
  the plotted data (``model.reporting.figure_text``), a visible caption, and a ``<details>`` element that opens the table of
  the numbers it plots.
* ``mark_header_cells``: adds ``scope="col"`` to the column headers of a pandas Styler table and, for tables whose
  first column names the row (member, measure, service...), turns that column into ``<th scope="row">`` cells.
* ``table_caption``: the caption of each briefing table (every table has one).
* ``ACCESSIBLE_CSS``: figure layout, focus outline, row-header style, and print rules (title page, page numbers, no
  table or figure cut across pages) used when ``briefing.pdf`` is printed from the same HTML (``model.reporting.printing``).

Every piece of text from input (titles, alt text, captions) is escaped here with
``model.scenario.escaping.html_text``.
"""

from __future__ import annotations

import base64
import re

from model.scenario.escaping import html_text

PLACEHOLDER_ALT = "No description has been provided for this image"  # nbconvert's alt for an image output

TABLE_CAPTIONS = {
    ("headline", "recommendation"): "The recommended catalogue, simulated",
    ("headline", "headline"): "The shared service at a glance",
    ("headline", "members"): "Members, headcount and contributions",
    ("demand", "demand"): "Expected cases and staff time per service",
    ("demand", "team"): "Host team today",
    ("catalogue", "totals"): "Going alone against the recommended shared catalogue",
    ("catalogue", "catalogue"): "Recommended service catalogue: how each member receives each service",
    ("catalogue", "savings"): "Cost and saving per member",
    ("tariffs", "tariffs"): "Annual charge per member under each tariff",
    ("tariffs", "core_check"): "Core check: would any group of members be better off leaving?",
    ("kpis", "attainment"): "Cases within KPI over the whole period, by service and member (95% confidence interval)",
    ("risk", "premium"): "Host risk premium",
    ("risk", "stress_tests"): "Stress tests: what each shock does to the service and the host",
    ("staffing", "team"): "Host team needed to meet the KPIs, by role",
    ("staffing", "kpis"): "Chance each KPI is met with that team",
    ("staffing", "standalone"): "Staff each member would need on its own",
    ("sensitivity", "tornado"): "Cost and KPI attainment with each input lower and higher",
    ("assumptions", "assumptions"): "Every input with its value and source",
}


def table_caption(section_key: str, table_name: str, section_title: str = "") -> str:
    """The caption of a briefing table: from ``TABLE_CAPTIONS``, else the section title and the table's name."""
    known = TABLE_CAPTIONS.get((section_key, table_name))
    if known:
        return known
    name = table_name.replace("_", " ")
    return f"{section_title}: {name}" if section_title else name[:1].upper() + name[1:]


_COLUMN_HEADER = re.compile(r'<th (id="[^"]*" )?class="(col_heading|index_name|blank)')
_FIRST_CELL = re.compile(r'<td (id="[^"]*" )?class="data (row\d+) col0" >(.*?)</td>', re.DOTALL)


def mark_header_cells(html: str, row_headers: bool = True) -> str:
    """``scope="col"`` on every column header of a Styler table; with ``row_headers`` the first cell of each body
    row becomes ``<th scope="row">`` (so a screen reader names the row when it reads a number)."""
    html = _COLUMN_HEADER.sub(lambda m: f'<th scope="col" {m.group(1) or ""}class="{m.group(2)}', html)
    if row_headers:
        html = _FIRST_CELL.sub(
            lambda m: (
                f'<th scope="row" {m.group(1) or ""}class="data row-heading {m.group(2)} col0" >{m.group(3)}</th>'
            ),
            html,
        )
    return html


def figure_html(png: bytes, alt: str, caption: str = "", table_html: str = "", figure_id: str = "") -> str:
    """A ``<figure>``: the PNG with ``alt``, an optional visible ``caption``, and ``table_html`` (the plotted numbers,
    already rendered with its own caption) inside a ``<details>`` element, closed until the reader opens it."""
    if not alt.strip() or alt.strip() == PLACEHOLDER_ALT:
        raise ValueError("a figure needs a description written from its data")
    source = base64.b64encode(png).decode("ascii")
    identity = f' id="{html_text(figure_id)}"' if figure_id else ""
    parts = [
        f'<figure class="briefing-figure"{identity}>',
        f'<img src="data:image/png;base64,{source}" alt="{html_text(alt)}">',
    ]
    if caption:
        parts.append(f"<figcaption>{html_text(caption)}</figcaption>")
    if table_html:
        parts.append(
            '<details class="figure-data"><summary>Show the numbers in this chart as a table</summary>'
            f"{table_html}</details>"
        )
    parts.append("</figure>")
    return "".join(parts)


ACCESSIBLE_CSS = """
<style>
  figure.briefing-figure { margin: 0.8em 0 1.6em; break-inside: avoid; page-break-inside: avoid; }
  figure.briefing-figure img { max-width: 100%; height: auto; display: block; }
  figure.briefing-figure figcaption { font-size: 0.95em; color: #212b32; margin-top: 0.3em; }
  details.figure-data summary { cursor: pointer; color: #003087; text-decoration: underline; margin: 0.3em 0; }
  details.figure-data[open] summary { margin-bottom: 0.5em; }
  :focus-visible { outline: 3px solid #ffb81c; outline-offset: 2px; box-shadow: 0 0 0 5px #212b32; }
  table.briefing-table caption { caption-side: top; text-align: left; font-weight: 600; color: #212b32;
    padding: 0.2em 0 0.4em; }
  .jp-RenderedHTMLCommon table.briefing-table tbody th, table.briefing-table tbody th {
    background: transparent; color: #212b32; font-weight: 600; text-align: left; vertical-align: middle; padding: 3px 10px;
    border-bottom: 1px solid #ddd; }
  .print-only { display: none; }
  @media print {
    @page { size: A4; margin: 16mm 14mm 18mm;
      @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 9pt; color: #212b32; } }
    .print-only { display: block; }
    .title-page { break-after: page; page-break-after: always; padding-top: 30%; }
    .title-page .title-page-title { font-size: 26pt; font-weight: 700; margin-bottom: 0.6em; }
    .title-page p { font-size: 13pt; margin: 0.3em 0; }
    a.anchor-link { display: none; }
    table, figure, img, .jp-OutputArea-output { break-inside: avoid; page-break-inside: avoid; }
    h1, h2, h3, caption { break-after: avoid; page-break-after: avoid; }
    details.figure-data { display: none; }
    body { font-size: 10.5pt; }
  }
</style>
"""
