"""A child's initials or pseudonym and the referral summary never leave the database: not in
anything the bot sends to Slack, not in channel names or topics, not in any log line."""

from __future__ import annotations

import json
import logging
import re
import time

from bot.clockwork.tick import Clockwork
from bot.standin.people import FORM, http_body
from storage.models import Case
from tests.conftest import SIGNING_SECRET, RunningBot
from tests.test_clockwork import london, open_review, sign_off
from tests.test_rapid_review_story import REFERRAL, count

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


def test_a_refused_referral_leaves_one_short_line_and_nothing_of_its_content(bot: RunningBot, caplog):
    caplog.set_level(logging.DEBUG)  # the root logger, so slack_bolt's, slack_sdk's and waitress's too
    police = bot.user("police.lead")
    police.command("/cspr", "refer", channel_id="C0GENERAL")
    form = bot.form(police, "referral")
    bot.settle()
    caplog.clear()

    # The signing secret was rotated in Slack but not here: Slack signs with the new one.
    bot.standin.signing_secret = "the-rotated-secret"
    assert police.submit(form.id, REFERRAL).status == 401
    bot.standin.signing_secret = SIGNING_SECRET
    # The same submission, signed with the right secret but by a clock 10 minutes ahead of this host's.
    sent, _ = http_body("interactive", bot.standin.workspace.last_payloads["U01POLICE"])
    assert bot.standin.post_signed(sent, FORM, timestamp=int(time.time()) + 600).status == 401
    bot.settle()

    assert count(bot, Case) == 0
    logged = [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    for secret in SECRETS:
        assert not [line for line in logged if secret in line]
    bad_signature, too_far_ahead = [line for line in logged if line.startswith("refused a request")]
    assert bad_signature == f"refused a request with 401: bad signature ({len(sent)} bytes, team T0CSPR)"
    assert re.fullmatch(
        rf"refused a request with 401: signed (599|60\d) s ahead, more than 300 s from the host clock "
        rf"\({len(sent)} bytes, team T0CSPR\)",
        too_far_ahead,
    )
