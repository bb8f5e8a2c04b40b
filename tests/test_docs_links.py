"""README.md stays short, and every relative link and image in README.md and docs/ points to an existing file.

Anchors inside the site and API names are checked by ``mkdocs build --strict`` (in ``make test``); this test also
covers README.md, which lives outside the site, and runs without building it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README_MAX_LINES = 250
# [text](target) and ![alt](target); the target ends at whitespace (an optional "title" follows) or ')'.
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target><[^>]+>|[^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def relative_links(page: Path) -> list[str]:
    """Link targets that are neither web addresses nor in-page anchors, outside code spans and blocks."""
    text = CODE.sub("", page.read_text(encoding="utf-8"))
    targets = [match["target"].strip("<>") for match in LINK.finditer(text)]
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.IGNORECASE) and not t.startswith("#")]


def test_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines; move detail to a page under docs/"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_files(page: Path) -> None:
    missing = []
    for target in relative_links(page):
        path = target.split("#", 1)[0]
        if path and not (page.parent / path).exists():
            missing.append(target)
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_every_topic_page_is_linked() -> None:
    """Every page under docs/ is reachable from README.md or from the site's home page (docs/index.md)."""
    linked = {t.split("#")[0] for t in relative_links(ROOT / "README.md")}
    linked |= {"docs/" + t.split("#")[0] for t in relative_links(ROOT / "docs" / "index.md")}
    topic_pages = sorted(p.name for p in (ROOT / "docs").glob("*.md") if p.name != "index.md")
    unlinked = [name for name in topic_pages if f"docs/{name}" not in linked]
    assert not unlinked, f"neither README.md nor docs/index.md links {unlinked}"


def test_the_link_finder_finds_links() -> None:
    assert "docs/testing.md" in relative_links(ROOT / "README.md")
    assert "images/briefing_herts_beds_luton.png" in relative_links(ROOT / "docs" / "briefing.md")
