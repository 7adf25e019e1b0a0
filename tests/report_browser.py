"""Chromium from the system's packages, driven by Playwright: for the test of the HTML report and
for its screenshot in the README (`python -m tests.report_browser docs/report.png` writes it again
from the seeded year in `tests.report_year`)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.reporting import formats
from bot.usecases import reports
from bot.work import Work
from bot.working_days import WorkingCalendar
from storage import migrate
from storage.db import Database
from tests import report_year

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (the tests run as root), nothing fetched in the background, no first-run pages.
ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        try:
            yield browser
        finally:
            browser.close()


def seeded_year_html() -> str:
    """The HTML report of the seeded year, computed from a fresh SQLite database."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{folder}/report.db")
        try:
            migrate.upgrade(database)
            report_year.seed(database)
            partnership = report_year.partnership()
            with database.transaction() as session:
                work = Work(session, partnership, WorkingCalendar(partnership.closure_days), datetime.now(UTC))
                outcome = reports.yearly(work, "test", start=date(2024, 4, 1), end=date(2025, 3, 31))
        finally:
            database.dispose()
    return formats.as_html(outcome.data["report"])


def screenshot(html: Path, out: Path, viewport: dict[str, int] = LAPTOP) -> None:
    """The report's first screen, as a reader opening the file sees it."""
    with chromium() as browser:
        page = browser.new_page(viewport=viewport)
        page.goto(html.as_uri())
        page.screenshot(path=str(out))


if __name__ == "__main__":
    if problem := missing():
        sys.exit(problem)
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report.png")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        page.write_text(seeded_year_html(), encoding="utf-8")
        screenshot(page, target)
    print(f"written to {target}")
