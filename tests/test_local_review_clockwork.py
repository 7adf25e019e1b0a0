"""The clockwork after the decision, over months of simulated time with a second process racing
every tick: each reminder of a local CSPR on its working day, once; the Panel chased when its answer
is late, weekly, and no more once it is recorded."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from bot.clockwork.tick import Clockwork
from tests.conftest import RunningBot
from tests.journey import MANAGER, at, click_and_submit, stage_of, to_the_panel
from tests.test_clockwork import second_process

TICKS = ("08:35", "09:05")


def tick_days(bot: RunningBot, first: date, last: date) -> list[tuple[date, str, str]]:
    """Tick each day from `first` to `last` at TICKS, a second process ticking at the same instant;
    returns (day, where, text) of everything posted and sent by direct message."""
    clockworks = [Clockwork(bot.services), second_process(bot)]
    posted = []
    day = first
    while day <= last:
        seen = len(bot.standin.log)
        for hour in TICKS:
            moment = at(bot, f"{day.isoformat()}T{hour}")
            threads = [threading.Thread(target=c.tick, args=(moment,)) for c in clockworks]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        bot.settle()
        posted += [(day, e["channel"], e["text"]) for e in bot.standin.log[seen:] if e["kind"] in ("post", "dm")]
        day += timedelta(days=1)
    clockworks[1].services.database.dispose()
    return posted


def test_six_months_of_ticks_put_every_local_review_reminder_on_its_working_day_once(bot: RunningBot):
    # Decided Fri 31 Jul 2026: the target is Sun 31 Jan 2027, and the monthly points fall on the end
    # of shorter months, a bank holiday, a weekend and New Year's Eve.
    channel = to_the_panel(bot, "local_cspr", "2026-07-31")
    click_and_submit(bot, MANAGER, "panel_agrees", "panel_answer", {"answered_on": "2026-07-31"}, channel_id=channel)
    posted = tick_days(bot, date(2026, 8, 1), date(2027, 2, 10))
    recorded = [
        (f"{day:%a %d %b %Y}", text.split("*")[1])
        for day, _, text in posted
        if text.startswith((":calendar: *Local CSPR", ":rotating_light: *Local CSPR"))
    ]
    assert recorded == [
        ("Tue 01 Sep 2026", "Local CSPR 2026-001: 4 months, 4 weeks left"),  # 31 Aug is a bank holiday
        ("Wed 30 Sep 2026", "Local CSPR 2026-001: 4 months left"),  # 31 Jul + 2 months: the end of September
        ("Mon 02 Nov 2026", "Local CSPR 2026-001: 2 months, 4 weeks left"),  # 31 Oct is a Saturday
        ("Mon 30 Nov 2026", "Local CSPR 2026-001: 2 months left"),
        ("Thu 31 Dec 2026", "Local CSPR 2026-001: 1 month left"),  # the last month: weekly from here
        ("Mon 11 Jan 2027", "Local CSPR 2026-001: 2 weeks, 6 days left"),  # 3 weeks before fell on a Sunday
        ("Mon 18 Jan 2027", "Local CSPR 2026-001: 1 week, 6 days left"),
        ("Mon 25 Jan 2027", "Local CSPR 2026-001: 6 days left"),
        ("Mon 01 Feb 2027", "Local CSPR 2026-001 is 1 day overdue"),  # the target was a Sunday: daily from now
        ("Tue 02 Feb 2027", "Local CSPR 2026-001 is 2 days overdue"),
        ("Wed 03 Feb 2027", "Local CSPR 2026-001 is 3 days overdue"),
        ("Thu 04 Feb 2027", "Local CSPR 2026-001 is 4 days overdue"),
        ("Fri 05 Feb 2027", "Local CSPR 2026-001 is 5 days overdue"),
        ("Mon 08 Feb 2027", "Local CSPR 2026-001 is 1 week, 1 day overdue"),
        ("Tue 09 Feb 2027", "Local CSPR 2026-001 is 1 week, 2 days overdue"),
        ("Wed 10 Feb 2027", "Local CSPR 2026-001 is 1 week, 3 days overdue"),
    ]
    # No chase of the Panel (its answer is recorded), and every reminder went to the case channel only.
    assert {where for _, where, text in posted if "Local CSPR 2026-001" in text} == {"#rr-2026-001"}
    assert not [text for _, _, text in posted if "No answer from the Panel" in text]


def test_the_panel_is_chased_weekly_until_its_answer_starts_a_local_review(bot: RunningBot):
    channel = to_the_panel(bot, "possible_national_review", "2026-03-02")
    assert stage_of(bot) == "awaiting_panel"
    chases = [
        f"{day:%a %d %b} {where}"
        for day, where, text in tick_days(bot, date(2026, 3, 3), date(2026, 4, 14))
        if "No answer from the Panel is recorded on 2026-001" in text
    ]
    # 15 working days after Mon 2 Mar, then weekly; Easter Monday moves one to the Tuesday.
    assert chases == ["Mon 23 Mar DM @pprg.chair", "Mon 30 Mar DM @pprg.chair", "Tue 07 Apr DM @pprg.chair", "Mon 13 Apr DM @pprg.chair"]  # fmt: skip

    at(bot, "2026-04-15T10:00")
    click_and_submit(
        bot, MANAGER, "panel_local_cspr", "panel_answer", {"answered_on": "2026-04-14"}, channel_id=channel
    )
    assert stage_of(bot) == "local_review"
    card = bot.text(next(m for m in bot.standin.messages(channel) if m.ts in bot.standin.channels[channel].pins))
    assert "Publication target Wed 14 Oct 2026" in card.replace("*", "") and "at the Panel's request" in card
    later = tick_days(bot, date(2026, 4, 16), date(2026, 5, 20))
    assert not [text for _, _, text in later if "No answer from the Panel" in text]
    # A month after the Panel's request, the first monthly reminder of the review it asked for.
    assert [text.split("*")[1] for _, _, text in later if text.startswith(":calendar:")] == [
        "Local CSPR 2026-001: 5 months left"
    ]
