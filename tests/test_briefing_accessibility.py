"""The rendered briefing is accessible (WCAG 2.2 AA) and its PDF is fit for the board papers.

* axe-core (from the npm registry, pinned in .browser/package.json, installed by ``make axe``) runs in headless
  Chromium, driven by Playwright, against the briefing of the suite's one briefing run (``briefing_run`` in
  conftest.py) with every data table opened, on the WCAG 2.0/2.1/2.2 A and AA rule sets: no violation.
* Every image has alt text written from its data (never empty, never nbconvert's placeholder), every figure has the
  table of its numbers, every table a caption and scoped header cells, and headings go h1, h2... without a gap.
* ``briefing.pdf`` has the title page (scenario, date, run id), every section heading, the headline figure, page
  numbers, and no figure cut across two pages.

Skips, with the reason, when Chromium (``make browser``), axe-core (``make axe``) or Playwright is missing.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from model.reporting.accessible import PLACEHOLDER_ALT

ROOT = Path(__file__).resolve().parent.parent
AXE_FOLDER = ROOT / ".browser" / "node_modules" / "axe-core"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [pytest.mark.xdist_group("brief_cli"), pytest.mark.slow]


def _run(briefing_run: dict[str, object]) -> Path:
    run = briefing_run["run"]
    assert isinstance(run, Path)
    return run


@pytest.fixture(scope="module")
def axe_source() -> tuple[str, str]:
    """(axe.min.js, its pinned version); skips when ``make axe`` has not installed the pinned version."""
    pinned = json.loads((ROOT / ".browser" / "package.json").read_text())["dependencies"]["axe-core"]
    installed = AXE_FOLDER / "package.json"
    if not installed.is_file():
        pytest.skip(f"axe-core {pinned} is not installed: run `make axe` (npm ci into .browser/node_modules)")
    version = json.loads(installed.read_text())["version"]
    if version != pinned:
        pytest.skip(f"axe-core {version} is installed, {pinned} is pinned: run `make axe`")
    return (AXE_FOLDER / "axe.min.js").read_text(encoding="utf-8"), pinned


def test_axe_core_finds_no_wcag_22_aa_violation(
    briefing_run: dict[str, object], chromium: str, axe_source: tuple[str, str]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is a dev dependency: make .venv")
    source, pinned = axe_source
    page_uri = (_run(briefing_run) / "briefing.html").resolve().as_uri()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(page_uri)
            # the tables behind the figures are scanned too
            opened = page.evaluate(
                "() => { const d = [...document.querySelectorAll('details')]; "
                "d.forEach(e => { e.open = true; }); return d.length; }"
            )
            page.add_script_tag(content=source)
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                WCAG_22_AA,
            )
            images = page.evaluate("() => [...document.images].map(i => i.getAttribute('alt'))")
        finally:
            browser.close()
    assert result["testEngine"]["version"] == pinned
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
    ]
    assert violations == []
    assert result["passes"], "axe ran no rule"
    assert len(images) >= 7 and opened == len(images)
    for alt in images:
        assert alt and alt.strip() and alt != PLACEHOLDER_ALT
        assert re.search(r"\d", alt), alt  # written from the data: it quotes numbers


class _Page(HTMLParser):
    """Headings, images, tables (caption, header cells) and figures of the briefing page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.images: list[dict[str, str]] = []
        self.tables: list[dict[str, Any]] = []
        self.figures: list[dict[str, Any]] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "img":
            self.images.append(attributes)
            if self.figures and "figure" in self._stack:
                self.figures[-1]["alt"] = attributes.get("alt", "")
        elif tag == "figure":
            self.figures.append({"tables": 0, "details": False})
        elif tag == "details" and "figure" in self._stack:
            self.figures[-1]["details"] = True
        elif tag == "table":
            self.tables.append({"caption": False, "col": 0, "th": 0})
            if "figure" in self._stack:
                self.figures[-1]["tables"] += 1
        elif tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        elif tag == "th" and self.tables:
            self.tables[-1]["th"] += 1
            self.tables[-1]["col"] += attributes.get("scope") in ("col", "row")
        if tag not in ("img", "br", "meta", "link", "input", "hr"):
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass


def test_figures_tables_and_headings_are_marked_up(briefing_run: dict[str, object]) -> None:
    run = _run(briefing_run)
    page = _Page()
    page.feed((run / "briefing.html").read_text(encoding="utf-8"))
    # one h1, then no level skipped
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), page.headings
    # every figure: an image with data alt text and its numbers one click away; every image is in a figure
    status = json.loads((run / "briefing_status.json").read_text())
    figures = sum(len(s["figures"]) for s in status["sections"])
    assert figures == 7 and len(page.figures) == figures == len(page.images)
    for figure in page.figures:
        assert figure["details"] and figure["tables"] == 1 and figure["alt"] not in ("", PLACEHOLDER_ALT)
    # every table: a caption, and every header cell scoped
    assert len(page.tables) >= 15
    for table in page.tables:
        assert table["caption"] and table["th"] > 0 and table["col"] == table["th"], table


def test_figure_tables_hold_the_plotted_numbers(briefing_run: dict[str, object]) -> None:
    """The tariff chart's table shows the same per-capita charges as the tariff table the board reads."""
    run = _run(briefing_run)
    html = (run / "briefing.html").read_text(encoding="utf-8")
    with (run / "tables" / "tariffs_tariffs.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    figure = html[html.index('id="figure-tariffs-tariffs"') :]
    figure = figure[: figure.index("</figure>")]
    for row in rows:
        charge = f"£{float(row['Per-capita (GBP per year)']):,.0f}"
        assert charge in figure, charge
        assert f"{row['Member']}: lowest" in figure  # the alt text names each member's cheapest tariff


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split()) for page in PdfReader(path).pages]


def test_pdf_has_title_page_headings_headline_and_page_numbers(briefing_run: dict[str, object], chromium: str) -> None:
    pytest.importorskip("pypdf", reason="pypdf is a dev dependency: make .venv")
    run = _run(briefing_run)
    pdf = run / "briefing.pdf"
    assert pdf.is_file(), "Chromium is installed, so brief must print briefing.pdf"
    printed = [line for line in str(briefing_run["stdout"]).splitlines() if line.strip().startswith("PDF briefing:")]
    assert len(printed) == 1, briefing_run["stdout"]
    shown = Path(printed[0].split(":", 1)[1].strip())
    assert (Path(str(briefing_run["cwd"])) / shown).resolve() == pdf.resolve()
    manifest = json.loads((Path(str(briefing_run["folder"])) / "manifest.json").read_text())
    assert "briefing/briefing.pdf" in manifest["files"]
    pages = _pdf_pages(pdf)
    count = len(pages)
    assert count >= 4
    created = datetime.fromisoformat(manifest["created_utc"])
    title = pages[0]
    assert title.startswith(f"Page 1 of {count}") or f"Page 1 of {count}" in title
    assert "Board briefing" in title and "Scenario: Small test partnership" in title
    assert f"Date: {created:%d %B %Y}" in title and f"Run id: {Path(str(briefing_run['folder'])).name}" in title
    assert "Cost today" not in title  # the title page stands alone
    assert all(f"Page {n} of {count}" in text for n, text in enumerate(pages, start=1))
    text = " ".join(pages[1:])
    status = json.loads((run / "briefing_status.json").read_text())
    for heading in [s["title"] for s in status["sections"]] + ["How this briefing was produced"]:
        assert heading in text, heading
    # the headline figure, as the HTML shows it
    with (run / "tables" / "headline_headline.csv").open(encoding="utf-8") as handle:
        headline = {row["Measure"]: row["Value"] for row in csv.DictReader(handle)}
    cost = headline["Cost today, expected from the inputs (GBP per year; see the note on figures)"]
    assert re.fullmatch(r"£[\d,]+", cost) and cost in text
    assert str(run.parent) not in text  # no local path printed in a header or footer


def test_pdf_cuts_no_figure_across_pages(briefing_run: dict[str, object], chromium: str) -> None:
    """Each figure is drawn on exactly one page: an image split by a page break would be drawn on two."""
    pypdf = pytest.importorskip("pypdf", reason="pypdf is a dev dependency: make .venv")
    reader = pypdf.PdfReader(_run(briefing_run) / "briefing.pdf")

    def images(resources: Any) -> int:  # images drawn by a page, also inside its form XObjects
        found = 0
        for item in (resources.get("/XObject") or {}).values():
            thing = item.get_object()
            if thing.get("/Subtype") == "/Image":
                found += 1
            elif thing.get("/Subtype") == "/Form":
                found += images(thing.get("/Resources") or {})
        return found

    per_page = [images(page.get("/Resources") or {}) for page in reader.pages]
    assert sum(per_page) == 7, per_page


def test_pdf_is_tagged_with_the_figures_alt_text(briefing_run: dict[str, object], chromium: str) -> None:
    """Chromium tags the PDF (structure tree, language): each figure keeps the alt text the HTML gives it."""
    pypdf = pytest.importorskip("pypdf", reason="pypdf is a dev dependency: make .venv")
    run = _run(briefing_run)
    root = pypdf.PdfReader(run / "briefing.pdf").trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and str(root["/Lang"]).startswith("en")
    found: list[str] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"])
    page = _Page()
    page.feed((run / "briefing.html").read_text(encoding="utf-8"))
    assert found == [image["alt"] for image in page.images]
