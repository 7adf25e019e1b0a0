"""Every template, in every state, renders Block Kit that Slack's models accept, and user text in
it can never ping, link or overflow."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.delivery import cards
from bot.learning.entries import MATERIALS, STATUSES, Review
from bot.partnership import load
from bot.review.local_review import PUBLICATION_DECISIONS
from bot.review.referral_form import ABUSE_TYPES, AGE_BANDS, CRITERIA_VIEWS, HARMS, IDENTIFIER_MAX, SUMMARY_MAX
from bot.review.stages import OUTCOMES, Stage
from bot.working_days import WorkingCalendar
from messages import render
from messages.slack_text import clip, escape
from storage.models import (
    Action,
    ActionUpdate,
    Case,
    CaseAgency,
    Decision,
    Endorsement,
    InfoRequest,
    LibraryEntry,
    LocalReview,
    Milestone,
    PanelAnswer,
    Recommendation,
    SignOff,
)
from tests.blockkit import assert_valid_message, assert_valid_view, mrkdwn_texts

PARTNERSHIP = load(Path(__file__).parent / "data" / "partnership.yaml")
CALENDAR = WorkingCalendar(PARTNERSHIP.closure_days)
NOW = datetime(2026, 1, 6, 14, 5, tzinfo=UTC)
NO_CASES = {"open": 0, "overdue": 0, "triage": 0}
# Slack's markup, then Teams': typed mentions, links and formatting, which must stay as typed.
HOSTILE = (
    "<!channel> <!here> <@U0EVIL> <https://evil.example|click> &lt; *bold* \u202e\U0001f600 "
    "<at>x</at> [x](https://evil.example) **bold** "
) * 40
MENTION = re.compile(r"<[@!#][^>]*>")
LINK = re.compile(r"<[^@!#][^>]*>")
DECIDED_STAGES = (Stage.AWAITING_ENDORSEMENT, Stage.DECIDED, Stage.AWAITING_PANEL, Stage.LOCAL_REVIEW, Stage.CONCLUDED)


def make_case(stage: Stage, *, hostile: bool = False, agencies: int = 4) -> Case:
    text = HOSTILE if hostile else "Reason given."
    case = Case(
        id=1,
        ref="2026-004",
        stage=stage.value,
        referring_agency="police",
        referred_by="U01POLICE",
        referred_at=NOW,
        child_identifier="Child ZQX",
        summary="summary",
        age_band="under_1",
        harm="serious_harm",
        abuse_types=["physical", "neglect"],
        incident_on=date(2026, 1, 1),
        aware_on=date(2026, 1, 2),
        criteria_view="yes",
        notification_due=date(2026, 1, 9),
        notified_on=date(2026, 1, 5) if stage not in (Stage.REFERRED,) else None,
        review_due=date(2026, 1, 26) if stage not in (Stage.REFERRED,) else None,
        channel_id="C0CASE" if stage not in (Stage.REFERRED, Stage.OPENING) else None,
        closure_note=text if stage is Stage.CLOSED else None,
        closed_reason="criteria_not_met" if stage is Stage.CLOSED else None,
        closed_at=NOW if stage is Stage.CLOSED else None,
    )
    keys = [a.key for a in PARTNERSHIP.agencies][:agencies]
    case.agencies = [CaseAgency(agency_key=k, added_by="U01POLICE", added_at=NOW) for k in keys]
    case.info_requests = [InfoRequest(asked_by="U01CHAIR", question=text, asked_at=NOW)]
    if stage in DECIDED_STAGES:
        case.signoffs = [SignOff(agency_key=k, user_id="U01POLICE", comment=text, signed_at=NOW) for k in keys]
        outcome = "local_cspr" if stage is Stage.LOCAL_REVIEW else "no_further_review"
        case.decision = Decision(outcome=outcome, rationale=text, decided_by="U01CHAIR", decided_at=NOW)
        if stage is not Stage.AWAITING_ENDORSEMENT:
            case.decision.final_at = NOW
            case.decision.endorsements = [
                Endorsement(partner=role, user_id=user, endorsed_at=NOW) for role, user in PARTNERSHIP.partners.items()
            ]
        if stage in (Stage.AWAITING_PANEL, Stage.LOCAL_REVIEW, Stage.CONCLUDED):
            case.sent_to_panel_on = date(2026, 1, 20)
        if stage is Stage.CONCLUDED:
            case.panel_answer = PanelAnswer(
                answer="other", note=text, answered_on=date(2026, 2, 3), recorded_by="U01BIZMGR", recorded_at=NOW
            )
        if stage is Stage.LOCAL_REVIEW:
            case.local_review = LocalReview(decided_on=date(2026, 1, 6), requested_by="partners")
            case.milestones = [
                Milestone(key=key, on=date(2026, 1, 6), recorded_by="U01BIZMGR", recorded_at=NOW)
                for key in ("reviewer", "terms", "approved", "sent")
            ]
            case.library_entry = LibraryEntry(
                title=text[:150] if hostile else "LCSPR Child P",
                review_type="LCSPR",
                published="2026-01-06",
                status="published",
                themes=[text[:60]] if hostile else ["neglect", "babies"],
                links={"full_report": "https://example.org/a?b=1&c=2", "slides": "https://example.org/s"},
            )
    elif stage is Stage.RAPID_REVIEW:
        case.signoffs = [SignOff(agency_key=keys[0], user_id="U01POLICE", comment=text, signed_at=NOW)]
    return case


def assert_safe(message: dict) -> None:
    """The only Slack markup in the text is what the bot meant: mentions of configured people and
    links to channels. Typed <!channel>, <@U0EVIL> or <https://...> appear escaped."""
    allowed = {f"<@{user}>" for user in PARTNERSHIP.everyone()} | {"<#C0CASE>"}
    for text in mrkdwn_texts(message):
        assert set(MENTION.findall(text)) <= allowed, text[:200]
        # Links are only those the bot made from checked https addresses.
        assert all(link.startswith("<https://example.org/") for link in LINK.findall(text)), text[:200]
        assert len(text) <= 3000
    assert "<!channel>" not in message["text"]


CARD_STATES = [
    (stage, kind)
    for stage in Stage
    for kind in (cards.TRIAGE, cards.CASE, cards.DECISION, cards.endorse_kind("police"), *cards.PUBLICATION_KINDS)
    # A case card and decision card exist once there is a channel; an endorsement card once there is a decision;
    # a publication card once there is published material.
    if not (kind in (cards.CASE, cards.DECISION) and stage in (Stage.REFERRED, Stage.OPENING))
    and not (kind.startswith(cards.ENDORSE_PREFIX) and stage not in DECIDED_STAGES)
    and not (kind in cards.PUBLICATION_KINDS and stage is not Stage.LOCAL_REVIEW)
]


@pytest.mark.parametrize(("stage", "kind"), CARD_STATES)
@pytest.mark.parametrize("hostile", [False, True])
def test_cards_render_valid_and_safe(stage, kind, hostile):
    case = make_case(stage, hostile=hostile)
    message = cards.render_card(kind, case, PARTNERSHIP, CALENDAR, NOW.date())
    assert_valid_message(message)
    assert_safe(message)
    assert "ZQX" not in json.dumps(message)  # the child identifier never goes to Slack


def test_case_card_shows_the_tracker_with_sign_off_buttons_for_outstanding_agencies():
    message = cards.render_card(cards.CASE, make_case(Stage.RAPID_REVIEW), PARTNERSHIP, CALENDAR, NOW.date())
    text = json.dumps(message)
    assert "*Due Mon 26 Jan 2026* \\u00b7 14 working days left" in text
    buttons = [b["accessory"]["value"] for b in message["blocks"] if "accessory" in b]
    assert buttons == ["2026-004|csc", "2026-004|health", "2026-004|education"]
    assert "Signed off by <@U01POLICE>, Tue 6 Jan 2026 14:05" in text


def test_triage_card_buttons_only_while_waiting_for_triage():
    waiting = cards.render_card(cards.TRIAGE, make_case(Stage.REFERRED), PARTNERSHIP, CALENDAR, NOW.date())
    actions = [b for b in waiting["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["triage_start", "triage_not_met", "triage_more_info"]
    closed = cards.render_card(cards.TRIAGE, make_case(Stage.CLOSED), PARTNERSHIP, CALENDAR, NOW.date())
    assert not [b for b in closed["blocks"] if b["type"] == "actions"]
    assert "Criteria not met." in json.dumps(closed)


def test_decision_card_offers_the_four_decisions_once_all_have_signed_off():
    case = make_case(Stage.RAPID_REVIEW)
    case.signoffs = [SignOff(agency_key=a.agency_key, user_id="U01POLICE", signed_at=NOW) for a in case.agencies]
    message = cards.render_card(cards.DECISION, case, PARTNERSHIP, CALENDAR, NOW.date())
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    assert [e["text"]["text"] for e in actions["elements"]] == list(OUTCOMES.values())


def test_a_large_partnership_stays_within_the_block_limit():
    case = make_case(Stage.RAPID_REVIEW)
    assert_valid_message(cards.render_card(cards.CASE, case, PARTNERSHIP, CALENDAR, NOW.date()))


MODALS = {
    "referral_modal": dict(
        partnership=PARTNERSHIP,
        identifier_max=IDENTIFIER_MAX,
        summary_max=SUMMARY_MAX,
        age_bands=AGE_BANDS,
        harms=HARMS,
        abuse_types=ABUSE_TYPES,
        criteria_views=CRITERIA_VIEWS,
    ),
    "start_modal": dict(ref="2026-004", notified_on=date(2026, 1, 5)),
    "not_met_modal": dict(ref="2026-004", reason_max=1000),
    "more_info_modal": dict(ref="2026-004", reason_max=1000),
    "signoff_modal": dict(ref="2026-004", agencies=[{"key": "police", "name": "Police"}], comment_max=500),
    "decide_modal": dict(ref="2026-004", outcome_label="Local CSPR", partners=True, rationale_max=2000),
    "mark_sent_modal": dict(ref="2026-004", today=date(2026, 1, 6)),
    "panel_answer_modal": dict(ref="2026-004", answer="other", label="Other", today=date(2026, 1, 6), note_max=1000),
    "milestone_modal": dict(ref="2026-004", label="Reviewer appointed", on=None, today=date(2026, 1, 6)),
    "not_published_modal": dict(
        ref="2026-004", decisions=PUBLICATION_DECISIONS, title=HOSTILE[:150], title_max=150, reasons_max=1000
    ),
    "publish_modal": dict(
        ref="2026-004",
        materials=MATERIALS,
        title=HOSTILE[:150],
        title_max=150,
        published_on=date(2026, 1, 6),
        themes=HOSTILE[:200],
        links={"full_report": "https://example.org/report"},
        learning_channel="C0LEARNING",
    ),
    "close_modal": dict(ref="2026-004", note_max=1000),
    "library_search_modal": dict(
        words=HOSTILE[:200], entries=[], offset=0, total=0, next_offset=None, materials=MATERIALS, statuses=STATUSES
    ),
}


@pytest.mark.parametrize("name", sorted(MODALS))
def test_modals_are_valid_views(name):
    view = render(name, metadata=json.dumps({"ref": "2026-004", "channel": "C0CASE"}), **MODALS[name])
    assert_valid_view(view)


def test_sign_off_modal_asks_which_agency_when_the_lead_leads_several():
    view = render(
        "signoff_modal",
        ref="2026-004",
        agencies=[{"key": "police", "name": "Police"}, {"key": "csc", "name": "CSC"}],
        comment_max=500,
        metadata="{}",
    )
    assert_valid_view(view)
    assert [b.get("block_id") for b in view["blocks"] if b["type"] == "input"] == ["agency", "comment"]


def test_notices_are_valid_and_safe():
    case = make_case(Stage.DECIDED, hostile=True)
    case.sent_to_panel_on = date(2026, 1, 20)
    agency = PARTNERSHIP.agency("education")
    for message in (
        render("referral_confirmation", case=case, agency_name="Police"),
        render("criteria_not_met", case=case, by="U01CHAIR"),
        render("information_request", case=case, by="U01CHAIR", question=HOSTILE),
        render("channel_failed", case=case, error="restricted_action"),
        render("decision_final", case=case, outcome="Local CSPR", decision=case.decision),
        render("sent_to_panel", case=case, by="U01BIZMGR"),
        render("agency_added", case=case, agency=agency, by="U01CHAIR"),
        render("help", problem="I don't know `/cspr <!channel>`."),
        render("reply", text=HOSTILE[:2000]),
        render("case_list", cases=[], total=0),
    ):
        assert_valid_message(message)
        assert_safe(message)


def test_case_list_summarises_beyond_45_cases():
    rows = [
        {
            "ref": f"2026-{n:03d}",
            "stage": "Rapid review",
            "channel": None,
            "deadline": "rapid review",
            "due": date(2026, 1, 26),
            "left": 3,
        }
        for n in range(300)
    ]
    message = render("case_list", cases=rows[:45], total=len(rows))
    assert_valid_message(message)
    assert "and 255 more" in json.dumps(message)


def test_escape_and_clip():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    clipped = clip("<" * 100, 10)
    assert clipped == "&lt;&lt;…"  # never cut inside an entity
    assert len(clip("x" * 5000, 300)) == 300


def test_the_journey_after_the_decision_renders_valid_and_safe_notices():
    case = make_case(Stage.LOCAL_REVIEW, hostile=True)
    case.closed_at = NOW  # as when the closing summary is written
    facts = cards.case_facts(case, PARTNERSHIP, CALENDAR, NOW.date())
    reviews = [
        Review(HOSTILE[:150], "SCR", "2019-06", (HOSTILE[:100],) * 15, {"full_report": "https://example.org/r"}),
        Review("SCR Child K", "SCR", None, (), {}, status="not_published"),
    ]
    for message in (
        render("local_review_started", case=case, target=facts["target"], requested_by="panel"),
        render("panel_answered", case=case, label="Other", answered_on=date(2026, 1, 6), by="U01BIZMGR"),
        render("publication_decided", case=case, label="Not published", by="U01CHAIR"),
        render("panel_chase", **facts),
        render("review_reminder", overdue=True, **facts),
        render("review_reminder", overdue=False, **facts),
        render("publishable", **facts),
        render("closing_summary", note=HOSTILE, by="U01CHAIR", **facts),
        render("milestone_list", **facts),
        render(
            "library_results",
            words=HOSTILE[:200],
            entries=reviews * 5,
            offset=0,
            total=23,
            next_offset=10,
            materials=MATERIALS,
            statuses=STATUSES,
        ),
    ):
        assert_valid_message(message)
        assert_safe(message)
        assert "ZQX" not in json.dumps(message)
    home = render(
        "app_home",
        partnership=PARTNERSHIP,
        roles=["PPRG chair"],
        todo=[],
        actions=[],
        to_sign_off=[],
        reviews=[{"ref": "2026-004", "channel": "C0CASE", "target": date(2026, 7, 6), "left": "6 months left",
                  "next": "Reviewer appointed", "publication": ""}] * 30,
    )  # fmt: skip
    assert_valid_view(home)
    assert "Search the learning library" in json.dumps(home)


def test_action_plan_cards_render_valid_and_safe():
    case = make_case(Stage.LOCAL_REVIEW, hostile=True)
    recommendation = Recommendation(id=7, number=1, text=HOSTILE[:1000], case=case)
    for number, state in enumerate(("open", "completed", "signed_off", "open"), start=1):
        action = Action(
            id=number, number=number, agency_key="police", owner="U01POLICE", due_on=date(2026, 1, 5),
            measure=HOSTILE[:500], state=state, signed_off_by="U01CHAIR", signed_off_at=NOW,
        )  # fmt: skip
        action.updates = [ActionUpdate(kind="progress", note=HOSTILE[:1000], by="U01POLICE", at=NOW)]
        recommendation.actions.append(action)
    facts = cards.plan_facts(recommendation, PARTNERSHIP, NOW.date())
    card = render("recommendation_card", **facts)
    assert_valid_message(card)
    assert_safe(card)
    assert [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "action_sign_off", "action_reopen", "action_reopen", "action_add"
    ]  # fmt: skip
    for line in facts["actions"]:
        mine = render("action_card", line=line, label=cards.action_label(line["action"]), **facts)
        assert_valid_message(mine)
        assert_safe(mine)
    assert facts["actions"][0]["overdue"] and not facts["actions"][1]["overdue"]
    late = [{"label": cards.action_label(a), "agency": "Example Police", "action": a} for a in recommendation.actions]
    digest = render(
        "digest", day=NOW.date(), rows=[], first=1, part=1, parts=1, counts=NO_CASES, late_actions=late * 10
    )
    assert_valid_message(digest)
    assert_safe(digest)


def test_a_personal_digest_of_many_items_stays_within_slacks_limits():
    items = [
        {"ref": f"2026-{n:05d}", "task": "sign off for Children's Social Care and Community Health Services",
         "deadline": "rapid review due", "due": date(2026, 4, 15), "left": "10 working days left",
         "channel": f"C{n:09d}"}
        for n in range(1, 1001)
    ]  # fmt: skip
    digest = render("personal_digest", day=NOW.date(), items=items)
    assert_valid_message(digest)
    assert "2026-00040" in str(digest) and "2026-00041" not in str(digest) and "…and 960 more." in str(digest)
