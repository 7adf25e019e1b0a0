"""A reporting year, 1 April 2024 to 31 March 2025, seeded in bulk through the models, and every
figure of its report worked out by hand.

Bank holidays in England that matter here: Good Friday 29 Mar 2024, Easter Monday 1 Apr 2024,
6 May, 27 May, 26 Aug, 25 and 26 Dec 2024, 1 Jan 2025. The partnership also closes on Tue 24 Dec
2024. "W(d, n)" below is the n-th working day after d; "k wd" is k working days after the start.

Every free-text field holds a marker ("IDENT", "QZX") that must never reach a report.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.partnership import Partnership, parse
from bot.review.stages import notification_due, review_due
from bot.working_days import WorkingCalendar
from storage.db import Database
from storage.models import (
    Action,
    ActionUpdate,
    Case,
    Decision,
    LibraryEntry,
    LocalReview,
    Milestone,
    PanelAnswer,
    Recommendation,
    SignOff,
)
from tests.conftest import PARTNERSHIP_FILE

LONDON = ZoneInfo("Europe/London")
SECRETS = ("IDENT", "QZX", "Acacia")
SCRUTINEER = "U01SCRUTINY"
# The test partnership (its scrutineer is U01SCRUTINY), closed on Christmas Eve 2024 too.
PARTNERSHIP_TEXT = PARTNERSHIP_FILE.read_text(encoding="utf-8").replace(
    "extra_closure_days: [2026-12-24]", "extra_closure_days: [2024-12-24, 2026-12-24]"
)


def partnership() -> Partnership:
    return parse(PARTNERSHIP_TEXT)


CALENDAR = WorkingCalendar(partnership().closure_days)


def write_partnership(folder: Path) -> Path:
    path = folder / "partnership.yaml"
    path.write_text(PARTNERSHIP_TEXT, encoding="utf-8")
    return path


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """A moment on `day`, London time."""
    return datetime.combine(date.fromisoformat(day), time(hour, minute), LONDON)


def on(day: str | None) -> date | None:
    return date.fromisoformat(day) if day else None


def _case(ref: str, referred: str, age: str, harm: str, abuse: list[str], aware: str, **later: Any) -> dict[str, Any]:
    """One case's columns; `later` holds notified, sent, closed, reason, stage and the case's parts."""
    year, number = ref.split("-")
    referred_at = later.pop("referred_at", None) or at(referred)
    return {
        "ref": ref,
        "ref_year": int(year),
        "ref_seq": int(number),
        "referral_key": f"V{ref}",
        "stage": later.get("stage", "closed" if later.get("closed") else "awaiting_panel"),
        "referring_agency": "police",
        "referred_by": "U01POLICE",
        "referred_at": referred_at,
        "child_identifier": "Child QZX",
        "summary": "IDENT summary: lives at 12 Acacia Avenue.",
        "age_band": age,
        "harm": harm,
        "abuse_types": abuse,
        "incident_on": on(aware),
        "aware_on": on(aware),
        "criteria_view": "yes",
        "notification_due": notification_due(on(aware), CALENDAR),
        "notified_on": on(later.get("notified")),
        "review_due": review_due(on(later["notified"]), CALENDAR) if later.get("notified") else None,
        "sent_to_panel_on": on(later.get("sent")),
        "closed_at": at(later["closed"]) if later.get("closed") else None,
        "closed_reason": later.get("reason"),
        "closure_note": "IDENT closing note" if later.get("closed") else None,
    }


# (case columns, sign-offs {agency: day}, decision (outcome, final day), Panel (answer, day),
#  local CSPR (decided on, requested by, published on))
CASES: list[tuple[dict[str, Any], dict[str, str], tuple | None, tuple | None, tuple | None]] = [
    # 2023-014: a local CSPR from the year before, decided 1 Sep 2023, target 1 Mar 2024, still
    # unpublished on 31 Mar 2025: waiting past its target. Nothing else of it is in the year.
    (
        _case("2023-014", "2023-06-05", "16_17", "death", ["sexual"], "2023-06-05",
              notified="2023-06-06", sent="2023-06-26", stage="local_review"),
        {"police": "2023-06-20"}, ("other_learning_review", "2023-06-23"), ("local_cspr", "2023-09-01"),
        ("2023-09-01", "panel", None),
    ),
    # 2024-001: referred and notified before the year (Fri 15 Mar 2024). Rapid review due
    # W(15 Mar, 15): 18-22 Mar (5), 25-28 Mar (9), [29 Mar, 1 Apr bank holidays], 2-5 Apr (13),
    # 8 (14), 9 Apr (15) = Tue 9 Apr; sent Tue 9 Apr: 15 wd, on time. Sign-offs: police Thu 4 Apr
    # (12 wd), health Fri 5 Apr (13), csc Mon 8 Apr (14), all by 9 Apr. Decision local CSPR final
    # Mon 8 Apr; target 8 Oct 2024; published Mon 28 Oct = 6 months and 20 days of the 31-day
    # month 8 Oct-8 Nov = 6.645 -> 6.6 months, 20 days late: published in month 7.
    (
        _case("2024-001", "2024-03-11", "10_15", "death", ["physical"], "2024-03-11",
              notified="2024-03-15", sent="2024-04-09", stage="local_review"),
        {"police": "2024-04-04", "health": "2024-04-05", "csc": "2024-04-08"}, ("local_cspr", "2024-04-08"), None,
        ("2024-04-08", "partners", "2024-10-28"),
    ),
    # 2024-002: referred Mon 1 Apr 00:30 BST (Sun 31 Mar 23:30 UTC): in the year by London's
    # date. Closed at triage, criteria not met, Tue 2 Apr.
    (
        _case("2024-002", "2024-04-01", "5_9", "serious_harm", ["emotional"], "2024-03-28",
              referred_at=at("2024-04-01", 0, 30), closed="2024-04-02", reason="criteria_not_met"),
        {}, None, None, None,
    ),
    # 2024-003: aware Tue 2 Apr; notification due W(2 Apr, 5) = 3, 4, 5, 8, 9 Apr = Tue 9 Apr;
    # notified Thu 4 Apr: 2 wd. Review due W(4 Apr, 15): 5 (1), 8-12 (6), 15-19 (11),
    # 22-25 Apr (15) = Thu 25 Apr; sent Wed 24 Apr: 14 wd. Sign-offs police Mon 22 Apr (12),
    # csc and education Tue 23 Apr (13). Local CSPR final Tue 23 Apr; target 23 Oct; published
    # Mon 14 Oct = 5 months and 21 days of the 30-day month 23 Sep-23 Oct = 5.7 months, on time.
    # The Panel agrees Thu 9 May: 25, 26 (2), 29 Apr-3 May (7), [6 May], 7, 8, 9 May = 10 wd.
    (
        _case("2024-003", "2024-04-03", "under_1", "serious_harm", ["physical"], "2024-04-02",
              notified="2024-04-04", sent="2024-04-24", stage="local_review"),
        {"police": "2024-04-22", "csc": "2024-04-23", "education": "2024-04-23"}, ("local_cspr", "2024-04-23"),
        ("agrees", "2024-05-09"), ("2024-04-23", "partners", "2024-10-14"),
    ),
    # 2024-004: aware Wed 22 May; notification due W(22 May, 5) = 23, 24, [27 May], 28, 29,
    # 30 May = Thu 30 May; notified Mon 3 Jun: 7 wd, late by 31 May and 3 Jun = 2 wd. Review
    # due W(3 Jun, 15) = Mon 24 Jun; sent Fri 21 Jun: 14 wd. Sign-off police Thu 20 Jun (13).
    # Other learning review final Thu 20 Jun. The Panel: other, Fri 5 Jul (24-28 Jun, 1-5 Jul = 10 wd).
    (
        _case("2024-004", "2024-05-23", "1_4", "serious_harm", ["neglect"], "2024-05-22",
              notified="2024-06-03", sent="2024-06-21", closed="2024-07-10", reason="closed"),
        {"police": "2024-06-20"}, ("other_learning_review", "2024-06-20"), ("other", "2024-07-05"), None,
    ),
    # 2024-005: aware Mon 5 Aug; notified Wed 7 Aug: 2 wd. Review due W(7 Aug, 15): 8, 9 (2),
    # 12-16 (7), 19-23 (12), [26 Aug], 27, 28, 29 (15) = Thu 29 Aug; sent Thu 29 Aug: 15 wd, on
    # time. Sign-offs police Tue 27 Aug (13), education Wed 28 Aug (14). Other learning review
    # final Wed 28 Aug. No answer from the Panel.
    (
        _case("2024-005", "2024-08-05", "under_1", "serious_harm", ["physical", "neglect"], "2024-08-05",
              notified="2024-08-07", sent="2024-08-29"),
        {"police": "2024-08-27", "education": "2024-08-28"}, ("other_learning_review", "2024-08-28"), None, None,
    ),
    # 2024-006: aware Mon 16 Sep; notified Tue 17 Sep: 1 wd. Review due W(17 Sep, 15): 18-20 (3),
    # 23-27 (8), 30 Sep-4 Oct (13), 7, 8 Oct (15) = Tue 8 Oct; sent Tue 8 Oct: 15 wd. Sign-offs
    # csc Fri 4 Oct (13), police Mon 7 Oct (14). No further review, final Mon 7 Oct. The Panel
    # agrees Fri 18 Oct: 9-11 (3), 14-18 Oct (8) = 8 wd.
    (
        _case("2024-006", "2024-09-16", "1_4", "serious_harm", ["neglect", "emotional"], "2024-09-16",
              notified="2024-09-17", sent="2024-10-08", stage="concluded"),
        {"csc": "2024-10-04", "police": "2024-10-07"}, ("no_further_review", "2024-10-07"),
        ("agrees", "2024-10-18"), None,
    ),
    # 2024-007: referred Mon 14 Oct, closed at triage, criteria not met, Tue 15 Oct.
    (
        _case("2024-007", "2024-10-14", "1_4", "death", ["neglect"], "2024-10-11",
              closed="2024-10-15", reason="criteria_not_met"),
        {}, None, None, None,
    ),
    # 2024-008: aware Mon 4 Nov; notified Wed 6 Nov: 2 wd. Review due W(6 Nov, 15): 7, 8 (2),
    # 11-15 (7), 18-22 (12), 25, 26, 27 (15) = Wed 27 Nov; sent Fri 29 Nov: 17 wd, late by 28 and
    # 29 Nov = 2 wd. Sign-offs csc Fri 22 Nov (12), police Wed 27 Nov (15, on time), health Thu
    # 28 Nov (16, late). Possible national review, final Thu 28 Nov. The Panel will carry out a
    # national review, Thu 12 Dec: 2-6 (5), 9-12 Dec (9) = 9 wd.
    (
        _case("2024-008", "2024-11-04", "under_1", "death", ["physical"], "2024-11-04",
              notified="2024-11-06", sent="2024-11-29", stage="concluded"),
        {"csc": "2024-11-22", "police": "2024-11-27", "health": "2024-11-28"},
        ("possible_national_review", "2024-11-28"), ("national", "2024-12-12"), None,
    ),
    # 2024-009: aware Fri 29 Nov; notification due W(29 Nov, 5) = Fri 6 Dec; notified Wed 4 Dec:
    # 3 wd. Review due W(4 Dec, 15): 5, 6 (2), 9-13 (7), 16-20 (12), 23 (13), [24 Dec closed,
    # 25, 26 Dec], 27 (14), 30 Dec (15) = Mon 30 Dec; sent Wed 8 Jan 2025: late by 31 Dec (1),
    # [1 Jan], 2, 3, 6, 7, 8 Jan (6) = 6 wd, 21 wd in all. Sign-offs police Mon 23 Dec (13), csc
    # Mon 30 Dec (15, on time), health Mon 6 Jan (19, late). No further review, final Tue 7 Jan.
    # The Panel agrees Tue 21 Jan: 9, 10 (2), 13-17 (7), 20, 21 Jan (9) = 9 wd.
    (
        _case("2024-009", "2024-12-02", "under_1", "death", ["physical", "neglect"], "2024-11-29",
              notified="2024-12-04", sent="2025-01-08", stage="concluded"),
        {"police": "2024-12-23", "csc": "2024-12-30", "health": "2025-01-06"}, ("no_further_review", "2025-01-07"),
        ("agrees", "2025-01-21"), None,
    ),
    # 2025-001: aware Fri 10 Jan; notified Tue 14 Jan: 2 wd. Review due W(14 Jan, 15) = Tue 4 Feb;
    # sent Fri 31 Jan: 13 wd. Sign-offs police Wed 29 Jan (11), csc Thu 30 Jan (12). No further
    # review, final Thu 30 Jan. The Panel asks for a local CSPR Fri 14 Feb (3-7, 10-14 Feb = 10
    # wd), which starts that day: target 14 Aug 2025, not yet due.
    (
        _case("2025-001", "2025-01-13", "1_4", "serious_harm", ["neglect"], "2025-01-10",
              notified="2025-01-14", sent="2025-01-31", stage="local_review"),
        {"police": "2025-01-29", "csc": "2025-01-30"}, ("no_further_review", "2025-01-30"),
        ("local_cspr", "2025-02-14"), ("2025-02-14", "panel", None),
    ),
    # 2025-002: aware Tue 25 Feb; notified Mon 3 Mar: 26, 27, 28 Feb, 3 Mar = 4 wd. Review due
    # W(3 Mar, 15) = Mon 24 Mar; sent only on 2 Apr: waiting past its deadline on 31 Mar.
    # Sign-off police Wed 12 Mar (7).
    (
        _case("2025-002", "2025-02-26", "1_4", "serious_harm", ["neglect"], "2025-02-25",
              notified="2025-03-03", sent="2025-04-02"),
        {"police": "2025-03-12"}, ("no_further_review", "2025-04-01"), None, None,
    ),
    # 2025-003: aware Wed 12 Mar; notified Mon 17 Mar: 13, 14, 17 Mar = 3 wd. Review due
    # W(17 Mar, 15) = Mon 7 Apr: not yet due on 31 Mar.
    (
        _case("2025-003", "2025-03-13", "under_1", "serious_harm", ["physical"], "2025-03-12",
              notified="2025-03-17", stage="rapid_review"),
        {}, None, None, None,
    ),
    # 2025-004: aware Fri 21 Mar; notification due W(21 Mar, 5) = Fri 28 Mar; still not sent on
    # 31 Mar: waiting past its deadline.
    (
        _case("2025-004", "2025-03-24", "under_1", "serious_harm", ["physical"], "2025-03-21", stage="referred"),
        {}, None, None, None,
    ),
    # 2025-005: referred after the year.
    (
        _case("2025-005", "2025-04-07", "16_17", "death", ["sexual"], "2025-04-07", stage="referred"),
        {}, None, None, None,
    ),
]  # fmt: skip

# The learning library: (title, type, published, themes, status, the case it came from).
LIBRARY = [
    ("IDENT LCSPR Baby QZX", "LCSPR", "2024-10-28", ["Non-accidental injury", "Working with fathers"], "published", "2024-001"),
    ("IDENT LCSPR Family QZX", "LCSPR", "2024-10-14", ["Neglect", "Working with fathers"], "published", "2024-003"),
    ("IDENT Thematic review", "thematic", "2024-07", ["Neglect", "Exploitation"], "published", None),
    ("IDENT SCR Child QZX", "SCR", "2025-03-31", ["neglect"], "summary_only", None),
    ("IDENT Dated by its year only", "CSPR", "2024", ["Year only"], "published", None),
    ("IDENT The year before", "CSPR", "2024-03", ["Before the year"], "published", None),
    ("IDENT Not published", "CSPR", "2024-09", ["Unpublished"], "not_published", None),
    ("IDENT Child Protection in England", "national", "2022-05", ["Multi-agency"], "published", None),
]  # fmt: skip
NATIONAL = "IDENT Child Protection in England"

# Recommendations: (review: a case reference or NATIONAL, number, made on, actions), each action
# (agency, made on, due, completions [(day, kind)], signed off on).
RECOMMENDATIONS = [
    # 2023-014's, made before the year: one action signed off before it (not counted), one
    # signed off on Fri 7 Jun 2024 (completed in the year).
    ("2023-014", 1, "2024-02-01", [
        ("police", "2024-02-01", "2024-03-20", [("2024-03-18", "completed")], "2024-03-25"),
        ("health", "2024-02-01", "2024-05-31", [("2024-06-03", "completed")], "2024-06-07"),
    ]),
    # 2024-001's two: police completed and signed off; csc open, due 28 Feb 2025 (overdue); health
    # open, due 30 Jun 2025 (open); education completed 12 Mar, signed off only on 9 Apr 2025
    # (awaiting sign-off at the end of the year).
    ("2024-001", 1, "2024-11-11", [
        ("police", "2024-11-11", "2025-01-31", [("2025-01-20", "completed")], "2025-02-03"),
        ("csc", "2024-11-11", "2025-02-28", [], None),
        ("health", "2024-11-11", "2025-06-30", [], None),
    ]),
    ("2024-001", 2, "2024-11-11", [
        ("education", "2024-11-11", "2025-03-14", [("2025-03-12", "completed")], "2025-04-09"),
    ]),
    # 2024-003's first: police signed off 16 Dec; csc completed 8 Jan, reopened 13 Jan, due 17 Jan
    # (overdue). Its second is made after the year.
    ("2024-003", 1, "2024-10-28", [
        ("police", "2024-10-28", "2024-12-20", [("2024-12-10", "completed")], "2024-12-16"),
        ("csc", "2024-10-28", "2025-01-17", [("2025-01-08", "completed"), ("2025-01-13", "reopened")], None),
    ]),
    ("2024-003", 2, "2025-04-22", []),
    # A national review's: csc due 31 Dec 2024 (overdue); police made after the year.
    (NATIONAL, 1, "2024-07-01", [
        ("csc", "2024-07-01", "2024-12-31", [], None),
        ("police", "2025-04-02", "2025-05-30", [], None),
    ]),
]  # fmt: skip


def seed(database: Database) -> None:
    """Insert the year's cases, sign-offs, decisions, answers, reviews, library and action plans."""
    with database.transaction() as session:
        cases = {}
        for columns, signoffs, decision, answer, review in CASES:
            case = Case(**columns)
            case.signoffs = [
                SignOff(agency_key=agency, user_id="U01POLICE", comment="IDENT sign-off", signed_at=at(day, 15))
                for agency, day in signoffs.items()
            ]
            if decision:
                case.decision = Decision(
                    outcome=decision[0],
                    rationale="IDENT rationale",
                    decided_by="U01CHAIR",
                    decided_at=at(decision[1], 9),
                    final_at=at(decision[1], 16),
                )
            if answer:
                case.panel_answer = PanelAnswer(
                    answer=answer[0],
                    note="IDENT Panel note",
                    answered_on=on(answer[1]),
                    recorded_by="U01BIZMGR",
                    recorded_at=at(answer[1], 17),
                )
            if review:
                case.local_review = LocalReview(
                    decided_on=on(review[0]), requested_by=review[1], publication_reasons="IDENT reasons"
                )
                if review[2]:
                    case.milestones = [
                        Milestone(key="published", on=on(review[2]), recorded_by="U01BIZMGR", recorded_at=at(review[2]))
                    ]
            session.add(case)
            cases[case.ref] = case
        entries = {}
        for title, kind, published, themes, status, ref in LIBRARY:
            entry = LibraryEntry(
                entry_key=f"case|{ref}" if ref else f"{kind}|{title}",
                case=cases.get(ref),
                title=title,
                review_type=kind,
                published=published,
                status=status,
                themes=themes,
                links={"full_report": "https://example.org/IDENT-report.pdf"},
                terms=[],
                added_at=at("2025-04-01"),
                updated_at=at("2025-04-01"),
            )
            session.add(entry)
            entries[title] = entry
        for review, number, made, actions in RECOMMENDATIONS:
            recommendation = Recommendation(
                request_key=f"R|{review}|{number}",
                case=cases.get(review),
                library_entry=entries.get(review),
                number=number,
                text="IDENT recommendation about Child QZX",
                created_by="U01CHAIR",
                created_at=at(made),
            )
            for index, (agency, created, due, completions, signed_off) in enumerate(actions, start=1):
                action = Action(
                    request_key=f"A|{review}|{number}|{index}",
                    number=index,
                    agency_key=agency,
                    owner="U01POLICE",
                    due_on=on(due),
                    measure="IDENT measure",
                    state="signed_off"
                    if signed_off
                    else completions[-1][1].replace("reopened", "open")
                    if completions
                    else "open",
                    created_by="U01CHAIR",
                    created_at=at(created),
                    completed_at=at(completions[-1][0]) if completions else None,
                    signed_off_by="U01CHAIR" if signed_off else None,
                    signed_off_at=at(signed_off, 11) if signed_off else None,
                )
                action.updates = [
                    ActionUpdate(kind=kind, note="IDENT update", by="U01POLICE", at=at(day, 12))
                    for day, kind in completions
                ] + ([ActionUpdate(kind="signed_off", by="U01CHAIR", at=at(signed_off, 11))] if signed_off else [])
                recommendation.actions.append(action)
            session.add(recommendation)
