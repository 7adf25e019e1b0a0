"""The yearly report's figures. Pure: records, the period, today and the partnership's rules in;
one plain dictionary out, which the JSON, CSV and HTML writers and the charts all print from, so
every format carries the same numbers.

What puts a thing in the period (days in the partnership's time zone):
- a referral: the day it was referred; closed at triage: the day it was closed as criteria not met;
- a notification: the day it was sent to the Panel;
- a rapid review: the day it was sent to the Panel;
- a decision: the day it became final (the last partner's endorsement);
- the Panel's answer: the day it came;
- a local CSPR started: the day it was decided on; published: the day of its `published` milestone;
- a sign-off: the day it was given;
- an action: made by the end of the period and not signed off before it began; its state is the
  one it had at the end (or today, if that is earlier), and it counts as completed once signed off;
- a recommendation made: the day it was recorded;
- a review in the library: its publication date, when all of it (a year, a month or a day) lies in
  the period; a review dated 2024 alone is not in a year that runs from April.

On time: a notification within 5 working days of the local authority becoming aware, a rapid
review within 15 working days of the notification, a sign-off within the rapid review's 15
working days, a local CSPR published within 6 calendar months of the decision to hold it.
Lateness is counted in working days after the deadline (calendar days for a local CSPR).
"Waiting past the deadline" counts what was not done at the end of the period although its
deadline had already passed.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from dateutil.relativedelta import relativedelta

from bot.learning.entries import REVIEW_TYPES
from bot.partnership import Partnership
from bot.reporting import suppression
from bot.reporting.period import Period, label
from bot.reporting.records import ActionRecord, CaseRecord, LibraryRecord, Records, Review
from bot.review import panel, stages
from bot.review.local_review import target
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, HARMS
from bot.review.stages import OUTCOMES
from bot.working_days import WorkingCalendar

ACTION_STATES = {
    "open": "Open, not yet due",
    "overdue": "Overdue",
    "awaiting_signoff": "Awaiting sign-off",
    "completed": "Completed",
}
PUBLISHED_STATUSES = ("published", "summary_only")


def compute(
    records: Records, period: Period, today: date, partnership: Partnership, calendar: WorkingCalendar
) -> dict[str, Any]:
    as_of = min(period.end, today)
    cases = records.cases
    count = Counting(cases, period, as_of, calendar)
    actions = [
        (a, action_state(a, as_of))
        for a in records.actions
        if a.created_on <= as_of and not (a.signed_off_on is not None and a.signed_off_on < period.start)
    ]
    children = _children([c for c in cases if c.referred_on in period], partnership.report.suppress_below)
    return {
        "about": {
            "partnership": partnership.name,
            "period": label(period, partnership.report.year_starts),
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "as_of": as_of.isoformat(),
            "suppress_below": partnership.report.suppress_below,
        },
        "funnel": {
            "referrals": children["referrals"],
            "closed_at_triage": sum(
                1 for c in cases if c.closed_reason == "criteria_not_met" and c.closed_on in period
            ),
            "notifications": sum(1 for c in cases if c.notified_on in period),
            "rapid_reviews": sum(1 for c in cases if c.sent_on in period),
            "decisions": {
                outcome: sum(1 for c in cases if c.outcome == outcome and c.decided_on in period)
                for outcome in OUTCOMES
            },
            "lcsprs_started": sum(1 for c in cases if c.review_decided_on in period),
            "lcsprs_published": sum(1 for c in cases if c.published_on in period),
            "actions_completed": sum(1 for a, _ in actions if a.signed_off_on in period),
        },
        "children": children,
        "timeliness": {
            "notifications": count.deadlines(NOTIFICATIONS),
            "rapid_reviews": count.deadlines(RAPID_REVIEWS),
            "lcsprs": count.publications(),
            "panel_answers": count.panel_answers(),
            "by_quarter": count.by_quarter(),
        },
        "late": {
            "notifications": count.late(NOTIFICATIONS),
            "rapid_reviews": count.late(RAPID_REVIEWS),
            "lcsprs": count.late_publications(),
        },
        "agencies": count.agencies(actions, partnership),
        "actions": {"in_period": len(actions), **_by_state(state for _, state in actions)},
        "learning": {**_library(records.library, period), **_recommendations(records, actions, period)},
    }


def action_state(action: ActionRecord, as_of: date) -> str:
    """Completed once signed off; awaiting sign-off while its owner's latest word is that it is
    done; otherwise open, or overdue once its due date has passed."""
    if action.signed_off_on is not None and action.signed_off_on <= as_of:
        return "completed"
    said = [kind for on, kind in action.completions if on <= as_of]
    if said and said[-1] == "completed":
        return "awaiting_signoff"
    return "overdue" if action.due_on < as_of else "open"


@dataclass(frozen=True)
class Deadline:
    """A working-day deadline: when its clock starts, the rule for its due date, and when it was met."""

    name: str
    starts: Callable[[CaseRecord], date | None]
    due: Callable[[date, WorkingCalendar], date]
    done: Callable[[CaseRecord], date | None]
    done_name: str  # what meeting it is called in the list of late ones


NOTIFICATIONS = Deadline(
    "notifications", lambda c: c.aware_on, stages.notification_due, lambda c: c.notified_on, "notified"
)
RAPID_REVIEWS = Deadline("rapid_reviews", lambda c: c.notified_on, stages.review_due, lambda c: c.sent_on, "sent")


@dataclass(frozen=True)
class Met:
    """A deadline met in the period: when it was due and met, and in how many working days."""

    ref: str
    due: date
    done: date
    taken: int
    late_by: int  # working days after the due date; 0 if on time


def _shares(counted: int, on_time: int) -> dict[str, Any]:
    return {"counted": counted, "on_time": on_time, "share_on_time": share(on_time, counted)}


class Counting:
    """The cases' deadlines in one period, each worked out once."""

    def __init__(self, cases: Sequence[CaseRecord], period: Period, as_of: date, calendar: WorkingCalendar) -> None:
        self.cases, self.period, self.as_of, self.calendar = cases, period, as_of, calendar
        self.met = {deadline.name: self._met(deadline) for deadline in (NOTIFICATIONS, RAPID_REVIEWS)}
        self.published = sorted(
            (c for c in cases if c.published_on in period and c.review_decided_on is not None),
            key=lambda c: (c.published_on, c.ref),
        )

    def _met(self, deadline: Deadline) -> list[Met]:
        found = []
        for case in self.cases:
            start, done = deadline.starts(case), deadline.done(case)
            if start is None or done not in self.period:
                continue
            assert done is not None
            due = deadline.due(start, self.calendar)
            late_by = self.calendar.days_left(due, done) if done > due else 0
            found.append(Met(case.ref, due, done, self.calendar.days_left(start, done), late_by))
        return sorted(found, key=lambda met: (met.done, met.ref))

    def deadlines(self, deadline: Deadline) -> dict[str, Any]:
        met = self.met[deadline.name]
        late = [m.late_by for m in met if m.late_by]
        return {
            **_shares(len(met), len(met) - len(late)),
            "median_working_days": median([m.taken for m in met]),
            "late": len(late),
            "late_median_working_days": median(late),
            "late_most_working_days": max(late, default=None),
            "waiting_past_deadline": sum(1 for c in self.cases if self._waiting(deadline, c)),
        }

    def _waiting(self, deadline: Deadline, case: CaseRecord) -> bool:
        start, done = deadline.starts(case), deadline.done(case)
        if start is None or start > self.as_of or not _open_on(case, self.as_of):
            return False
        return deadline.due(start, self.calendar) < self.as_of and (done is None or done > self.as_of)

    def late(self, deadline: Deadline) -> list[dict[str, Any]]:
        return [
            {
                "ref": m.ref,
                "due": m.due.isoformat(),
                deadline.done_name: m.done.isoformat(),
                "working_days_late": m.late_by,
            }
            for m in self.met[deadline.name]
            if m.late_by
        ]

    def publications(self) -> dict[str, Any]:
        on_time = sum(1 for c in self.published if _on_target(c))
        return {
            **_shares(len(self.published), on_time),
            "median_months": _tenths(statistics.median(map(_months, self.published))) if self.published else None,
            "late": len(self.published) - on_time,
            "waiting_past_target": sum(1 for c in self.cases if self._past_target(c)),
        }

    def _past_target(self, case: CaseRecord) -> bool:
        decided = case.review_decided_on
        if decided is None or decided > self.as_of or not _open_on(case, self.as_of):
            return False
        settled = [on for on in (case.published_on, case.publication_decided_on) if on is not None]
        return target(decided) < self.as_of and not any(on <= self.as_of for on in settled)

    def late_publications(self) -> list[dict[str, Any]]:
        found = []
        for case in self.published:
            assert case.review_decided_on is not None and case.published_on is not None
            if not _on_target(case):
                found.append(
                    {
                        "ref": case.ref,
                        "decided": case.review_decided_on.isoformat(),
                        "target": target(case.review_decided_on).isoformat(),
                        "published": case.published_on.isoformat(),
                        "months": _tenths(_months(case)),
                        "days_late": (case.published_on - target(case.review_decided_on)).days,
                    }
                )
        return found

    def panel_answers(self) -> dict[str, Any]:
        answered = [c for c in self.cases if c.panel_answered_on in self.period]
        waited = [self.calendar.days_left(c.sent_on, c.panel_answered_on) for c in answered if c.sent_on is not None]
        return {
            "counted": len(answered),
            "by_answer": {answer: sum(1 for c in answered if c.panel_answer == answer) for answer in panel.ANSWERS},
            "median_working_days": median(waited),
        }

    def by_quarter(self) -> list[dict[str, Any]]:
        """For each quarter, by the day each deadline was met: how many, and how many on time."""
        rows = []
        for quarter in self.period.quarters():
            row: dict[str, Any] = {
                "quarter": quarter.months_label(),
                "from": quarter.start.isoformat(),
                "to": quarter.end.isoformat(),
            }
            for name, met in self.met.items():
                inside = [m for m in met if m.done in quarter]
                row[name] = _shares(len(inside), sum(1 for m in inside if not m.late_by))
            inside_published = [c for c in self.published if c.published_on in quarter]
            row["lcsprs"] = _shares(len(inside_published), sum(1 for c in inside_published if _on_target(c)))
            rows.append(row)
        return rows

    def agencies(self, actions: list[tuple[ActionRecord, str]], partnership: Partnership) -> list[dict[str, Any]]:
        """Each agency's sign-offs (working days from the notification, on time by the rapid
        review's due date) and its actions, in the partnership file's order."""
        signed: dict[str, list[tuple[int, bool]]] = {}
        for case in self.cases:
            if case.notified_on is None:
                continue
            due = stages.review_due(case.notified_on, self.calendar)
            for signoff in case.signoffs:
                if signoff.signed_on in self.period:
                    taken = self.calendar.days_left(case.notified_on, signoff.signed_on)
                    signed.setdefault(signoff.agency, []).append((taken, signoff.signed_on <= due))
        states: dict[str, list[str]] = {}
        for action, state in actions:
            states.setdefault(action.agency, []).append(state)
        keys = [a.key for a in partnership.agencies]
        keys += sorted({*signed, *states} - set(keys))  # agencies no longer in the file
        return [
            {
                "agency": key,
                "name": partnership.agency_name(key),
                "signoffs": len(signed.get(key, [])),
                "signoffs_on_time": sum(1 for _, on_time in signed.get(key, []) if on_time),
                "median_working_days_to_signoff": median([taken for taken, _ in signed.get(key, [])]),
                "actions": _by_state(states.get(key, [])),
            }
            for key in keys
        ]


def _open_on(case: CaseRecord, on: date) -> bool:
    return case.referred_on <= on and (case.closed_on is None or case.closed_on > on)


def _on_target(case: CaseRecord) -> bool:
    assert case.review_decided_on is not None and case.published_on is not None
    return case.published_on <= target(case.review_decided_on)


def _months(case: CaseRecord) -> Fraction:
    """Calendar months from the decision to publication, the last one in part: 6 months and 20
    days of a 31-day month is 6 20/31."""
    start, end = case.review_decided_on, case.published_on
    assert start is not None and end is not None
    span = relativedelta(end, start)
    whole = span.years * 12 + span.months
    month_start, month_end = start + relativedelta(months=whole), start + relativedelta(months=whole + 1)
    return whole + Fraction((end - month_start).days, (month_end - month_start).days)


def _tenths(value: Fraction) -> float:
    return float((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def share(part: int, whole: int) -> int | None:
    """A whole percentage, halves rounded up; None when there is nothing to share."""
    return (200 * part + whole) // (2 * whole) if whole else None


def median(values: list[int]) -> int | float | None:
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if middle == int(middle) else middle


def _by_state(states: Iterable[str]) -> dict[str, int]:
    counted = Counter(states)
    return {state: counted[state] for state in ACTION_STATES}


def _children(referred: list[CaseRecord], threshold: int) -> dict[str, Any]:
    ages, age_total_withheld = suppression.partition(_tally(referred, AGE_BANDS, lambda c: [c.age_band]), threshold)
    harms, harm_total_withheld = suppression.partition(_tally(referred, HARMS, lambda c: [c.harm]), threshold)
    return {
        "referrals": suppression.WITHHELD if age_total_withheld or harm_total_withheld else len(referred),
        "age_band": ages,
        "harm": harms,
        "abuse_types": suppression.overlapping(_tally(referred, ABUSE_TYPES, lambda c: c.abuse_types), threshold),
    }


def _tally(
    cases: list[CaseRecord], groups: dict[str, str], of: Callable[[CaseRecord], Iterable[str]]
) -> dict[str, int]:
    counted = Counter(group for case in cases for group in of(case))
    return {group: counted[group] for group in groups}


def _span(published: str | None) -> tuple[date, date] | None:
    """The first and last day a YYYY, YYYY-MM or YYYY-MM-DD date can mean."""
    if not published:
        return None
    parts = [int(part) for part in published.split("-")]
    first = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    unit = relativedelta(days=1) if len(parts) == 3 else relativedelta(months=1 if len(parts) == 2 else 12)
    return first, first + unit - relativedelta(days=1)


def _library(entries: Iterable[LibraryRecord], period: Period) -> dict[str, Any]:
    published = []
    for entry in entries:
        span = _span(entry.published)
        if entry.status in PUBLISHED_STATUSES and span is not None and span[0] in period and span[1] in period:
            published.append((span[0], entry))
    published.sort(key=lambda item: item[0])
    themes: dict[str, tuple[str, int]] = {}
    for _, entry in published:
        for theme in entry.themes:
            spelt, counted = themes.get(theme.casefold(), (theme, 0))
            themes[theme.casefold()] = (spelt, counted + 1)
    ranked = sorted(themes.values(), key=lambda item: (-item[1], item[0].casefold()))
    return {
        "reviews_published": len(published),
        "by_type": {kind: sum(1 for _, e in published if e.review_type == kind) for kind in REVIEW_TYPES},
        "themes": [{"theme": theme, "reviews": counted} for theme, counted in ranked],
    }


def _recommendations(records: Records, actions: list[tuple[ActionRecord, str]], period: Period) -> dict[str, Any]:
    """Recommendations made in the period, and each review with any made or any action live in
    it: all its recommendations made by the end, and its actions' states."""
    made = [r for r in records.recommendations if r.created_on in period]
    states: dict[Review, list[str]] = {}
    for action, state in actions:
        states.setdefault(action.review, []).append(state)
    shown = {r.review for r in made} | set(states)
    by_review = Counter(r.review for r in records.recommendations if r.created_on <= period.end)
    national = sum(1 for r in made if r.review.national)
    return {
        "recommendations": {
            "made": len(made),
            "from_local_reviews": len(made) - national,
            "from_national_reviews": national,
        },
        "reviews": [
            {
                "review": review.key,
                "label": review.label,
                "recommendations": by_review[review],
                "actions": _by_state(states.get(review, [])),
            }
            for review in sorted(shown, key=lambda r: (r.national, r.key))
        ],
    }
