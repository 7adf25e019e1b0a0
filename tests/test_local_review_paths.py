"""The other roads after the decision: a decision not to publish, learning published for a referral
closed as local learning and for another learning review, the library's pages and search form, and
the App Home kept up to date."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.learning.entries import Review
from bot.usecases import library
from storage.models import LibraryEntry, Milestone, PanelAnswer
from tests.conftest import GENERAL, LEARNING, RunningBot
from tests.journey import (
    CHAIR,
    MANAGER,
    actions_audited,
    at,
    click_and_submit,
    command,
    plain,
    stage_of,
    submit,
    to_the_panel,
    told,
)
from tests.test_attacks import race
from tests.test_rapid_review_story import PPRG, refer

LINK = {"full_report": "https://example.org/briefing.pdf"}


def publish_values(title: str, on: str) -> dict:
    return {"title": title, "published_on": on, "themes": "learning", **LINK}


def test_a_decision_not_to_publish_is_recorded_shown_and_lets_the_case_close(bot: RunningBot):
    channel = to_the_panel(bot, "local_cspr", "2026-01-05")
    at(bot, "2026-06-01T10:00")
    bot.user(MANAGER).command("/cspr", "milestone not-published", channel_id=channel)
    errors = submit(
        bot, MANAGER, "not_published", {"decision": "not_published", "title": " ", "reasons": " "}, expect_errors=True
    )["errors"]
    assert set(errors) == {"title", "reasons"}
    submit(
        bot,
        MANAGER,
        "not_published",
        {"decision": "not_published", "title": "LCSPR Child Q", "reasons": "Publication would identify a sibling."},
    )
    card = plain(bot.text(next(m for m in bot.standin.messages(channel) if m.ts in bot.standin.channels[channel].pins)))
    assert "Not published, decided" in card and "The Panel is to be told" in card
    assert "Decision not to publish" not in card and "[Publish material]" not in card
    assert "Not published" in command(bot, "someone.else", "library child q", GENERAL)
    assert "A decision not to publish 2026-001 is recorded." in command(bot, CHAIR, "publish", channel)
    assert "A decision not to publish 2026-001 is recorded." in command(bot, CHAIR, "milestone published", channel)
    # Nothing of the reasons reaches the PPRG channel or the library.
    assert "sibling" not in json.dumps([m.blocks for m in bot.standin.messages(PPRG)])
    assert "sibling" not in command(bot, "someone.else", "library child q", GENERAL)
    bot.user(CHAIR).click("close_case", channel_id=channel)
    submit(bot, CHAIR, "close_case", {"note": "Closed without publication."})
    assert stage_of(bot) == "closed"


def test_learning_from_a_referral_closed_as_local_learning_is_published_from_the_pprg_channel(bot: RunningBot):
    refer(bot)
    click_and_submit(
        bot, CHAIR, "triage_not_met", "not_met", {"reason": "No abuse or neglect suspected."}, channel_id=PPRG
    )
    assert "There is no case 2026-999." in command(bot, CHAIR, "publish 2026-999", PPRG)
    bot.user(MANAGER).command("/cspr", "publish 2026-001", channel_id=PPRG)
    future = submit(
        bot, MANAGER, "publish", publish_values("Learning briefing: bruising", "2026-02-01"), expect_errors=True
    )
    assert future["errors"] == {"published_on": "The publication date cannot be in the future."}
    submit(bot, MANAGER, "publish", publish_values("Learning briefing: bruising", "2026-01-05"))
    for where in (PPRG, LEARNING):
        assert [m for m in bot.standin.messages(where) if "Learning briefing: bruising" in bot.text(m)], where
    with bot.services.database.transaction() as session:
        entry = session.scalars(select(LibraryEntry)).one()
        assert (entry.review_type, entry.published) == ("learning review", "2026-01-05")
    assert "Learning briefing: bruising" in command(bot, "someone.else", "library bruises", GENERAL)


def test_another_learning_review_is_concluded_by_the_panel_published_and_closed(bot: RunningBot):
    channel = to_the_panel(bot, "other_learning_review", "2026-01-05")
    assert stage_of(bot) == "awaiting_panel"
    assert "can be closed" not in command(bot, CHAIR, "close", channel)  # the form opens: closing is allowed
    at(bot, "2026-01-20T10:00")
    click_and_submit(
        bot, MANAGER, "panel_other", "panel_answer", {"answered_on": "2026-01-19", "note": "Asked for the audit."},
        channel_id=channel,
    )  # fmt: skip
    assert stage_of(bot) == "concluded"
    again = bot.user(MANAGER).resend_last()  # the same answer delivered twice is recorded once
    assert "already recorded" in json.dumps(again.json)
    assert "2026-001 is not a local CSPR in progress" in command(bot, CHAIR, "milestone reviewer", channel)
    bot.user(CHAIR).command("/cspr", "publish", channel_id=channel)
    submit(bot, CHAIR, "publish", publish_values("Audit of safe sleep advice", "2026-01-20"))
    bot.user(CHAIR).command("/cspr", "close", channel_id=channel)
    submit(bot, CHAIR, "close_case", {"note": "The audit reported to the PPRG."})
    assert stage_of(bot) == "closed"
    assert "Audit of safe sleep advice" in command(bot, "someone.else", "library safe sleep", GENERAL)


def test_the_library_pages_ten_at_a_time_in_an_answer_and_in_the_search_form(bot: RunningBot):
    reviews = [
        Review(f"SCR Child {n:02d}", "SCR", f"20{10 + n % 10}-0{1 + n % 9}", ("neglect",), dict(LINK))
        for n in range(23)
    ]
    bot.services.desk.run(bot.clock.now(), library.load, "cli:admin", reviews=reviews, source="test")
    first = command(bot, "someone.else", "library neglect", GENERAL)
    assert "23 reviews match neglect (showing 1 to 10)" in first and "[More]" in first
    # Newest first among equals: 2019 entries before 2010 ones.
    assert first.index("2019") < first.index("2010") if "2010" in first else True
    outsider = bot.user("someone.else")
    outsider.click("library_more", ephemeral=True)
    bot.settle()
    assert "(showing 11 to 20)" in told(bot, "U0OUTSIDER")
    outsider.click("library_more", ephemeral=True)
    bot.settle()
    last = told(bot, "U0OUTSIDER")
    assert "(showing 21 to 23)" in last and "[More]" not in last

    # From the App Home: a search form that answers in itself.
    outsider.open_home()
    bot.settle()
    home = bot.standin.wait_for(lambda s: s.home_views.get("U0OUTSIDER"), message="the home tab")
    outsider.click("library_search", view_id=home.id)
    form = bot.form(outsider, "library_search")
    assert "The newest reviews in the learning library" in json.dumps(form.view)
    answer = outsider.submit(form.id, {"words": "SCR Child 07"})
    assert answer.json["response_action"] == "update"
    assert "SCR Child 07" in json.dumps(answer.json["view"])
    more = bot.form(outsider, "library_search")
    outsider.click("library_more_view", view_id=more.id)
    bot.settle()
    assert "(showing 11 to 20)" in json.dumps(bot.standin.views[more.id].view)


def test_the_app_home_lists_local_reviews_and_is_rebuilt_when_they_change(bot: RunningBot):
    channel = to_the_panel(bot, "local_cspr", "2026-01-05")
    chair = bot.user(CHAIR)
    chair.open_home()
    bot.settle()
    home = bot.standin.wait_for(lambda s: s.home_views.get("U01CHAIR"), message="the home tab")
    shown = json.dumps(home.view)
    assert "Local CSPRs" in shown and "publication target Sun 5 Jul 2026" in shown
    assert "next: Reviewer appointed" in shown and "Search the learning library" in shown
    at(bot, "2026-01-12T10:00")
    command(bot, MANAGER, "milestone reviewer", channel)
    rebuilt = bot.standin.wait_for(
        lambda s: "next: Terms of reference agreed" in json.dumps(s.home_views["U01CHAIR"].view),
        message="the chair's home rebuilt",
    )
    assert rebuilt
    # Someone who never opened their App Home is not sent one.
    assert "U01CSC" not in bot.standin.home_views


def test_each_new_form_sent_twice_or_at_once_takes_effect_once(bot: RunningBot):
    channel = to_the_panel(bot, "local_cspr", "2026-01-05")
    manager = bot.user(MANAGER)
    at(bot, "2026-06-01T10:00")

    def twice_at_once(person, callback_id: str, values: dict) -> None:
        form = bot.form(person, callback_id)
        answers = race(*[lambda: person.submit(form.id, values)] * 2)
        answers += race(person.resend_last, person.resend_last)
        bot.settle()
        assert all(answer.status == 200 for answer in answers)

    manager.click("panel_agrees", channel_id=channel)
    twice_at_once(manager, "panel_answer", {"answered_on": "2026-01-16"})
    for key, on in (("approved", "2026-05-04"), ("sent", "2026-05-05")):
        manager.click("milestone", channel_id=channel, value=f"2026-001|{key}")
        twice_at_once(manager, "milestone", {"on": on})
    manager.command("/cspr", "publish", channel_id=channel)
    twice_at_once(manager, "publish", publish_values("LCSPR Child R", "2026-06-01"))
    chair = bot.user(CHAIR)
    chair.command("/cspr", "close", channel_id=channel)
    twice_at_once(chair, "close_case", {"note": "Done."})

    with bot.services.database.transaction() as session:
        assert session.scalars(select(PanelAnswer.answer)).all() == ["agrees"]
        assert sorted(session.scalars(select(Milestone.key))) == ["approved", "published", "sent"]
        assert len(session.scalars(select(LibraryEntry)).all()) == 1
    for action, times in (("panel_answered", 1), ("milestone_recorded", 3), ("published", 1), ("closed", 1)):
        assert actions_audited(bot).count(action) == times, action
    for where in (channel, PPRG, LEARNING):
        assert len([m for m in bot.standin.messages(where) if "Published learning" in bot.text(m)]) == 1, where
    assert len([m for m in bot.standin.messages(PPRG) if "Case 2026-001 closed" in bot.text(m)]) == 1
