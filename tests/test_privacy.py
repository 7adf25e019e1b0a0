"""A child's initials or pseudonym and the referral summary never leave the database: not in
anything the bot sends to Slack, not in channel names or topics, not in any log line."""

from __future__ import annotations

import json
import logging

from bot.clockwork.tick import Clockwork
from tests.conftest import RunningBot
from tests.test_clockwork import london, open_review, sign_off
from tests.test_rapid_review_story import REFERRAL

SECRETS = (REFERRAL["child_identifier"], "ZQX", "Fractures found at a routine appointment")


def test_identifiers_and_summaries_never_reach_slack_or_the_logs(bot: RunningBot, caplog):
    caplog.set_level(logging.DEBUG)
    channel = open_review(bot)
    sign_off(bot, channel, "police.lead", "police")
    clockwork = Clockwork(bot.services)
    for moment in ("2026-03-30T09:00", "2026-04-14T09:00", "2026-04-16T09:00"):
        clockwork.tick(london(bot, moment))
    bot.user("csc.lead").command("/cspr", "status", channel_id=channel)
    bot.user("pprg.chair").command("/cspr", "list", channel_id="C0GENERAL")
    bot.user("csc.lead").open_home()
    bot.settle()

    standin = bot.standin
    sent_to_slack = json.dumps(
        {
            "calls": [call.params for call in standin.calls],
            "responses": [post.payload for post in standin.responses],
            "channels": [[c.name, c.topic] for c in standin.channels.values()],
            "home": [view.view for view in standin.home_views.values()],
        },
        default=str,
    )
    assert len(standin.calls) > 40  # the scan covers a real conversation
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert len(caplog.records) > 20
    for secret in SECRETS:
        assert secret not in sent_to_slack
        assert secret not in logged
    assert standin.channels[channel].name == "rr-2026-001"
