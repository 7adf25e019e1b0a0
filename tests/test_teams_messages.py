"""Every Teams template, in every state, renders an Adaptive Card 1.5 that Teams accepts, with the
same buttons and form fields as on Slack, and text people typed in it can never mention, link or
format."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from pathlib import Path

import pytest

from bot.delivery import cards
from bot.learning.entries import MATERIALS, STATUSES, Review
from bot.partnership import load
from bot.reporting.figures import compute
from bot.reporting.period import Period
from bot.reporting.records import CaseRecord, Records
from bot.review.outstanding import waiting_on
from bot.review.stages import OUTCOMES, Stage
from bot.standin.teams.card_text import flatten
from bot.standin.teams.schemas import check_card
from messages import render, renderer
from storage.models import Action, ActionUpdate, Recommendation, SignOff
from tests.test_messages import CALENDAR, CARD_STATES, HOSTILE, MODALS, NO_CASES, NOW, make_case

TEAMS = load(Path(__file__).parent / "data" / "teams_partnership.yaml")
# The same partnership on Slack, for comparing each card with Slack's (ids are only words there).
ON_SLACK = dataclasses.replace(TEAMS, platform="slack")
TEMPLATES = Path(renderer.__file__).parent / "templates"
CHAIR = TEAMS.chairs[0]
POLICE_LEAD = TEAMS.agency("police").leads[0]
STRANGER = "0badf00d-0000-4000-8000-000000000bad"
METADATA = json.dumps({"ref": "2026-004", "channel": "19:case0chat@thread.v2"})
# What Teams would read as markup in text people typed, had it not been escaped.
TYPED_MARKUP = ("<at>x</at>", "[x](https://evil.example)", "**bold**")
AT = re.compile(r"(?<!\\)<at>(.*?)</at>")
# Slack buttons that act at once (Action.Execute); every other opens a form (a dialog on Teams).
ACTS_AT_ONCE = {"endorse", "action_sign_off", "library_more"}


def teams(name: str, /, **values) -> dict:
    return render(name, **{**values, "platform": "teams"})


def elements(node) -> list[dict]:
    """Every element and action of a card, depth first."""
    found = []
    if isinstance(node, dict):
        if "type" in node:
            found.append(node)
        for value in node.values():
            found += elements(value)
    elif isinstance(node, list):
        for value in node:
            found += elements(value)
    return found


def markdown_texts(card: dict) -> list[str]:
    """Every piece of text Teams reads as Markdown: text blocks and facts."""
    texts = []
    for element in elements(card):
        if element["type"] == "TextBlock":
            texts.append(element["text"])
        elif element["type"] == "FactSet":
            texts += [part for fact in element["facts"] for part in (fact["title"], fact["value"])]
    return texts


def buttons(card: dict) -> list[tuple[str, str, str]]:
    """(kind, verb, value) of each button that reaches the bot: execute, dialog, or submit."""
    found = []
    for element in elements(card):
        data = element.get("data", {})
        if element["type"] == "Action.Execute":
            found.append(("execute", element["verb"], data["value"]))
        elif element["type"] == "Action.Submit" and "msteams" in data:
            assert data["msteams"] == {"type": "task/fetch"}
            found.append(("dialog", data["verb"], data["value"]))
        elif element["type"] == "Action.Submit":
            found.append(("submit", data.get("verb", ""), data.get("value", "")))
    return found


def slack_buttons(message: dict) -> list[tuple[str, str]]:
    return [(e["action_id"], e["value"]) for e in elements(message["blocks"]) if e["type"] == "button"]


def inputs(card: dict) -> list[dict]:
    return [e for e in elements(card) if e["type"].startswith("Input.")]


def assert_safe(rendered: dict, partnership=TEAMS) -> None:
    """A schema-valid card whose only markup is what the bot meant: mentions of people in the
    partnership file, recorded for the sender; never what someone typed."""
    card = rendered["card"]
    check_card(card)
    mentioned = set()
    for text in markdown_texts(card):
        for typed in TYPED_MARKUP:
            assert typed not in text, text[:200]
        mentioned |= set(AT.findall(text))
    assert mentioned <= partnership.everyone()
    if "text" in rendered:
        assert rendered["text"] and "\n" not in rendered["text"] and len(rendered["text"]) <= 300
        assert set(rendered["mentions"]) == mentioned
    assert "ZQX" not in json.dumps(rendered)  # the child identifier never goes to Teams


def test_every_slack_template_has_a_teams_one():
    def names(platform: str) -> set[str]:
        return {p.name for p in (TEMPLATES / platform).glob("*.json.j2")}

    # Teams opens a form only from a button: a command asking for one is answered with a card holding it.
    assert names("teams") == names("slack") | {"form_button.json.j2"}


@pytest.mark.parametrize(("stage", "kind"), CARD_STATES)
@pytest.mark.parametrize("hostile", [False, True])
@pytest.mark.parametrize("readonly", [False, True])
def test_cards_render_valid_and_safe_with_the_buttons_slack_shows(stage, kind, hostile, readonly):
    case = make_case(stage, hostile=hostile)
    slack = cards.render_card(kind, case, ON_SLACK, CALENDAR, NOW.date(), readonly=readonly)
    message = cards.render_card(kind, case, TEAMS, CALENDAR, NOW.date(), readonly=readonly)
    assert_safe(message)
    assert [(verb, value) for _, verb, value in buttons(message["card"])] == slack_buttons(slack)
    assert all((kind == "execute") == (verb in ACTS_AT_ONCE) for kind, verb, _ in buttons(message["card"]))


def test_case_card_mentions_the_leads_who_signed_off_and_offers_sign_off_to_the_others():
    case = make_case(Stage.RAPID_REVIEW)
    case.signoffs = [SignOff(agency_key="police", user_id=POLICE_LEAD, signed_at=NOW)]
    message = cards.render_card(cards.CASE, case, TEAMS, CALENDAR, NOW.date())
    assert_safe(message)
    assert message["mentions"] == [POLICE_LEAD]
    text = flatten(message["card"])
    assert "**Due Mon 26 Jan 2026** · 14 working days left" in text
    assert f"✅ Signed off by <at>{POLICE_LEAD}</at>, Tue 6 Jan 2026 14:05" in text
    assert buttons(message["card"]) == [
        ("dialog", "signoff", "2026-004|csc"), ("dialog", "signoff", "2026-004|health"),
        ("dialog", "signoff", "2026-004|education"),
    ]  # fmt: skip


def test_triage_buttons_open_dialogs_only_while_waiting_for_triage():
    waiting = cards.render_card(cards.TRIAGE, make_case(Stage.REFERRED), TEAMS, CALENDAR, NOW.date())
    assert buttons(waiting["card"]) == [
        ("dialog", "triage_start", "2026-004"), ("dialog", "triage_not_met", "2026-004"),
        ("dialog", "triage_more_info", "2026-004"),
    ]  # fmt: skip
    closed = cards.render_card(cards.TRIAGE, make_case(Stage.CLOSED), TEAMS, CALENDAR, NOW.date())
    assert not buttons(closed["card"])
    assert "**Criteria not met.**" in flatten(closed["card"])


def test_the_decision_card_asks_the_chair_for_one_of_the_four_decisions():
    case = make_case(Stage.RAPID_REVIEW)
    case.signoffs = [SignOff(agency_key=a.agency_key, user_id=POLICE_LEAD, signed_at=NOW) for a in case.agencies]
    message = cards.render_card(cards.DECISION, case, TEAMS, CALENDAR, NOW.date())
    assert_safe(message)
    assert message["mentions"] == [CHAIR]
    assert [verb for _, verb, _ in buttons(message["card"])] == [f"decide_{key}" for key in OUTCOMES]
    titles = [e["title"] for e in elements(message["card"]) if e["type"] == "Action.Submit"]
    assert titles == list(OUTCOMES.values())


def test_endorsing_acts_at_once_and_the_card_says_what_it_does():
    message = cards.render_card(
        cards.endorse_kind("police"), make_case(Stage.AWAITING_ENDORSEMENT), TEAMS, CALENDAR, NOW.date()
    )
    assert buttons(message["card"]) == [("execute", "endorse", "2026-004|police")]
    assert "Pressing **Endorse** endorses the PPRG recommendation" in flatten(message["card"])


@pytest.mark.parametrize("name", sorted(MODALS))
def test_dialogs_are_the_slack_forms_field_for_field(name):
    dialog = teams(name, metadata=METADATA, **MODALS[name])
    view = render(name, metadata=METADATA, **MODALS[name])
    assert set(dialog) == {"title", "card"} and dialog["title"] == view["title"]["text"]
    assert_safe(dialog)
    assert dialog["card"]["actions"] == [
        {"type": "Action.Submit", "title": view["submit"]["text"],
         "data": {"form": view["callback_id"], "metadata": METADATA}},
    ]  # fmt: skip
    fields = [block["block_id"] for block in view["blocks"] if block["type"] == "input"]
    assert [field["id"] for field in inputs(dialog["card"])] == fields
    required = [not block["optional"] for block in view["blocks"] if block["type"] == "input"]
    assert [field["isRequired"] for field in inputs(dialog["card"])] == required


def _answers(card: dict) -> dict[str, str]:
    """A value for each input, as Teams submits it: multi-selects comma-separated."""
    values = {}
    for field in inputs(card):
        if field["type"] == "Input.Date":
            values[field["id"]] = "2026-01-02"
        elif field["type"] == "Input.ChoiceSet":
            choices = [c["value"] for c in field["choices"]]
            values[field["id"]] = ",".join(choices[:2]) if field["isMultiSelect"] else choices[-1]
        else:
            values[field["id"]] = HOSTILE[:100]
    return values


@pytest.mark.parametrize("name", sorted(MODALS))
def test_a_dialog_comes_back_with_what_was_typed_and_each_error_under_its_field(name):
    first = teams(name, metadata=METADATA, **MODALS[name])["card"]
    values = _answers(first)
    errors = {field: f"{field} <at>x</at> is not right" for field in values}
    again = teams(name, metadata=METADATA, errors=errors, values=values, **MODALS[name])
    assert_safe(again)
    body = again["card"]["body"]
    for i, element in enumerate(body):
        if element["type"].startswith("Input."):
            assert element["value"] == values[element["id"]]
            shown = body[i + 1]
            assert shown["color"] == "Attention"
            assert shown["text"] == f"{element['id']} \\<at\\>x\\</at\\> is not right".replace("_", "\\_")


def test_owner_is_chosen_from_the_people_given_or_typed_as_an_email_address():
    values = dict(subject="2026-004", number=2, agencies=TEAMS.agencies, measure_max=500, metadata=METADATA)
    typed = next(f for f in inputs(teams("action_modal", **values)["card"]) if f["id"] == "owner")
    assert (typed["type"], typed["placeholder"]) == ("Input.Text", "Their work email address")
    people = {POLICE_LEAD: "Police Lead", CHAIR: "PPRG Chair"}
    dialog = teams("recommend_modal", people=people, text_max=1000, **values)
    assert_safe(dialog)
    chosen = next(f for f in inputs(dialog["card"]) if f["id"] == "owner")
    assert chosen["type"] == "Input.ChoiceSet"
    assert [(c["value"], c["title"]) for c in chosen["choices"]] == list(people.items())
    assert [f["id"] for f in inputs(dialog["card"])] == ["text", "agency", "owner", "due_on", "measure"]


def test_the_referral_form_takes_several_abuse_types_and_agencies():
    dialog = teams("referral_modal", metadata="{}", **MODALS["referral_modal"])
    multi = [f["id"] for f in inputs(dialog["card"]) if f.get("isMultiSelect")]
    assert multi == ["abuse_types", "agencies"]


def test_the_search_dialog_pages_inside_itself_and_the_answer_in_a_chat_pages_at_once():
    reviews = [Review("SCR Child K", "SCR", "2019-06", ("neglect",), {"full_report": "https://example.org/r"})] * 10
    page = dict(words="neglect", entries=reviews, offset=0, total=23, next_offset=10, materials=MATERIALS,
                statuses=STATUSES)  # fmt: skip
    answer = teams("library_results", **page)
    assert_safe(answer)
    assert buttons(answer["card"]) == [("execute", "library_more", "10|neglect")]
    opens = [e for e in elements(answer["card"]) if e["type"] == "Action.OpenUrl"]
    assert [(e["title"], e["url"]) for e in opens] == [("Full report", "https://example.org/r")] * 10
    dialog = teams("library_search_modal", metadata="{}", **page)
    assert_safe(dialog)
    assert buttons(dialog["card"]) == [("submit", "library_more_view", "10|neglect"), ("submit", "", "")]


def test_notices_are_valid_and_safe():
    case = make_case(Stage.DECIDED, hostile=True)
    case.sent_to_panel_on = date(2026, 1, 20)
    for message in (
        teams("referral_confirmation", case=case, agency_name="Police"),
        teams("criteria_not_met", case=case, by=CHAIR),
        teams("information_request", case=case, by=CHAIR, question=HOSTILE),
        teams("channel_failed", case=case, error="Forbidden <at>x</at>"),
        teams("channel_archived", case=case),
        teams("decision_final", case=case, outcome="Local CSPR", decision=case.decision),
        teams("sent_to_panel", case=case, by=CHAIR),
        teams("agency_added", case=case, agency=TEAMS.agency("education"), by=CHAIR),
        teams("help", problem=HOSTILE[:200]),
        teams("help", problem=None),
        teams("reply", text=HOSTILE[:2000]),
        teams("case_list", cases=[], total=0),
    ):
        assert_safe(message)


def test_people_are_mentioned_by_entra_id_and_slack_ids_stay_words():
    case = make_case(Stage.RAPID_REVIEW)
    message = teams("stranger_joined", case=case, user=STRANGER, chairs=TEAMS.chairs)
    check_card(message["card"])
    assert message["mentions"] == [STRANGER, CHAIR]
    assert f"<at>{STRANGER}</at> has been added to this chat" in flatten(message["card"])
    slack = teams("criteria_not_met", case=case, by="U01CHAIR")
    assert slack["mentions"] == [] and "U01CHAIR recorded the reason" in flatten(slack["card"])


@pytest.mark.parametrize("days_left", [3, 0, -2])
def test_reminders_mention_whoever_is_awaited(days_left):
    referred = make_case(Stage.REFERRED, hostile=True)
    case = make_case(Stage.RAPID_REVIEW, hostile=True)
    waiting = waiting_on(case, TEAMS)
    values = dict(days_left=days_left, partnership=TEAMS)
    reminder = teams("reminder", case=case, waiting=waiting, **values)
    for message in (
        reminder,
        teams("reminder", case=case, waiting=[], **values),
        teams("reminder_dm", case=case, waiting=waiting, tasks=[w.task for w in waiting], **values),
        teams("overdue", case=case, waiting=waiting, **values),
        teams("notification_reminder", case=referred, waiting=waiting_on(referred, TEAMS), **values),
    ):
        assert_safe(message)
    assert set(reminder["mentions"]) == {person for w in waiting for person in w.people}


def test_the_journey_after_the_decision_renders_valid_and_safe_notices():
    case = make_case(Stage.LOCAL_REVIEW, hostile=True)
    case.closed_at = NOW  # as when the closing summary is written
    facts = cards.case_facts(case, TEAMS, CALENDAR, NOW.date())
    reviews = [
        Review(HOSTILE[:150], "SCR", "2019-06", (HOSTILE[:100],) * 15, {"full_report": "https://example.org/r"}),
        Review("SCR Child K", "SCR", None, (), {}, status="not_published"),
    ]
    items = [{"ref": f"2026-{n:03d}", "task": "sign off for Example Police", "what": "sign off for Example Police",
              "channel": "19:c@thread.v2", "deadline": "rapid review", "due": date(2026, 1, 26),
              "left": "3 working days left"} for n in range(45)]  # fmt: skip
    for message in (
        teams("local_review_started", case=case, target=facts["target"], requested_by="panel"),
        teams("panel_answered", case=case, label="Other", answered_on=date(2026, 1, 6), by=CHAIR),
        teams("publication_decided", case=case, label="Not published", by=CHAIR),
        teams("panel_chase", **facts),
        teams("review_reminder", overdue=True, **facts),
        teams("review_reminder", overdue=False, **facts),
        teams("publishable", **facts),
        teams("closing_summary", note=HOSTILE, by=CHAIR, **facts),
        teams("milestone_list", **facts),
        teams("personal_digest", day=NOW.date(), items=items),
        teams(
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
        assert_safe(message)
    reviewing = [{"ref": "2026-004", "channel": "19:c@thread.v2", "target": date(2026, 7, 6), "left": "6 months left",
                  "next": "Reviewer appointed", "publication": ""}] * 30  # fmt: skip
    home = teams("app_home", partnership=TEAMS, roles=["PPRG chair"], todo=items, actions=[], to_sign_off=[],
                 reviews=reviewing)  # fmt: skip
    assert_safe(home)
    assert buttons(home["card"]) == [("dialog", "library_search", "search")]


def test_the_yearly_headline_figures():
    case = CaseRecord("2026-001", date(2026, 5, 1), "under_1", "death", ("physical",), date(2026, 5, 1))
    year = Period(date(2026, 4, 1), date(2027, 3, 31))
    report = compute(Records(cases=(case,)), year, date(2027, 6, 1), TEAMS, CALENDAR)
    message = teams("report_headline", report=report, notification_days=5, review_days=15)
    assert_safe(message)
    # Small counts are withheld, in words.
    assert "Referrals: withheld\nClosed at triage: 0" in flatten(message["card"])


def test_action_plan_cards_render_valid_and_safe():
    case = make_case(Stage.LOCAL_REVIEW, hostile=True)
    recommendation = Recommendation(id=7, number=1, text=HOSTILE[:1000], case=case)
    for number, state in enumerate(("open", "completed", "signed_off", "open"), start=1):
        action = Action(
            id=number, number=number, agency_key="police", owner=POLICE_LEAD, due_on=date(2026, 1, 5),
            measure=HOSTILE[:500], state=state, signed_off_by=CHAIR, signed_off_at=NOW,
        )  # fmt: skip
        action.updates = [
            ActionUpdate(kind="completed", note=HOSTILE[:1000], link="https://example.org/e", by=POLICE_LEAD, at=NOW)
        ]
        recommendation.actions.append(action)
    facts = cards.plan_facts(recommendation, TEAMS, NOW.date())
    card = teams("recommendation_card", **facts)
    assert_safe(card)
    assert buttons(card["card"]) == [
        ("execute", "action_sign_off", "2"), ("dialog", "action_reopen", "2"), ("dialog", "action_reopen", "3"),
        ("dialog", "action_add", "7"),
    ]  # fmt: skip
    for line in facts["actions"]:
        mine = teams("action_card", line=line, label=cards.action_label(line["action"]), **facts)
        assert_safe(mine)
    assert buttons(teams("action_card", line=facts["actions"][0], label="action 1.1", **facts)["card"]) == [
        ("dialog", "action_progress", "1"), ("dialog", "action_complete", "1"),
    ]  # fmt: skip
    first = recommendation.actions[0]
    label = cards.action_label(first)
    for message in (
        teams("action_completed", action=first, label=label, by=POLICE_LEAD),
        teams("action_reopened", action=first, label=label, by=CHAIR, reason=HOSTILE[:1000]),
        teams("action_reminder", action=first, label=label, overdue=True, days_left=-1),
        teams("action_reminder", action=first, label=label, overdue=False, days_left=2),
    ):
        assert_safe(message)
    lines = [{"label": cards.action_label(a), "agency": "Example Police", "action": a} for a in recommendation.actions]
    digest = teams(
        "digest", day=NOW.date(), rows=[], first=1, part=1, parts=1, counts=NO_CASES, late_actions=lines * 10
    )
    assert_safe(digest)
    mine = [{**line, "label": cards.action_label(line["action"])} for line in facts["actions"]]
    home = teams("app_home", partnership=TEAMS, roles=[], todo=[], reviews=[],
                 actions=[line for line in mine if line["action"].state in ("open", "completed")],
                 to_sign_off=[line for line in mine if line["action"].state == "completed"])  # fmt: skip
    assert_safe(home)
    assert buttons(home["card"]) == [
        ("dialog", "action_progress", "1"), ("dialog", "action_complete", "1"), ("dialog", "action_progress", "4"),
        ("dialog", "action_complete", "4"), ("execute", "action_sign_off", "2"), ("dialog", "library_search", "search"),
    ]  # fmt: skip


def test_long_lists_are_summarised_within_the_card_limit():
    rows = [
        {"ref": f"2026-{n:03d}", "stage": "Rapid review", "channel": None, "deadline": "rapid review",
         "due": date(2026, 1, 26), "left": 3}
        for n in range(300)
    ]  # fmt: skip
    listed = teams("case_list", cases=rows[:45], total=len(rows))
    assert_safe(listed)
    assert "…and 255 more." in flatten(listed["card"])
    digest_rows = [
        {"ref": f"2026-{n:03d}", "stage": "rapid_review", "stage_label": "Rapid review", "late": n % 2 == 0,
         "deadline": "rapid review", "due": date(2026, 1, 26), "left": "3 working days left", "next": "",
         "waiting": HOSTILE[:300]}
        for n in range(80)
    ]  # fmt: skip
    counts = {"open": 500, "overdue": 250, "triage": 0}
    digest = teams(
        "digest", day=NOW.date(), rows=digest_rows, first=81, part=2, parts=7, counts=counts, late_actions=[]
    )
    assert_safe(digest)
    assert "**500 open** · 250 overdue · 0 awaiting triage · cases 81 to 160, overdue first" in flatten(digest["card"])
