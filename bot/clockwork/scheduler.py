"""APScheduler wakes the tick every minute, runs the digest at its time and retention nightly. It holds nothing
that matters: every job recomputes what is due from the database, so a restart loses nothing and
several instances (each with its own in-memory scheduler) never send anything twice."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import DBAPIError

from bot.clock import Clock
from bot.clockwork.tick import Clockwork, TickReport

log = logging.getLogger(__name__)


def start_scheduler(clockwork: Clockwork, clock: Clock) -> BackgroundScheduler:
    partnership = clockwork.services.partnership
    scheduler = BackgroundScheduler(
        timezone=partnership.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    scheduler.add_job(_guarded("tick", clockwork.tick, clock), IntervalTrigger(minutes=1), id="tick")
    digest_at = partnership.digest_at
    scheduler.add_job(
        _guarded("digest", clockwork.digest, clock),
        CronTrigger(day_of_week="mon-fri", hour=digest_at.hour, minute=digest_at.minute, timezone=partnership.timezone),
        id="digest",
    )
    retention_at = partnership.retention.at
    scheduler.add_job(
        _retention(clockwork, clock),
        CronTrigger(hour=retention_at.hour, minute=retention_at.minute, timezone=partnership.timezone),
        id="retention",
    )
    scheduler.start()
    return scheduler


def _retention(clockwork: Clockwork, clock: Clock) -> Callable[[], None]:
    def run() -> None:
        try:
            changed = clockwork.retention(clock.now())
            if changed:
                log.info(
                    "retention removed identifiable text from %d closed cases: %s", len(changed), ", ".join(changed)
                )
        except Exception:
            log.exception("retention failed; it runs again tomorrow")

    return run


def _guarded(name: str, job: Callable, clock: Clock) -> Callable[[], None]:
    def run() -> None:
        try:
            report: TickReport = job(clock.now())
            if report.claimed or report.delivered:
                log.info("%s: %d claimed, %d delivered", name, report.claimed, report.delivered)
        except DBAPIError as exc:
            # The next run starts again from the database; nothing is lost by skipping this one.
            log.warning("%s skipped: the database is not answering (%s)", name, type(exc.orig).__name__)
        except Exception:
            log.exception("%s failed", name)

    return run
