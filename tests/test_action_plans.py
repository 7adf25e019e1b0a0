"""Action plans through the bot's real HTTP endpoint: a recommendation and its actions, the owner's
direct message, reminders across a bank holiday, progress, completion, reopening and sign-off, the
overdue ones in the digest, national recommendations, and who may do what (the scrutineer nothing)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from bot.clockwork.tick import Clockwork
from storage.models import Action, ActionUpdate, LibraryEntry, Recommendation
from tests.conftest import GENERAL, RunningBot
from tests.journey import CHAIR, MANAGER, actions_audited, at, command, plain, submit, to_the_panel, told
from tests.test_attacks import forge_click
from tests.test_rapid_review_story import PPRG

ACTION = {"agency": "police", "owner": "U01POLICE", "due_on": "2026-04-07", "measure": "An audit of 20 cases."}
RECOMMENDATION = "Improve how bruising in non-mobile babies is recognised and acted on."


def recommendation_card(bot: RunningBot, where: str) -> str:
    found = [m for m in bot.standin.messages(where) if bot.text(m).startswith("Recommendation 1 · ")]
    assert len(found) == 1, where
    return plain(bot.text(found[0]))


def action_card(bot: RunningBot, owner: str):
    found = [m for m in bot.standin.dms(owner) if "You own action" in bot.text(m)]
    assert found, owner
    return found[0]


def reminders_by_day(bot: RunningBot, first: date, last: date) -> list[str]:
    clockwork = Clockwork(bot.services)
    seen, day = [], first
    while day <= last:
        before = len(bot.standin.log)
        for hour in ("08:35", "09:05"):
            clockwork.tick(at(bot, f"{day.isoformat()}T{hour}"))
        bot.settle()
        for entry in bot.standin.log[before:]:
            if entry["kind"] == "dm" and "Your action 1.1 of 2026-001" in entry["text"]:
                seen.append(f"{day:%a %d %b} {entry['channel']}: {entry['text'].split('*')[1]}")
        day += timedelta(days=1)
    return seen


def test_an_action_plan_from_recommendation_to_signed_off_completion(bot: RunningBot):
    channel = to_the_panel(bot, "local_cspr", "2026-01-05")
    at(bot, "2026-03-16T10:00")

    # The chair records a recommendation and its first action from the case card; bad input first.
    chair = bot.user(CHAIR)
    chair.click("recommend", channel_id=channel)
    errors = submit(
        bot,
        CHAIR,
        "recommend",
        {"text": " ", "agency": "police", "owner": "U01CSC", "due_on": "2026-03-13"},
        expect_errors=True,
    )["errors"]
    assert errors == {
        "text": "Write the recommendation.",
        "owner": "The owner must be a lead for Example Police in the partnership file.",
        "due_on": "The due date cannot be in the past.",
    }
    submit(bot, CHAIR, "recommend", {"text": RECOMMENDATION, **ACTION})
    assert bot.user(CHAIR).resend_last().status == 200  # delivered twice: recorded once
    bot.settle()
    card = recommendation_card(bot, channel)
    assert "1.1 Example Police · @police.lead · due Tue 7 Apr 2026" in card and "Open" in card
    assert "Success: An audit of 20 cases." in card
    mine = action_card(bot, "U01POLICE")
    assert "[Record progress]" in bot.text(mine) and "[Mark complete]" in bot.text(mine)

    # Only the owner reports on an action; nobody else sees its buttons, and a forged click is refused.
    action_id = str(bot_action(bot).id)
    forge_click(bot, "U01CSC", "action_complete", action_id, GENERAL)
    bot.settle()
    assert "Only the owner of action 1.1 of 2026-001 can report on it." in told(bot, "U01CSC")

    # Reminders to the owner: 10 and 5 working days before (Easter in between), on the day, then weekly.
    assert reminders_by_day(bot, date(2026, 3, 17), date(2026, 4, 21)) == [
        "Fri 20 Mar DM @police.lead: Your action 1.1 of 2026-001 is due Tue 7 Apr 2026",
        "Fri 27 Mar DM @police.lead: Your action 1.1 of 2026-001 is due Tue 7 Apr 2026",
        "Tue 07 Apr DM @police.lead: Your action 1.1 of 2026-001 is due Tue 7 Apr 2026",
        "Tue 14 Apr DM @police.lead: Your action 1.1 of 2026-001 is overdue",
        "Tue 21 Apr DM @police.lead: Your action 1.1 of 2026-001 is overdue",
    ]
    digest = [m for m in bot.standin.messages(PPRG) if "Daily digest · Tue 21 Apr 2026" in bot.text(m)]
    assert "1 overdue action" in bot.text(digest[0]) and "Action 1.1 of 2026-001 · Example Police" in bot.text(
        digest[0]
    )

    # Progress, then completion with its evidence (https only), from the owner's card.
    police = bot.user("police.lead")
    police.click("action_progress", message_ts=mine.ts, channel_id=bot.standin.dm_channel("U01POLICE"))
    submit(bot, "police.lead", "action_step", {"note": "Training planned for May."})
    assert "Latest" in recommendation_card(bot, channel) and "Training planned for May." in recommendation_card(
        bot, channel
    )
    police.click("action_complete", channel_id=bot.standin.dm_channel("U01POLICE"))
    bad = submit(
        bot, "police.lead", "action_step", {"note": "Done.", "link": "http://example.org/audit"}, expect_errors=True
    )
    assert bad["errors"] == {"link": "Use a link that starts with https://."}
    submit(bot, "police.lead", "action_step", {"note": "Audit of 20 cases done.", "link": "https://example.org/audit"})
    notices = [m for m in bot.standin.messages(channel) if "is complete" in bot.text(m)]
    assert len(notices) == 1 and "Action 1.1 of 2026-001 is complete" in plain(bot.text(notices[0]))
    assert "Completed, awaiting sign-off" in recommendation_card(bot, channel)
    assert reminders_by_day(bot, date(2026, 4, 22), date(2026, 4, 29)) == []  # no reminders once complete

    # The business manager reopens it (the owner is told why); completed again, then signed off.
    bot.user(MANAGER).click("action_reopen", channel_id=channel)
    submit(bot, MANAGER, "action_step", {"note": "The audit left out health visiting."})
    reopened = [m for m in bot.standin.dms("U01POLICE") if "is open again" in bot.text(m)]
    assert len(reopened) == 1 and "left out health visiting" in bot.text(reopened[0])
    police.click("action_complete", channel_id=bot.standin.dm_channel("U01POLICE"))
    submit(bot, "police.lead", "action_step", {"note": "Audit redone.", "link": "https://example.org/audit-2"})
    forge_click(bot, "U01POLICE", "action_sign_off", action_id, channel)
    bot.settle()
    assert "Only the PPRG chair or business manager can sign off or reopen" in told(bot, "U01POLICE")
    chair.click("action_sign_off", channel_id=channel)
    bot.settle()
    chair.click("action_reopen", channel_id=channel)  # still offered once signed off
    bot.settle()
    assert "Completed and signed off by @pprg.chair" in recommendation_card(bot, channel)
    with bot.services.database.transaction() as session:
        assert session.scalars(select(Action.state)).all() == ["signed_off"]
        kinds = session.scalars(select(ActionUpdate.kind).order_by(ActionUpdate.id)).all()
    assert kinds == ["progress", "completed", "reopened", "completed", "signed_off"]
    for action in ("recommended_action_plan", "action_assigned", "action_progress", "action_completed",
                   "action_reopened", "action_signed_off"):  # fmt: skip
        assert action in actions_audited(bot), action

    # A second action from the recommendation's card.
    bot.user(MANAGER).click("action_add", channel_id=channel)
    submit(bot, MANAGER, "add_action", {"agency": "education", "owner": "U01EDU", "due_on": "2026-06-30"})
    assert "1.2 Education · @education.lead · due Tue 30 Jun 2026" in recommendation_card(bot, channel)
    assert "You own action 1.2 of 2026-001" in bot.text(action_card(bot, "U01EDU"))


def bot_action(bot: RunningBot) -> Action:
    with bot.services.database.transaction() as session:
        found = session.scalars(select(Action).order_by(Action.id)).first()
        session.expunge(found)
        return found


def test_owners_see_their_actions_and_the_pprg_what_awaits_sign_off_on_the_app_home(bot: RunningBot):
    channel = to_the_panel(bot, "other_learning_review", "2026-01-05")
    bot.user(CHAIR).command("/cspr", "recommend", channel_id=channel)
    submit(bot, CHAIR, "recommend", {"text": RECOMMENDATION, **ACTION})
    police = bot.user("police.lead")
    police.open_home()
    home = bot.standin.wait_for(lambda s: s.home_views.get("U01POLICE"), message="the owner's home")
    assert "Your actions" in json.dumps(home.view) and "Mark complete" in json.dumps(home.view)
    police.click("action_complete", view_id=home.id)
    submit(bot, "police.lead", "action_step", {"note": "Done.", "link": "https://example.org/evidence"})
    bot.user(MANAGER).open_home()
    managers = bot.standin.wait_for(
        lambda s: "awaiting sign-off" in json.dumps(s.home_views.get("U01BIZMGR").view if s.home_views.get("U01BIZMGR") else {}),
        message="the business manager's home",
    )  # fmt: skip
    assert managers
    bot.user(MANAGER).click("action_sign_off", view_id=bot.standin.home_views["U01BIZMGR"].id)
    bot.settle()
    bot.standin.wait_for(
        lambda s: "Your actions" not in json.dumps(s.home_views["U01POLICE"].view), message="the owner's home rebuilt"
    )


def test_national_recommendations_are_filed_against_a_national_review_in_the_library(bot: RunningBot):
    assert "Usage: /cspr recommend --national" in command(bot, CHAIR, "recommend --national", PPRG)
    bot.user(MANAGER).command("/cspr", 'recommend --national "Child Protection in England"', channel_id=PPRG)
    submit(bot, MANAGER, "recommend", {"text": "Multi-agency child protection units.", **ACTION})
    assert "Recommendation 1 · the national review Child Protection in England" in recommendation_card(bot, PPRG)
    with bot.services.database.transaction() as session:
        entry = session.scalars(select(LibraryEntry)).one()
        assert (entry.title, entry.review_type) == ("Child Protection in England", "national")
        assert session.scalars(select(Recommendation.library_entry_id)).one() == entry.id
    assert "Child Protection in England" in command(bot, "someone.else", "library child protection", GENERAL)
    # A second recommendation of the same review joins the same entry.
    bot.user(MANAGER).command("/cspr", "recommend --national \u201cChild Protection in England\u201d", channel_id=PPRG)
    submit(bot, MANAGER, "recommend", {"text": "Shared training.", **ACTION})
    with bot.services.database.transaction() as session:
        assert session.scalars(select(Recommendation.number).order_by(Recommendation.id)).all() == [1, 2]
        assert len(session.scalars(select(LibraryEntry)).all()) == 1


def test_who_may_recommend_and_when(bot: RunningBot):
    police = bot.user("police.lead")
    police.command("/cspr", "refer", channel_id=GENERAL)
    from tests.test_rapid_review_story import REFERRAL

    submit(bot, "police.lead", "referral", REFERRAL)
    assert "2026-001 has no decision yet" in command(bot, CHAIR, "recommend 2026-001", PPRG)
    assert "Only the PPRG chair or business manager" in command(bot, "police.lead", "recommend 2026-001", GENERAL)
    assert "Only the PPRG chair or business manager" in command(bot, "scrutineer", "recommend 2026-001", GENERAL)
    assert "Run /cspr recommend in the case's channel" in command(bot, CHAIR, "recommend", GENERAL)
    # A referral closed as local learning may have recommendations too.
    bot.user(CHAIR).click("triage_not_met", channel_id=PPRG)
    submit(bot, CHAIR, "not_met", {"reason": "Not a serious case."})
    bot.user(CHAIR).command("/cspr", "recommend 2026-001", channel_id=PPRG)
    submit(bot, CHAIR, "recommend", {"text": RECOMMENDATION, **ACTION})
    assert "Recommendation 1 · 2026-001" in recommendation_card(bot, PPRG)


def test_a_scrutineer_sees_figures_and_stages_but_never_free_text_and_cannot_change_anything(bot: RunningBot):
    channel = to_the_panel(bot, "local_cspr", "2026-01-05")
    at(bot, "2026-01-20T10:00")
    bot.user(MANAGER).click("panel_other", channel_id=channel)
    submit(bot, MANAGER, "panel_answer", {"answered_on": "2026-01-19", "note": "Concern about Child ZQX's sibling."})
    scrutineer = bot.user("scrutineer")
    status = scrutineer.command("/cspr", "status 2026-001", channel_id=GENERAL).json
    shown = json.dumps(status)
    assert "Local CSPR 2026-001" in shown and "Publication target" in shown
    assert '"button"' not in shown and "sibling" not in shown and "Learning for every agency" not in shown
    assert "2026-001" in json.dumps(scrutineer.command("/cspr", "list", channel_id=GENERAL).json)
    scrutineer.open_home()
    home = bot.standin.wait_for(lambda s: s.home_views.get("U01SCRUTINY"), message="the scrutineer's home")
    assert "independent scrutineer" in json.dumps(home.view) and "Local CSPRs" in json.dumps(home.view)
    # Every button that changes something is refused, and audited.
    before = actions_audited(bot).count("refused")
    for action_id, value in (
        ("milestone", "2026-001|reviewer"),
        ("publish", "2026-001"),
        ("close_case", "2026-001"),
        ("recommend", "2026-001"),
        ("decide_local_cspr", "2026-001"),
        ("mark_sent", "2026-001"),
        ("signoff", "2026-001|police"),
    ):
        forge_click(bot, "U01SCRUTINY", action_id, value, GENERAL)
        bot.settle()
    assert actions_audited(bot).count("refused") - before == 7
    assert not [v for v in bot.standin.views.values() if v.user == "U01SCRUTINY" and v.view.get("type") == "modal"]
    # A scrutineer added to a case channel by hand is reported there, as anyone not on the case would be.
    bot.standin.send_event({"type": "member_joined_channel", "user": "U01SCRUTINY", "channel": channel})
    bot.standin.wait_for(
        lambda s: [m for m in s.messages(channel) if "@scrutineer" in bot.text(m) and "not" in bot.text(m)],
        message="the scrutineer reported in the case channel",
    )
