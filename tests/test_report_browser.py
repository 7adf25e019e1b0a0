"""The HTML report in a real browser (Chromium from the system's packages, driven by Playwright):
it renders on a phone and a laptop, every chart shows, nothing is fetched from anywhere, and it
prints on A4 pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.report_browser import LAPTOP, PHONE, chromium, missing, seeded_year_html

pytestmark = pytest.mark.skipif(missing() is not None, reason=missing() or "")

A4 = (595.28, 841.89)  # points


def test_the_report_renders_offline_with_every_chart_and_prints_on_a4(tmp_path: Path):
    from pypdf import PdfReader

    report = tmp_path / "report.html"
    report.write_text(seeded_year_html(), encoding="utf-8")
    with chromium() as browser:
        for viewport in (PHONE, LAPTOP):
            page = browser.new_page(viewport=viewport)
            requested: list[str] = []
            page.on("request", lambda request, seen=requested: seen.append(request.url))
            page.goto(report.as_uri(), wait_until="load")
            assert page.title() == "Case reviews 2024/25: Example Safeguarding Children Partnership"
            assert page.locator("h1").inner_text() == "Case reviews 2024/25"
            assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px \"Report Sans\"'))")
            charts = page.locator("figure.chart svg")
            assert charts.count() == 4
            for index in range(4):
                chart = charts.nth(index)
                chart.scroll_into_view_if_needed()
                box = chart.bounding_box()
                assert chart.is_visible() and box is not None and box["width"] > 100 and box["height"] > 50, box
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
            # Nothing wider than the screen: wide tables scroll inside their own box.
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            assert requested == [report.as_uri()]
        pdf = page.pdf(format="A4")
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) > 1
    for printed in pages:
        size = (float(printed.mediabox.width), float(printed.mediabox.height))
        assert all(abs(got - wanted) < 1 for got, wanted in zip(size, A4)), size
