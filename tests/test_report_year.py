"""`cspr-bot report` on the seeded year (`tests.report_year`, where each case's dates are worked
through): every figure checked against a number worked out by hand, in JSON, CSV and HTML alike,
and nothing about a child in any of them."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from storage import migrate
from storage.db import Database
from tests import report_year
from tests.test_cli import run

# Every figure of 1 April 2024 to 31 March 2025, named as in the CSV (section.figure).
EXPECTED = {
    "about.partnership": "Example Safeguarding Children Partnership",
    "about.period": "2024/25",
    "about.from": "2024-04-01",
    "about.to": "2025-03-31",
    "about.as_of": "2025-03-31",  # the year is over: everything as it stood on its last day
    "about.suppress_below": 5,
    # Referred in the year: 2024-002 (Mon 1 Apr 00:30 London), -003, -004, -005, -006, -007, -008,
    # -009, 2025-001, -002, -003, -004. Not 2024-001 (11 Mar 2024) nor 2025-005 (7 Apr 2025).
    "funnel.referrals": 12,
    "funnel.closed_at_triage": 2,  # 2024-002 (2 Apr), 2024-007 (15 Oct)
    # Notified: -003 4 Apr, -004 3 Jun, -005 7 Aug, -006 17 Sep, -008 6 Nov, -009 4 Dec,
    # 2025-001 14 Jan, -002 3 Mar, -003 17 Mar. (2024-001 was notified on 15 Mar 2024.)
    "funnel.notifications": 9,
    # Sent: 2024-001 9 Apr, -003 24 Apr, -004 21 Jun, -005 29 Aug, -006 8 Oct, -008 29 Nov,
    # -009 8 Jan, 2025-001 31 Jan. (2025-002 went on 2 Apr 2025.)
    "funnel.rapid_reviews": 8,
    "funnel.decisions.local_cspr": 2,  # 2024-001 8 Apr, 2024-003 23 Apr
    "funnel.decisions.no_further_review": 3,  # 2024-006, 2024-009, 2025-001 (2025-002's came on 1 Apr 2025)
    "funnel.decisions.other_learning_review": 2,  # 2024-004, 2024-005
    "funnel.decisions.possible_national_review": 1,  # 2024-008
    "funnel.lcsprs_started": 3,  # 2024-001 8 Apr, 2024-003 23 Apr, 2025-001 14 Feb (the Panel asked)
    "funnel.lcsprs_published": 2,  # 2024-003 14 Oct, 2024-001 28 Oct
    # Signed off in the year: 2023-014's health (7 Jun), 2024-003's police (16 Dec), 2024-001's
    # police (3 Feb). Education's, completed 12 Mar, was signed off on 9 Apr 2025.
    "funnel.actions_completed": 3,
    # The 12 referred children. Age bands 6 + 5 + 1 + 0 + 0: the small ones hidden, and the
    # largest other (6) withheld so 12 - 5 = 7 is all that can be worked out.
    "children.referrals": 12,
    "children.age_band.under_1": "withheld",  # -003, -005, -008, -009, 2025-003, 2025-004
    "children.age_band.1_4": 5,  # -004, -006, -007, 2025-001, 2025-002
    "children.age_band.5_9": "fewer than 5",  # -002
    "children.age_band.10_15": "fewer than 5",  # none (2024-001, 10 to 15, was referred before the year)
    "children.age_band.16_17": "fewer than 5",  # none (2025-005 was referred after it)
    "children.harm.death": "fewer than 5",  # -007, -008, -009
    "children.harm.serious_harm": "withheld",  # the other 9: withheld or 12 - 9 = 3 deaths would show
    "children.abuse_types.physical": 6,  # -003, -005, -008, -009, 2025-003, 2025-004
    "children.abuse_types.emotional": "fewer than 5",  # -002, -006
    "children.abuse_types.sexual": "fewer than 5",
    "children.abuse_types.neglect": 7,  # -004, -005, -006, -007, -009, 2025-001, 2025-002
    "children.abuse_types.exploitation": "fewer than 5",
    "children.abuse_types.not_known": "fewer than 5",
    # Working days from becoming aware to notifying: -003 2, -004 7, -005 2, -006 1, -008 2,
    # -009 3, 2025-001 2, -002 4, -003 3; sorted 1 2 2 2 [2] 3 3 4 7: median 2. Only 2024-004 late
    # (due Thu 30 May, sent Mon 3 Jun: 2 working days). 8 of 9 = 88.9%.
    "timeliness.notifications.counted": 9,
    "timeliness.notifications.on_time": 8,
    "timeliness.notifications.share_on_time": 89,
    "timeliness.notifications.median_working_days": 2,
    "timeliness.notifications.late": 1,
    "timeliness.notifications.late_median_working_days": 2,
    "timeliness.notifications.late_most_working_days": 2,
    "timeliness.notifications.waiting_past_deadline": 1,  # 2025-004, due Fri 28 Mar, not sent by 31 Mar
    # Working days from the notification to sending: 2024-001 15, -003 14, -004 14, -005 15,
    # -006 15, -008 17, -009 21, 2025-001 13; sorted 13 14 14 [15 15] 15 17 21: median 15.
    # Late: -008 by 2 (due Wed 27 Nov, sent Fri 29 Nov), -009 by 6 (due Mon 30 Dec, sent Wed 8
    # Jan across Christmas, the closure day and New Year): median 4, the latest 6. 6 of 8 = 75%.
    "timeliness.rapid_reviews.counted": 8,
    "timeliness.rapid_reviews.on_time": 6,
    "timeliness.rapid_reviews.share_on_time": 75,
    "timeliness.rapid_reviews.median_working_days": 15,
    "timeliness.rapid_reviews.late": 2,
    "timeliness.rapid_reviews.late_median_working_days": 4,
    "timeliness.rapid_reviews.late_most_working_days": 6,
    "timeliness.rapid_reviews.waiting_past_deadline": 1,  # 2025-002, due Mon 24 Mar, sent 2 Apr
    # Published: 2024-003 at 5 21/30 = 5.7 months (on time), 2024-001 at 6 20/31 = 6.65 months
    # (month 7, late); median (5.7 + 6.645) / 2 = 6.17 -> 6.2.
    "timeliness.lcsprs.counted": 2,
    "timeliness.lcsprs.on_time": 1,
    "timeliness.lcsprs.share_on_time": 50,
    "timeliness.lcsprs.median_months": 6.2,
    "timeliness.lcsprs.late": 1,
    "timeliness.lcsprs.waiting_past_target": 1,  # 2023-014: target 1 Mar 2024, still unpublished
    # Answers in the year: -003 agrees (10 working days after sending), -004 other (10), -006
    # agrees (8), -008 national (9), -009 agrees (9), 2025-001 local CSPR (10): sorted
    # 8 9 [9 10] 10 10, median 9.5.
    "timeliness.panel_answers.counted": 6,
    "timeliness.panel_answers.by_answer.agrees": 3,
    "timeliness.panel_answers.by_answer.local_cspr": 1,
    "timeliness.panel_answers.by_answer.national": 1,
    "timeliness.panel_answers.by_answer.other": 1,
    "timeliness.panel_answers.median_working_days": 9.5,
    # Quarters, by the day each was done. Notifications: Apr-Jun -003 on time, -004 late;
    # Jul-Sep -005, -006; Oct-Dec -008, -009; Jan-Mar 2025-001, -002, -003.
    "timeliness.by_quarter.Apr–Jun 2024.from": "2024-04-01",
    "timeliness.by_quarter.Apr–Jun 2024.to": "2024-06-30",
    "timeliness.by_quarter.Apr–Jun 2024.notifications.counted": 2,
    "timeliness.by_quarter.Apr–Jun 2024.notifications.on_time": 1,
    "timeliness.by_quarter.Apr–Jun 2024.notifications.share_on_time": 50,
    "timeliness.by_quarter.Jul–Sep 2024.notifications.counted": 2,
    "timeliness.by_quarter.Jul–Sep 2024.notifications.on_time": 2,
    "timeliness.by_quarter.Jul–Sep 2024.notifications.share_on_time": 100,
    "timeliness.by_quarter.Oct–Dec 2024.notifications.counted": 2,
    "timeliness.by_quarter.Oct–Dec 2024.notifications.on_time": 2,
    "timeliness.by_quarter.Jan–Mar 2025.notifications.counted": 3,
    "timeliness.by_quarter.Jan–Mar 2025.notifications.on_time": 3,
    "timeliness.by_quarter.Jan–Mar 2025.to": "2025-03-31",
    # Rapid reviews: Apr-Jun 2024-001, -003, -004 all on time; Jul-Sep -005; Oct-Dec -006 on time,
    # -008 late; Jan-Mar -009 late, 2025-001 on time.
    "timeliness.by_quarter.Apr–Jun 2024.rapid_reviews.counted": 3,
    "timeliness.by_quarter.Apr–Jun 2024.rapid_reviews.on_time": 3,
    "timeliness.by_quarter.Jul–Sep 2024.rapid_reviews.counted": 1,
    "timeliness.by_quarter.Jul–Sep 2024.rapid_reviews.on_time": 1,
    "timeliness.by_quarter.Oct–Dec 2024.rapid_reviews.counted": 2,
    "timeliness.by_quarter.Oct–Dec 2024.rapid_reviews.on_time": 1,
    "timeliness.by_quarter.Oct–Dec 2024.rapid_reviews.share_on_time": 50,
    "timeliness.by_quarter.Jan–Mar 2025.rapid_reviews.counted": 2,
    "timeliness.by_quarter.Jan–Mar 2025.rapid_reviews.on_time": 1,
    # Local CSPRs: both published in Oct-Dec, one on time; none in the other quarters.
    "timeliness.by_quarter.Apr–Jun 2024.lcsprs.counted": 0,
    "timeliness.by_quarter.Apr–Jun 2024.lcsprs.share_on_time": None,
    "timeliness.by_quarter.Oct–Dec 2024.lcsprs.counted": 2,
    "timeliness.by_quarter.Oct–Dec 2024.lcsprs.on_time": 1,
    "timeliness.by_quarter.Oct–Dec 2024.lcsprs.share_on_time": 50,
    "late.notifications.2024-004.due": "2024-05-30",
    "late.notifications.2024-004.notified": "2024-06-03",
    "late.notifications.2024-004.working_days_late": 2,
    "late.rapid_reviews.2024-008.due": "2024-11-27",
    "late.rapid_reviews.2024-008.sent": "2024-11-29",
    "late.rapid_reviews.2024-008.working_days_late": 2,
    "late.rapid_reviews.2024-009.due": "2024-12-30",
    "late.rapid_reviews.2024-009.sent": "2025-01-08",
    "late.rapid_reviews.2024-009.working_days_late": 6,
    "late.lcsprs.2024-001.decided": "2024-04-08",
    "late.lcsprs.2024-001.target": "2024-10-08",
    "late.lcsprs.2024-001.published": "2024-10-28",
    "late.lcsprs.2024-001.months": 6.6,
    "late.lcsprs.2024-001.days_late": 20,
    # Sign-offs in the year, working days from the notification (on time by the review's due date):
    # police 2024-001 12, -003 12, -004 13, -005 13, -006 14, -008 15, -009 13, 2025-001 11,
    # -002 7: sorted 7 11 12 12 [13] 13 13 14 15, all on time.
    "agencies.police.name": "Example Police",
    "agencies.police.signoffs": 9,
    "agencies.police.signoffs_on_time": 9,
    "agencies.police.median_working_days_to_signoff": 13,
    "agencies.police.actions.completed": 2,  # 2024-001's and 2024-003's
    "agencies.police.actions.open": 0,
    # csc 2024-001 14, -003 13, -006 13, -008 12, -009 15, 2025-001 12: sorted 12 12 [13 13] 14 15.
    "agencies.csc.signoffs": 6,
    "agencies.csc.signoffs_on_time": 6,
    "agencies.csc.median_working_days_to_signoff": 13,
    "agencies.csc.actions.overdue": 3,  # due 28 Feb, 17 Jan (reopened) and 31 Dec (the national review's)
    "agencies.csc.actions.completed": 0,
    # health 2024-001 13 (on time), -008 16 (late), -009 19 (late): median 16.
    "agencies.health.signoffs": 3,
    "agencies.health.signoffs_on_time": 1,
    "agencies.health.median_working_days_to_signoff": 16,
    "agencies.health.actions.open": 1,  # due 30 Jun 2025
    "agencies.health.actions.completed": 1,  # 2023-014's, signed off 7 Jun 2024
    # education 2024-003 13, -005 14: median 13.5.
    "agencies.education.signoffs": 2,
    "agencies.education.signoffs_on_time": 2,
    "agencies.education.median_working_days_to_signoff": 13.5,
    "agencies.education.actions.awaiting_signoff": 1,
    "agencies.education.actions.overdue": 0,
    # Eight actions live in the year: not 2023-014's police one (signed off 25 Mar 2024) nor the
    # national review's police one (made 2 Apr 2025).
    "actions.in_period": 8,
    "actions.open": 1,
    "actions.overdue": 3,
    "actions.awaiting_signoff": 1,
    "actions.completed": 3,
    # The library: 2024-001's (28 Oct), 2024-003's (14 Oct), the thematic review (July 2024) and
    # the SCR summary (31 Mar 2025). Not the one dated 2024 alone (it could be Jan to Mar 2024),
    # March 2024, the unpublished one or the national review of May 2022.
    "learning.reviews_published": 4,
    "learning.by_type.LCSPR": 2,
    "learning.by_type.thematic": 1,
    "learning.by_type.SCR": 1,
    "learning.by_type.CSPR": 0,
    "learning.themes.Neglect.reviews": 3,  # 2024-003's, the thematic review's and the SCR's "neglect"
    "learning.themes.Working with fathers.reviews": 2,
    "learning.themes.Exploitation.reviews": 1,
    "learning.themes.Non-accidental injury.reviews": 1,
    # Made in the year: 2024-001's two (11 Nov), 2024-003's first (28 Oct), the national review's
    # (1 Jul). Not 2023-014's (Feb 2024) nor 2024-003's second (22 Apr 2025).
    "learning.recommendations.made": 4,
    "learning.recommendations.from_local_reviews": 3,
    "learning.recommendations.from_national_reviews": 1,
    "learning.reviews.2023-014.recommendations": 1,
    "learning.reviews.2023-014.actions.completed": 1,
    "learning.reviews.2024-001.recommendations": 2,
    "learning.reviews.2024-001.actions.open": 1,
    "learning.reviews.2024-001.actions.overdue": 1,
    "learning.reviews.2024-001.actions.awaiting_signoff": 1,
    "learning.reviews.2024-001.actions.completed": 1,
    "learning.reviews.2024-003.recommendations": 1,
    "learning.reviews.2024-003.actions.overdue": 1,
    "learning.reviews.2024-003.actions.completed": 1,
    "learning.reviews.national-8.label": "National review (May 2022)",
    "learning.reviews.national-8.recommendations": 1,
    "learning.reviews.national-8.actions.overdue": 1,
}


def _find(report: dict, name: str):
    """A figure of the JSON by its name: each part a key, or the first field of a list's item."""
    node = report
    for part in name.split("."):
        if isinstance(node, list):
            node = next(item for item in node if str(next(iter(item.values()))) == part)
        else:
            node = node[part]
    return node


class _Figures(HTMLParser):
    """Each `<data data-figure=…>` of the page: its name, value and text as shown."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "data" and "data-figure" in attributes:
            self._open.append([attributes["data-figure"], attributes.get("value") or "", ""])

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "data" and self._open:
            self.found.append(tuple(self._open.pop()))


@pytest.fixture
def seeded(database_url: str, tmp_path: Path) -> dict[str, str]:
    database = Database(database_url)
    migrate.upgrade(database)
    report_year.seed(database)
    database.dispose()
    return {"DATABASE_URL": database_url, "CSPR_CONFIG": str(report_year.write_partnership(tmp_path))}


def _report(env: dict[str, str], folder: Path, file_format: str) -> str:
    output = folder / f"report.{file_format}"
    done = run(["report", "--from", "2024-04-01", "--to", "2025-03-31", "--format", file_format, "--output", str(output)], env, folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    return output.read_text(encoding="utf-8")


def test_the_seeded_year_has_the_hand_worked_figures_in_json_csv_and_html(seeded, tmp_path: Path):
    outputs = {file_format: _report(seeded, tmp_path, file_format) for file_format in ("json", "csv", "html")}

    report = json.loads(outputs["json"])
    assert {name: _find(report, name) for name in EXPECTED} == EXPECTED

    rows = list(csv.reader(io.StringIO(outputs["csv"])))
    assert rows[0] == ["section", "figure", "value"]
    in_csv = {f"{section}.{figure}": value for section, figure, value in rows[1:]}
    assert len(in_csv) == len(rows) - 1  # every figure named once
    assert {name: in_csv[name] for name in EXPECTED} == {
        name: "" if value is None else str(value) for name, value in EXPECTED.items()
    }

    page = _Figures()
    page.feed(outputs["html"])
    in_html: dict[str, str] = {}
    for name, value, _ in page.found:
        assert in_html.setdefault(name, value) == value, f"{name} shows two values"
    # The page shows every figure the CSV holds, with the same value.
    assert in_html == in_csv
    shown = {name: text for name, _, text in page.found}
    assert shown["timeliness.rapid_reviews.share_on_time"] == "75%"
    assert shown["timeliness.lcsprs.median_months"] == "6.2"
    assert shown["children.age_band.5_9"] == "fewer than 5"
    assert shown["late.rapid_reviews.2024-009.due"] == "Mon 30 Dec 2024"
    assert shown["timeliness.by_quarter.Apr–Jun 2024.lcsprs.share_on_time"] == "–"
    assert outputs["html"].count("<svg ") == 4

    for file_format, text in outputs.items():
        for secret in report_year.SECRETS:
            assert secret not in text, f"{secret!r} in the {file_format} report"
