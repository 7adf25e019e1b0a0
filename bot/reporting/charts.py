"""The yearly report's charts, drawn from the report's figures (the same dictionary the JSON holds):
the funnel, on-time shares by quarter, sign-off lag per agency and actions by state per agency.
SVG for the HTML report, one PNG of all four for Slack.

Output is the same bytes for the same figures: no dates or versions in the files' metadata, a
fixed salt for SVG ids, and text drawn as outlines so no font is needed to show it.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.axes import Axes  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

from bot.reporting.figures import ACTION_STATES  # noqa: E402
from bot.review.stages import RAPID_REVIEW_WORKING_DAYS  # noqa: E402

matplotlib.rcParams.update(
    {
        "svg.hashsalt": "cspr-bot",
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
    }
)

# Okabe and Ito's palette: told apart with every kind of colour blindness.
BLUE, ORANGE, GREEN, VERMILION, SKY, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#8C8C8C"
# Stacked from done to overdue.
STATE_COLOURS = {"completed": GREEN, "awaiting_signoff": SKY, "open": GREY, "overdue": VERMILION}
SERIES = (
    ("notifications", "Notifications", BLUE),
    ("rapid_reviews", "Rapid reviews", ORANGE),
    ("lcsprs", "Local CSPRs", GREEN),
)
WIDTH = 6.0  # inches: narrow enough for the labels to be read on a phone


def _wrapped(name: str) -> str:
    return "\n".join(textwrap.wrap(name, 22)) or name


def funnel(ax: Axes, report: dict[str, Any]) -> None:
    counts = report["funnel"]
    steps = [
        ("Referrals", counts["referrals"]),
        ("Closed at triage", counts["closed_at_triage"]),
        ("Notifications", counts["notifications"]),
        ("Rapid reviews sent", counts["rapid_reviews"]),
        ("Decisions", sum(counts["decisions"].values())),
        ("Local CSPRs started", counts["lcsprs_started"]),
        ("Local CSPRs published", counts["lcsprs_published"]),
        ("Actions completed", counts["actions_completed"]),
    ]
    values = [value if isinstance(value, int) else 0 for _, value in steps]
    rows = range(len(steps))
    ax.barh(rows, values, color=BLUE)
    for row, (_, value) in zip(rows, steps):
        ax.annotate(str(value), (values[row], row), xytext=(4, 0), textcoords="offset points", va="center")
    ax.set_yticks(list(rows), [name for name, _ in steps])
    ax.invert_yaxis()
    ax.set_xlim(0, max(values, default=0) * 1.15 + 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("From referral to learning")


def on_time_by_quarter(ax: Axes, report: dict[str, Any]) -> None:
    quarters = report["timeliness"]["by_quarter"]
    width = 0.8 / len(SERIES)
    for index, (key, name, colour) in enumerate(SERIES):
        xs = [q + (index - 1) * width for q in range(len(quarters))]
        shares = [quarter[key]["share_on_time"] for quarter in quarters]
        ax.bar(xs, [share or 0 for share in shares], width, color=colour, label=name)
        for x, quarter, share in zip(xs, quarters, shares):
            if share is not None:
                counted = quarter[key]
                ax.annotate(
                    f"{counted['on_time']}/{counted['counted']}",
                    (x, share),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
    ax.set_xticks(range(len(quarters)), [quarter["quarter"].replace(" ", "\n", 1) for quarter in quarters])
    ax.set_ylim(0, 112)
    ax.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.legend(loc="lower left", fontsize=8, frameon=False, ncols=3, bbox_to_anchor=(0, -0.32))
    ax.set_title("On time, by quarter")


def signoff_lag(ax: Axes, report: dict[str, Any]) -> None:
    agencies = report["agencies"]
    rows = range(len(agencies))
    medians = [agency["median_working_days_to_signoff"] for agency in agencies]
    ax.barh(
        rows,
        [m or 0 for m in medians],
        color=[VERMILION if (m or 0) > RAPID_REVIEW_WORKING_DAYS else BLUE for m in medians],
    )
    for row, (agency, m) in enumerate(zip(agencies, medians)):
        text = "no sign-offs" if m is None else f"{m:g} ({agency['signoffs_on_time']} of {agency['signoffs']} on time)"
        ax.annotate(text, (m or 0, row), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.axvline(RAPID_REVIEW_WORKING_DAYS, color=GREY, linestyle="--", linewidth=1)
    ax.annotate(
        f"due: {RAPID_REVIEW_WORKING_DAYS}",
        (RAPID_REVIEW_WORKING_DAYS, 1),
        xycoords=("data", "axes fraction"),
        xytext=(3, -2),
        textcoords="offset points",
        va="top",
        fontsize=8,
        color=GREY,
    )
    ax.set_yticks(list(rows), [_wrapped(agency["name"]) for agency in agencies])
    ax.invert_yaxis()
    ax.set_xlim(0, max([RAPID_REVIEW_WORKING_DAYS, *(m or 0 for m in medians)]) * 1.45)
    ax.set_xlabel("median working days from the notification to the agency's sign-off")
    ax.set_title("Sign-off lag per agency")


def actions_by_state(ax: Axes, report: dict[str, Any]) -> None:
    agencies = report["agencies"]
    rows = range(len(agencies))
    left = [0] * len(agencies)
    for key, colour in STATE_COLOURS.items():
        name = ACTION_STATES[key]
        counts = [agency["actions"][key] for agency in agencies]
        ax.barh(rows, counts, left=left, color=colour, label=name)
        for row, count in enumerate(counts):
            if count:
                ax.annotate(
                    str(count),
                    (left[row] + count / 2, row),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if colour != SKY else "black",
                )
        left = [a + b for a, b in zip(left, counts)]
    ax.set_yticks(list(rows), [_wrapped(agency["name"]) for agency in agencies])
    ax.invert_yaxis()
    ax.set_xlim(0, max(left, default=0) + 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower left", fontsize=8, frameon=False, ncols=4, bbox_to_anchor=(0, -0.3))
    ax.set_title("Actions by state, per agency")


CHARTS: dict[str, tuple[Callable[[Axes, dict[str, Any]], None], str]] = {
    "funnel": (funnel, "How many cases reached each step in the period"),
    "on_time": (on_time_by_quarter, "Share of notifications, rapid reviews and local CSPRs on time in each quarter"),
    "signoff_lag": (signoff_lag, "Median working days each agency took to sign off its rapid reviews"),
    "actions": (actions_by_state, "Each agency's actions, by their state at the end of the period"),
}


def _height(name: str, report: dict[str, Any]) -> float:
    if name in ("signoff_lag", "actions"):
        return 1.4 + 0.45 * len(report["agencies"])
    return 3.4


def svg(name: str, report: dict[str, Any]) -> str:
    """One chart as an `<svg>` element to place in a page."""
    draw, description = CHARTS[name]
    figure = Figure(figsize=(WIDTH, _height(name, report)), layout="constrained")
    ax = figure.subplots()
    draw(ax, report)
    ax.set_title("")  # the page's heading says it
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = out.getvalue()
    element = text[text.index("<svg") :]
    return element.replace("<svg ", f'<svg role="img" aria-label="{description}" ', 1)


def png(report: dict[str, Any]) -> bytes:
    """All four charts in one image, for a direct message in Slack."""
    tallest = max(_height("signoff_lag", report), 3.4)
    figure = Figure(figsize=(2 * WIDTH, 2 * tallest + 0.8), layout="constrained")
    figure.suptitle(
        f"{report['about']['partnership']}: case reviews {report['about']['period']}", fontsize=14, fontweight="bold"
    )
    for ax, name in zip(figure.subplots(2, 2).flat, CHARTS):
        CHARTS[name][0](ax, report)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100, metadata={"Software": None})
    return out.getvalue()
