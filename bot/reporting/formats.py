"""The yearly report written out: JSON, CSV and one self-contained HTML page, all printed from the
same figures (`bot.reporting.figures.compute`), so they cannot disagree.

CSV is one figure a row: its section, its name within the section (parts joined by dots; an item
of a list is named by its first field, such as the agency or the case reference) and its value.
The HTML page marks each figure with the same name (`data-figure`), so a figure can be found in
every format under one name.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from markupsafe import Markup

from bot.reporting import charts, fonts
from bot.reporting.figures import ACTION_STATES
from bot.review import panel
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, HARMS
from bot.review.stages import NOTIFICATION_WORKING_DAYS, OUTCOMES, RAPID_REVIEW_WORKING_DAYS
from messages.html import render_page


def as_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def figures(report: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every figure with its name: (section, part, ...) and its value."""
    for key, value in report.items():
        if isinstance(value, dict):
            yield from figures(value, (*path, key))
        elif isinstance(value, list):
            for item in value:
                name, *rest = item
                yield from figures({field: item[field] for field in rest}, (*path, key, str(item[name])))
        else:
            yield (*path, key), value


def as_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "figure", "value"])
    for path, value in figures(report):
        writer.writerow([path[0], ".".join(path[1:]), "" if value is None else value])
    return out.getvalue()


def as_html(report: dict[str, Any]) -> str:
    return render_page(
        "report/yearly.html.j2",
        report=report,
        charts={name: Markup(charts.svg(name, report)) for name in charts.CHARTS},
        descriptions={name: description for name, (_, description) in charts.CHARTS.items()},
        fonts=Markup(fonts.stylesheet()),
        family=fonts.FAMILY,
        labels={
            "outcomes": OUTCOMES,
            "answers": panel.ANSWERS,
            "age_band": AGE_BANDS,
            "harm": HARMS,
            "abuse_types": ABUSE_TYPES,
            "states": ACTION_STATES,
        },
        notification_days=NOTIFICATION_WORKING_DAYS,
        review_days=RAPID_REVIEW_WORKING_DAYS,
    )
