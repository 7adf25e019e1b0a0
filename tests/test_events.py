"""Events from Slack: handled once however often they arrive, and a stranger added to a case
channel by hand is reported once."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import AuditEvent, ProcessedEvent
from tests.conftest import RunningBot
from tests.test_desk_edges import start_review


def joined(bot: RunningBot, channel: str, user: str, **delivery) -> int:
    event = {"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "G", "team": "T0CSPR"}
    answer = bot.standin.send_event(event, **delivery)
    bot.settle()
    return answer.status


def reports(bot: RunningBot, channel: str) -> list:
    return [m for m in bot.standin.messages(channel) if "is not named in the partnership file" in bot.text(m)]


def test_someone_added_by_hand_is_reported_once_however_often_slack_retries(bot: RunningBot):
    channel = start_review(bot)
    bot.standin.add_user("U0STRANGER", "a.stranger")
    assert joined(bot, channel, "U0STRANGER", event_id="Ev0001") == 200
    # Slack retries the same event, twice, and then a later, separate join of the same person.
    assert joined(bot, channel, "U0STRANGER", event_id="Ev0001", retry_num=1) == 200
    assert joined(bot, channel, "U0STRANGER", event_id="Ev0001", retry_num=2) == 200
    assert joined(bot, channel, "U0STRANGER", event_id="Ev0002") == 200
    found = reports(bot, channel)
    assert len(found) == 1
    text = bot.text(found[0])
    assert "@a.stranger" in text and "@pprg.chair" in text
    with bot.services.database.transaction() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "stranger_joined")) == 1
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 2


def test_people_in_the_partnership_file_and_the_bot_are_not_reported(bot: RunningBot):
    channel = start_review(bot)
    joined(bot, channel, "U01EDU")  # a lead of another agency, added by hand
    joined(bot, channel, "U0BOT")
    assert reports(bot, channel) == []


def test_joins_elsewhere_are_not_a_case_matter(bot: RunningBot):
    start_review(bot)
    bot.standin.add_user("U0STRANGER", "a.stranger")
    joined(bot, "C0GENERAL", "U0STRANGER")
    assert not [m for m in bot.standin.messages("C0GENERAL") if "partnership file" in bot.text(m)]


def test_a_repeated_home_tab_event_is_handled_once(bot: RunningBot):
    user = bot.user("csc.lead")
    event = {"type": "app_home_opened", "user": user.id, "channel": "D0CSC", "tab": "home", "event_ts": "1.0"}
    for retry in (None, 1):
        assert bot.standin.send_event(event, event_id="Ev0HOME", retry_num=retry).status == 200
        bot.settle()
    assert len([c for c in bot.standin.calls if c.method == "views.publish"]) == 1
