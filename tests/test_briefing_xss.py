"""Stored XSS: free text from the scenario (sources, KPI descriptions) reaches the HTML briefing as text, never as
markup. The briefing run of the suite (``briefing_run`` in conftest.py) carries ``<script>``, ``"><img onerror>``,
``javascript:`` links and a ``<b id=...>`` in its free-text fields; the page is opened in headless Chromium (scripts
run) and the DOM it builds is checked for any element or attribute those strings could have created."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from model.reporting.briefing.context import Section, table_html
from model.reporting.briefing.outputs import show
from model.scenario import html_text

pytestmark = [pytest.mark.xdist_group("brief_cli"), pytest.mark.slow]


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the page title."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _hostile_markup(tags: list[tuple[str, dict[str, str]]]) -> list[str]:
    """What the hostile strings would create if they were not escaped."""
    found = []
    for tag, attributes in tags:
        if any(name.startswith("on") for name in attributes):
            found.append(f"<{tag}> with an event handler {attributes}")
        if tag == "img" and attributes.get("src") == "x":
            found.append("<img src=x>")
        if any(
            value.strip().lower().startswith("javascript:") or value == "#harmful-link" for value in attributes.values()
        ):
            found.append(f"<{tag}> with a javascript: link {attributes}")
        if attributes.get("id") == "xss-b":
            found.append("<b id=xss-b>")
    return found


def test_hostile_free_text_creates_no_element_in_the_browser(
    briefing_run: dict[str, object], run_chromium: Callable[..., Any], tmp_path: Path
) -> None:
    run = briefing_run["run"]
    assert isinstance(run, Path)
    dom = run_chromium(tmp_path / "profile", "--dump-dom", (run / "briefing.html").resolve().as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    parser = _Elements()
    parser.feed(dom.stdout)
    assert _hostile_markup(parser.tags) == []
    # no injected script ran: each would have changed the title
    assert parser.title == "Board briefing: Small test partnership"
    assert "XSS-" not in parser.title
    # the text is still there for the reader, as text (the assumptions table shows every source)
    assert "&lt;script&gt;document.title='XSS-SCRIPT'&lt;/script&gt;" in dom.stdout
    assert '&lt;b id="xss-b"&gt;bold&lt;/b&gt;' in dom.stdout


def test_table_cells_headers_and_captions_are_escaped() -> None:
    table = pd.DataFrame({"<i>Item</i>": ["<script>x()</script>", '"><img src=x onerror=y>'], "Cost (GBP)": [1, 2]})
    page = table_html(table, caption="<u>caption</u>")
    for raw in ("<script>", "<img", "<i>", "<u>"):
        assert raw not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "&lt;i&gt;Item&lt;/i&gt;" in page


def test_section_text_notes_and_titles_are_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    import IPython.display as display_module

    monkeypatch.setattr(display_module, "display", lambda item: shown.append(item.data))
    section = Section(
        key="k",
        title="<script>t()</script>",
        text="[click](javascript:alert(1)) <img src=x onerror=y>",
        missing=["Not yet available: <b>x</b>"],
        notes=["<a href='javascript:z'>n</a>"],
    )
    show(section)
    text = "\n".join(shown)
    assert "<script>" not in text and "<img" not in text and "<b>" not in text and "<a " not in text
    assert "[click]" not in text and "&#91;click&#93;" in text


def test_html_text_escapes_everything_that_makes_markup() -> None:
    assert html_text("<a href=\"x\" onclick='y'>[l](javascript:z) & </a>") == (
        "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;&#91;l&#93;(javascript:z) &amp; &lt;/a&gt;"
    )
