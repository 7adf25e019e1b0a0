"""A host clock that drifts from Slack's is named once, and shown on /healthz, before it makes
every request from Slack fail its signature check."""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request

from bot.clockwork.tick import Clockwork
from tests.conftest import GENERAL, RunningBot
from tests.test_rapid_review_story import refer


def health(bot: RunningBot) -> tuple[int, dict]:
    url = bot.standin.app_url.replace("/slack/events", "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def clock_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("the host clock")]


def test_a_drifting_host_clock_is_named_once_and_shown_on_health(bot: RunningBot, caplog):
    caplog.set_level(logging.INFO)
    chair = bot.user("pprg.chair")
    assert health(bot) == (200, {"status": "ok"})

    # Slack's clock 90 s ahead of the host's: the Date of Slack's Web API answers says so first (the
    # morning digest goes out), then the timestamps of its requests, which still pass (within 5 minutes).
    bot.standin.workspace.clock_offset = 90
    calls = len(bot.standin.calls)
    Clockwork(bot.services).tick(bot.clock.now())
    assert len(bot.standin.calls) > calls
    for _ in range(3):
        assert chair.command("/cspr", "help", channel_id=GENERAL).status == 200
    refer(bot)
    warnings = clock_lines(caplog)
    assert len(warnings) == 1
    assert re.fullmatch(
        r"the host clock is (89|90|91) s behind Slack's, judged by the Date of Slack's Web API answers\. "
        r"Slack's requests more than 300 s from the host clock are refused: set the host clock right \(NTP\)",
        warnings[0],
    )
    status, answer = health(bot)
    assert status == 200 and answer["status"] == "ok"
    assert re.fullmatch(r"the host clock is (89|90|91) s behind Slack's", answer["clock"])

    # Beyond 5 minutes every request is refused: still one warning, and /healthz says by how much.
    bot.standin.workspace.clock_offset = -400
    for _ in range(3):
        assert chair.command("/cspr", "help", channel_id=GENERAL).status == 401
    assert len(clock_lines(caplog)) == 1
    assert re.fullmatch(r"the host clock is (399|400|401) s ahead of Slack's", health(bot)[1]["clock"])

    bot.standin.workspace.clock_offset = 0
    assert chair.command("/cspr", "help", channel_id=GENERAL).status == 200
    assert clock_lines(caplog)[1:] == [
        "the host clock agrees with Slack's again (judged by the timestamps of Slack's signed requests)"
    ]
    assert health(bot) == (200, {"status": "ok"})
