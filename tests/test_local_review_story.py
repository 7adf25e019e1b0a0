"""From the decision to published learning, through the bot's real HTTP endpoint with people acting
in Slack: sent to the Panel → the Panel's answer → a local CSPR's milestones → early publication
refused → publication → the learning library finds it → the case closed and its channel archived,
with nothing more said about it afterwards."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.clockwork.tick import Clockwork
from bot.learning import files
from bot.usecases import library
from storage.models import Card, LibraryEntry, Milestone
from tests.conftest import GENERAL, LEARNING, RunningBot
from tests.journey import (
    CHAIR,
    MANAGER,
    actions_audited,
    at,
    click_and_submit,
    command,
    plain,
    posted_since,
    stage_of,
    submit,
    to_the_panel,
    told,
)
from tests.test_rapid_review_story import PPRG

SAMPLE_FILE = Path(__file__).parents[1] / "bot" / "demo" / "published-reviews.csv"
SAMPLE = files.read(SAMPLE_FILE.read_text(encoding="utf-8"), "csv", date(2026, 1, 1))
LINKS = {
    "full_report": "https://example.org/lcspr-child-p/report.pdf",
    "seven_minute_briefing": "https://example.org/lcspr-child-p/7-minute-briefing.pdf",
}


def count(bot: RunningBot, model) -> int:
    with bot.services.database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def card(bot: RunningBot, channel: str) -> str:
    """The pinned case card, as people read it."""
    pinned = [m for m in bot.standin.messages(channel) if m.ts in bot.standin.channels[channel].pins]
    assert len(pinned) == 1
    return plain(bot.text(pinned[0]))


def test_from_the_decision_to_a_published_searchable_review_and_an_archived_channel(bot: RunningBot):
    bot.services.desk.run(bot.clock.now(), library.load, "cli:admin", reviews=SAMPLE, source="published-reviews.csv")
    channel = to_the_panel(bot, "local_cspr", "2026-01-05")
    assert stage_of(bot) == "local_review"

    # The pinned card switches to the local review: target 6 calendar months from the decision.
    shown = card(bot, channel)
    assert "Local CSPR 2026-001" in shown and "Publication target Sun 5 Jul 2026" in shown
    assert "Awaiting the Panel's response" in shown and "[Record]" in shown
    started = [m for m in bot.standin.messages(channel) if "now tracks its milestones" in bot.text(m)]
    assert len(started) == 1 and "published by Sun 5 Jul 2026" in plain(bot.text(started[0]))

    # The Panel's answer: not for an agency lead; the business manager records it with its date.
    at(bot, "2026-01-19T10:00")
    bot.user("police.lead").click("panel_agrees", channel_id=channel)
    bot.settle()
    assert "Only the PPRG chair or business manager can record the Panel's answer" in told(bot, "U01POLICE")
    click_and_submit(bot, MANAGER, "panel_agrees", "panel_answer", {"answered_on": "2026-01-16"}, channel_id=channel)
    assert "The Panel's answer (Fri 16 Jan 2026): Agrees with the decision" in card(bot, channel)
    assert [m for m in bot.standin.messages(PPRG) if "The Panel has answered on 2026-001" in bot.text(m)]
    assert stage_of(bot) == "local_review"

    # Milestones, by command and by button; bad input changes nothing.
    at(bot, "2026-01-26T10:00")
    assert "Recorded for 2026-001: Reviewer appointed, Mon 26 Jan 2026." in command(
        bot, CHAIR, "milestone reviewer", channel
    )
    assert "not a date" in command(bot, CHAIR, "milestone terms 26/01/2026", channel)
    assert "The date cannot be in the future." in command(bot, CHAIR, "milestone terms 2026-02-01", channel)
    assert "before the decision to hold the review (Mon 5 Jan 2026)" in command(
        bot, CHAIR, "milestone terms 2026-01-02", channel
    )
    usage = command(bot, CHAIR, "milestone frobnicate", channel)
    assert "Usage: /cspr milestone" in usage and "`agency-reports`" in usage
    assert "Only the PPRG chair or business manager" in command(bot, "police.lead", "milestone terms", channel)
    assert count(bot, Milestone) == 1
    click_and_submit(
        bot, MANAGER, "milestone", "milestone", {"on": "2026-01-23"}, channel_id=channel, value="2026-001|terms"
    )
    for key, on in (("agency-reports", "2026-01-26"), ("practitioners", "2026-01-26"), ("family", "2026-01-26")):
        command(bot, CHAIR, f"milestone {key} {on}", channel)
    listing = command(bot, "csc.lead", "milestone", channel)
    assert (
        "`terms` Terms of reference agreed: Fri 23 Jan 2026" in listing and "`draft` Draft report received" in listing
    )
    assert "Terms of reference agreed: Fri 23 Jan 2026" in card(bot, channel)

    # Not yet: publishing before the partners approve the report, closing before publication.
    assert "must be approved by the safeguarding partners first" in command(bot, CHAIR, "milestone published", channel)
    assert "A local CSPR is closed once it is published" in command(bot, CHAIR, "close", channel)
    at(bot, "2026-05-11T10:00")
    for key, on in (("draft", "2026-04-20"), ("approved", "2026-05-04"), ("sent", "2026-05-05")):
        command(bot, CHAIR, f"milestone {key} {on}", channel)
    assert "Published: from Thu 14 May 2026" in card(bot, channel)

    # The publication form: every bad link named on its field; too early is refused, naming the date.
    bot.user(CHAIR).command("/cspr", "publish", channel_id=channel)
    bad = submit(
        bot,
        CHAIR,
        "publish",
        {
            "title": "LCSPR Child P",
            "published_on": "2026-05-11",
            "full_report": "http://example.org/report.pdf",
            "executive_summary": "https://user:secret@example.org/summary",
            "slides": "https://<!channel>",
            "video": "https://example",
        },
        expect_errors=True,
    )["errors"]
    assert set(bad) == {"full_report", "executive_summary", "slides", "video"}
    assert "https://" in bad["full_report"] and "passwords" in bad["executive_summary"]
    early = submit(
        bot, CHAIR, "publish", {"title": "LCSPR Child P", "published_on": "2026-05-11", "slides": "", "video": "", "executive_summary": "", **LINKS},
        expect_errors=True,
    )["errors"]  # fmt: skip
    assert early == {
        "published_on": "The Panel and the Secretary of State must have the final report 7 working days before "
        "publication: the earliest publication date is Thu 14 May 2026."
    }
    assert count(bot, LibraryEntry) == len(SAMPLE)
    assert bot.user(CHAIR).last_view("publish").errors  # the form stays open with its errors

    # The day comes: the chair is told once, then publishes.
    clockwork = Clockwork(bot.services)
    seen = len(bot.standin.log)
    for moment in ("2026-05-14T09:05", "2026-05-14T09:35"):
        clockwork.tick(at(bot, moment))
    bot.settle()
    publishable = [e for e in posted_since(bot, seen) if "may now be published" in e["text"]]
    assert [e["channel"] for e in publishable] == ["DM @pprg.chair"]
    assert "from Thu 14 May 2026" in publishable[0]["text"]
    chair = bot.user(CHAIR)
    form = chair.last_view("publish")
    values = {
        "title": "LCSPR Child P <!channel>",
        "published_on": "2026-05-14",
        "themes": "Neglected babies, working with fathers, neglected babies",
        "executive_summary": "",
        "slides": "",
        "video": "",
        **LINKS,
    }
    assert chair.submit(form.id, values).json is None
    bot.settle()
    assert chair.resend_last().status == 200  # the same submission again: still one entry, one card each
    bot.settle()
    with bot.services.database.transaction() as session:
        entry = session.scalars(select(LibraryEntry).where(LibraryEntry.case_id.is_not(None))).one()
        assert (entry.title, entry.review_type, entry.published) == ("LCSPR Child P <!channel>", "LCSPR", "2026-05-14")
        assert entry.themes == ["Neglected babies", "working with fathers"] and entry.links == LINKS
        assert session.scalar(select(func.count()).select_from(Card).where(Card.kind.like("publication:%"))) == 3
    for where in (channel, PPRG, LEARNING):
        posted = [m for m in bot.standin.messages(where) if "Published learning" in bot.text(m)]
        assert len(posted) == 1, where
        assert "LCSPR Child P &lt;!channel&gt;" in posted[0].blocks[1]["text"]["text"]
        assert "<https://example.org/lcspr-child-p/report.pdf|Full report>" in posted[0].blocks[2]["text"]["text"]
    assert "Published Thu 14 May 2026" in card(bot, channel)

    # The learning library answers anyone in the workspace: by a stem, by a theme word, newest first.
    found = command(bot, "someone.else", "library neglect", GENERAL)
    assert found.index("LCSPR Child P") < found.index("CSPR Bella and Ben")
    assert "Full report" in found
    assert "LCSPR Child P" in command(bot, "someone.else", "library FATHER", GENERAL)
    assert "SCR Child L" in command(bot, "someone.else", "library fathers", GENERAL)
    assert "Nothing in the learning library matches" in command(bot, "someone.else", "library zebra", GENERAL)

    # Closing: the chair only; a closing summary, then the channel archived and every reminder stopped.
    assert "Only the PPRG chair can close a case" in command(bot, MANAGER, "close", channel)
    at(bot, "2026-05-18T10:00")
    bot.user(CHAIR).command("/cspr", "close", channel_id=channel)
    assert submit(bot, CHAIR, "close_case", {"note": "   "}, expect_errors=True)["errors"].keys() == {"note"}
    submit(bot, CHAIR, "close_case", {"note": "Records in the partnership's secure store, folder LCSPR-P."})
    clockwork.tick(at(bot, "2026-05-18T10:05"))
    bot.settle()
    assert bot.standin.channels[channel].is_archived
    summaries = [m for m in bot.standin.messages(channel) if "Case 2026-001 closed" in bot.text(m)]
    assert len(summaries) == 1 and "LCSPR-P" in bot.text(summaries[0])
    pprg_summary = [m for m in bot.standin.messages(PPRG) if "Case 2026-001 closed" in bot.text(m)]
    assert len(pprg_summary) == 1 and "LCSPR-P" not in bot.text(pprg_summary[0])  # the note stays in the case
    assert "Closed" in card(bot, channel) and "[Record]" not in card(bot, channel)
    assert stage_of(bot) == "closed"
    archive_calls = [c for c in bot.standin.calls if c.method == "conversations.archive"]
    assert len(archive_calls) == 1
    # The summary and the card's last edit came before the archive.
    order = [c.method for c in bot.standin.calls if c.params.get("channel") == channel]
    assert order[-1] == "conversations.archive" and "chat.postMessage" in order[-4:]

    # Weeks pass: nothing more is said about the case anywhere, and the library keeps it.
    seen = len(bot.standin.log)
    moment = at(bot, "2026-05-19T08:00")
    while moment.date() < date(2026, 8, 1):
        for hour in ("08:35", "09:05"):
            clockwork.tick(at(bot, f"{moment.date().isoformat()}T{hour}"))
        moment += timedelta(days=1)
    bot.settle()
    about_the_case = [e for e in posted_since(bot, seen) if "2026-001" in e["text"]]
    assert about_the_case == []
    assert "LCSPR Child P" in command(bot, "someone.else", "library neglect", GENERAL)
    for action in ("panel_answered", "local_review_started", "milestone_recorded", "published", "closed"):
        assert action in actions_audited(bot), action
