"""``briefing.pdf`` for the board papers, printed from the briefing's own HTML by headless Chromium.

The HTML carries a print-only title page (scenario, date, run id: ``add_title_page``) and print rules
(``model.reporting.accessible.ACCESSIBLE_CSS``: A4, "Page n of m" in the margin, no table or figure cut across pages, headings
kept with what follows). ``print_pdf`` runs ``chromium --headless --print-to-pdf`` on that file with no network
(every web address goes to a closed local port), a private profile folder and no browser header or footer (which
would print the file's local path), writes the PDF under a temporary name and renames it into place, so a reader
never sees half a file.

Chromium is optional: without it ``print_pdf`` returns None and ``pdf_unavailable_reason`` says how to install it
(``make browser``); the briefing is still written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from model.scenario.escaping import html_text

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
PDF_NAME = "briefing.pdf"
INSTALL_HINT = "install Chromium with `make browser` (Debian: apt-get install -y chromium) to get briefing.pdf"


def find_chromium() -> str | None:
    """Path of a Chromium (or Chrome) able to run headless, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_unavailable_reason() -> str:
    """The line the commands print when no PDF can be made."""
    return f"PDF briefing not written: Chromium is not installed; {INSTALL_HINT}"


def run_id(created: datetime, seed: int) -> str:
    """The run's identity as in its folder name (``model.reporting.results.RunFolder``): ``20261202T153802Z-11``."""
    return f"{created:%Y%m%dT%H%M%SZ}-{seed}"


def title_page_html(title: str, scenario: str, created: datetime, run: str) -> str:
    """The print-only title page (hidden on screen, where the page's own heading comes first). Plain paragraphs,
    not headings, so the document keeps one ``h1``."""
    return (
        '<div class="print-only title-page">'
        f'<p class="title-page-title">{html_text(title)}</p>'
        f"<p>Scenario: {html_text(scenario)}</p>"
        f"<p>Date: {created:%d %B %Y}</p>"
        f"<p>Run id: {html_text(run)}</p>"
        "<p>Shared HR service model (sharedhr). Money in pounds per year, time in working days.</p>"
        "</div>"
    )


_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)


def add_title_page(html: str, title: str, scenario: str, created: datetime, run: str) -> str:
    """``html`` with the title page as the first element of its body."""
    match = _BODY.search(html)
    if match is None:
        raise ValueError("the briefing HTML has no <body> element")
    return html[: match.end()] + title_page_html(title, scenario, created, run) + html[match.end() :]


def print_pdf(
    html_path: str | Path, pdf_path: str | Path, chromium: str | None = None, timeout_s: float = 120.0
) -> Path | None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; returns the path, or None when there is no
    Chromium. Raises RuntimeError (with Chromium's last words) if Chromium fails or takes longer than
    ``timeout_s``; every process it started is stopped either way."""
    browser = chromium or find_chromium()
    if browser is None:
        return None
    source = Path(html_path).resolve()
    target = Path(pdf_path)
    partial = target.with_name(f".{target.stem}.partial{target.suffix}")
    with tempfile.TemporaryDirectory(prefix="sharedhr-pdf-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # No network while printing: the page is self-contained, and the script links nbconvert adds (require.js,
            # MathJax from a CDN) must not change what is printed, nor tell anyone that a briefing was printed.
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={partial}",
            source.as_uri(),
        ]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            _out, errors = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _stop_group(process)
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"Chromium did not print the briefing within {timeout_s:.0f} s") from None
    if process.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        last = (errors or "").strip().splitlines()[-3:]
        raise RuntimeError(f"Chromium could not print the briefing (exit {process.returncode}): {' | '.join(last)}")
    os.replace(partial, target)
    return target


def _stop_group(process: subprocess.Popen) -> None:
    """Stop a Chromium that is still running, with the helper processes it started (its own process group: the
    browser is not reaped yet, so the group id is still its own), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def write_briefing_pdf(
    folder: Path, html_name: str, title: str, scenario: str, created: datetime, seed: int
) -> Path | None:
    """Add the title page to ``folder/html_name`` and print it to ``folder/briefing.pdf``; returns the PDF's path,
    or None when there is no Chromium or it failed (a warning on stderr says why: the briefing itself stands)."""
    page = folder / html_name
    page.write_text(
        add_title_page(page.read_text(encoding="utf-8"), title, scenario, created, run_id(created, seed)),
        encoding="utf-8",
    )
    try:
        return print_pdf(page, folder / PDF_NAME)
    except (RuntimeError, OSError) as error:
        print(f"warning: PDF briefing not written: {error}", file=sys.stderr)
        return None


def pdf_skipped_line() -> str:
    """What the commands print when ``briefing.pdf`` was not written."""
    if find_chromium() is None:
        return pdf_unavailable_reason()
    return "PDF briefing not written: Chromium failed (see the warning above)"
