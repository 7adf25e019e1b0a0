"""The rapid review on Teams, through the bot's real endpoint with tokens signed as Teams signs
them, against the Teams stand-in: referral → triage → a group chat per case → sign-offs → the
chair's decision → endorsements → sent to the Panel."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.clock import SimulatedClock
from bot.clockwork.tick import Clockwork
from bot.learning import files
from bot.partnership import load
from bot.standin.teams import TeamsStandIn, flatten
from bot.usecases import library
from storage.models import Case, SignOff
from tests.conftest import START
from tests.teams_bot import (  # noqa: F401 - the fixture
    CATALOG_APP,
    PPRG_TEAM,
    REFERRAL,
    TENANT,
    TeamsBot,
    case_card,
    count,
    partnership_file,
    readable,
    refer,
    running_on_teams,
    stage_of,
    start_review,
    start_teams_instance,
    tenant,
)

SAMPLE = Path(files.__file__).resolve().parents[1] / "demo" / "published-reviews.csv"


def test_help_is_answered_in_the_chat_it_was_asked_in(teams_bot: TeamsBot):
    chair = teams_bot.user("pprg.chair")
    assert chair.say("help").status == 200
    answer = teams_bot.teams.wait_for(lambda t: t.dms(chair.object_id)[1:], message="the bot's answer")
    assert "refer" in answer[0].text or "refer" in str(answer[0].attachments)


def test_a_rapid_review_from_referral_to_the_panel(teams_bot: TeamsBot):
    teams, bot = teams_bot.teams, teams_bot
    police, chair = bot.user("police.lead"), bot.user("pprg.chair")

    # 1. `refer` in the 1:1 chat: Teams opens a form only from a button, so the answer holds one.
    police.say("refer")
    teams.wait_for(lambda t: len(t.dms(police.object_id)) >= 2, message="the form button")
    police.press("Open the form")
    assert police.dialog is not None and police.dialog.title == "Refer a case"
    # Bad input: the same dialog comes back with the errors by the fields, and nothing is stored.
    answer = police.submit({**REFERRAL, "child_identifier": "ZQ 12/03/2019", "incident_on": "2026-02-01"})
    assert answer.status == 200 and police.dialog is not None
    shown = flatten(police.dialog.card)
    assert "initials" in shown.lower() and "ZQ 12/03/2019" in shown
    assert stage_of(bot) is None
    answer = police.submit(REFERRAL)
    assert answer.status == 200 and police.dialog is None
    bot.settle()
    assert count(bot, Case) == 1

    # 2. The triage card in the PPRG channel; the referrer's confirmation in their chat.
    triage = teams.wait_for(lambda t: [a for a in t.activities(bot.pprg) if "Referral 2026-001" in readable(a)])
    assert "ZQX" not in readable(triage[0])
    assert any("2026-001" in text for text in bot.dm_texts("police.lead"))

    # Someone not on the PPRG pressing Start is refused, to them only.
    manager = bot.user("business.manager")
    outsider = bot.user("csc.lead")
    refused = outsider.press("Start rapid review", conversation_id=bot.pprg)
    assert "Only the PPRG chair or business manager" in refused.json["task"]["value"]
    assert outsider.dialog is None
    assert stage_of(bot) == "referred"

    # 3. The chair starts the review: a group chat for the case, its card first in it.
    chair.press("Start rapid review", conversation_id=bot.pprg)
    chair.submit({"notified_on": "2026-01-05"})
    bot.settle()
    chat = teams.wait_for(lambda t: t.chat_by_topic("rr-2026-001"), message="the case chat")
    members = set(chat.members)
    for lead in ("police.lead", "csc.lead", "health.lead", "pprg.chair", "business.manager"):
        assert bot.user(lead).object_id in members
    assert bot.user("someone.else").object_id not in members
    card = teams.wait_for(lambda t: [a for a in t.activities(chat.id) if "Rapid review 2026-001" in readable(a)])[0]
    before = readable(card)

    # 4. Sign-offs, one of them double-clicked: one sign-off, the card edited in place.
    police.press("Sign off", conversation_id=chat.id)
    police.submit({"comment": "Chronology returned."})
    police.resend_last()
    bot.settle()
    for lead in ("csc.lead", "health.lead"):
        person = bot.user(lead)
        person.press("Sign off", conversation_id=chat.id)
        person.submit({})
        bot.settle()
    after = readable(teams.conversation(chat.id).find(card.id))
    assert before != after and after.count("Signed off by") == 3
    assert count(bot, SignOff) == 3

    # 5. The chair decides; the partners endorse; the business manager marks it sent.
    decision = teams.wait_for(
        lambda t: [a for a in t.activities(chat.id) if "Every agency has signed off" in readable(a)]
    )
    chair.press("No further review", conversation_id=chat.id, activity_id=decision[0].id)
    chair.submit({"rationale": "Single-agency learning only."})
    bot.settle()
    for delegate in ("la.delegate", "icb.delegate", "police.delegate"):
        person = bot.user(delegate)
        endorse = teams.wait_for(lambda t, p=person: [a for a in t.dms(p.object_id) if "Endorse" in readable(a)])
        person.press("Endorse", conversation_id=teams.personal_chat(person.object_id).id, activity_id=endorse[-1].id)
        bot.settle()
    assert stage_of(bot) == "decided"
    manager.press("Mark sent to Panel", conversation_id=chat.id, activity_id=decision[0].id)
    manager.submit({"sent_on": "2026-01-05"})
    bot.settle()
    assert stage_of(bot) == "awaiting_panel"
    final = readable(teams.conversation(chat.id).find(card.id))
    assert "Sent to the Panel" in final


def test_reminders_skip_the_christmas_closure_then_the_digest_and_the_library(teams_bot: TeamsBot):
    bot, teams = teams_bot, teams_bot.teams
    london = bot.partnership.timezone
    bot.clock.set(datetime(2026, 12, 21, 9, 30, tzinfo=london))
    refer(bot, {**REFERRAL, "incident_on": "2026-12-17", "aware_on": "2026-12-18"})
    chat = start_review(bot)
    card = readable(teams.conversation(chat.id).find(case_card(bot, chat.id).id))
    # 15 working days from Mon 21 Dec, without 24 Dec (the partnership's closure), 25 and 28 Dec
    # (Christmas, Boxing Day's substitute) and 1 Jan.
    assert "Due Fri 15 Jan 2027" in card

    clockwork = Clockwork(bot.services)
    posted_on: dict[date, int] = {}
    day = date(2026, 12, 22)
    while day <= date(2027, 1, 15):
        before = len(teams.activities(chat.id))
        now = datetime.combine(day, time(9, 5), london)
        bot.clock.set(now)
        clockwork.tick(now)
        posted_on[day] = len(teams.activities(chat.id)) - before
        day += timedelta(days=1)
    closed = [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 27), date(2026, 12, 28)]
    assert all(posted_on[d] == 0 for d in closed + [date(2027, 1, 1)])
    reminders = [
        readable(a) for a in teams.activities(chat.id) if "working day" in readable(a) and "left" in readable(a)
    ]
    assert reminders, "the countdown reminders reach the case chat"
    assert all("ZQX" not in text for text in bot.texts(chat.id))

    # The PPRG digest, at its time on a working day: the open case, never the child.
    digest_at = datetime.combine(date(2027, 1, 18), bot.partnership.digest_at, london)
    bot.clock.set(digest_at)
    clockwork.digest(digest_at)
    digest = [text for text in bot.texts(bot.pprg) if "2026-001" in text and "digest" in text.lower()]
    assert digest and "ZQX" not in digest[-1]

    # The learning library, asked in a 1:1 chat.
    reviews = files.read(SAMPLE.read_text(), "csv", digest_at.date())
    bot.services.desk.run(digest_at, library.load, "cli:test", reviews=reviews, source="sample")
    chair = bot.user("pprg.chair")
    seen = len(teams.dms(chair.object_id))
    chair.say("library neglect")
    answer = teams.wait_for(lambda t: t.dms(chair.object_id)[seen:], message="the library's answer")
    assert "match" in readable(answer[-1]) and "neglect" in readable(answer[-1]).lower()


def test_home_is_a_card_in_the_persons_chat_kept_up_to_date_there(teams_bot: TeamsBot):
    bot, teams = teams_bot, teams_bot.teams
    refer(bot)
    chat = start_review(bot)
    police = bot.user("police.lead")
    personal = teams.personal_chat(police.object_id)
    police.say("home")
    bot.settle()
    homes = [a for a in teams.activities(personal.id) if "Waiting for you" in readable(a) or "2026-001" in readable(a)]
    home, before = homes[-1], readable(homes[-1])
    assert "2026-001" in before and "sign off" in before.lower()
    # Signing off changes what waits for them: the same card is edited, not a new one posted.
    police.press("Sign off", conversation_id=chat.id, activity_id=case_card(bot, chat.id).id)
    police.submit({})
    bot.settle()
    edited = teams.conversation(personal.id).find(home.id)
    assert edited.edited is not None and readable(edited) != before
    assert len([a for a in teams.activities(personal.id) if a.id == home.id]) == 1


def test_a_partnership_may_keep_each_case_in_a_private_channel_of_a_team(database_url, tmp_path):
    with TeamsStandIn(tenant_id=TENANT, catalog_app_id=CATALOG_APP) as teams:
        pprg, learning = tenant(teams)
        config = partnership_file(tmp_path, pprg, learning)
        text = config.read_text().replace(
            f"pprg_team: {PPRG_TEAM}}}",
            f"pprg_team: {PPRG_TEAM}, case_space: private_channel, case_space_team: {PPRG_TEAM}}}",
        )
        config.write_text(text)
        clock = SimulatedClock(START)
        runner = start_teams_instance(teams, database_url, config, clock)
        bot = TeamsBot(runner, teams, clock, pprg, load(config))
        try:
            refer(bot)
            chair = bot.user("pprg.chair")
            triage = teams.wait_for(lambda t: [a for a in t.activities(pprg) if "Referral 2026-001" in readable(a)])
            chair.press("Start rapid review", conversation_id=pprg, activity_id=triage[0].id)
            chair.submit({"notified_on": "2026-01-05"})
            bot.settle()
            channel = teams.wait_for(
                lambda t: [c for c in t.conversations.values() if c.topic == "rr-2026-001"], message="the channel"
            )[0]
            assert channel.kind == "channel" and channel.membership_type == "private"
            assert bot.user("someone.else").object_id not in channel.members
            assert bot.user("police.lead").object_id in channel.members
            assert "Rapid review 2026-001" in readable(case_card(bot, channel.id))
        finally:
            runner.stop()


def test_the_yearly_headline_on_teams_says_where_the_charts_are(teams_bot: TeamsBot):
    bot, teams = teams_bot, teams_bot.teams
    refer(bot)
    chair = bot.user("pprg.chair")
    seen = len(teams.dms(chair.object_id))
    chair.say("report")
    bot.settle()
    answers = bot.dm_texts("pprg.chair")[seen:]
    assert any("2025/26" in text and "referral" in text.lower() for text in answers)
    assert sum("the charts are in the yearly report's page" in text for text in answers) == 1
