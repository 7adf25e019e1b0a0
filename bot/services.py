"""The long-lived parts a running bot is made of, handed to every listener and the clockwork."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.activity import Activity
from bot.clock import Clock
from bot.delivery.outbox import Delivery
from bot.delivery.slack_api import without_waiting
from bot.delivery.worker import DeliveryWorker
from bot.desk import Desk
from bot.partnership import Partnership
from bot.platforms.port import Messenger
from bot.platforms.slack.messenger import SlackMessenger
from bot.working_days import WorkingCalendar
from storage.db import Database

if TYPE_CHECKING:  # the Teams half needs the `teams` extra
    from bot.platforms.teams.microsoft import Microsoft


@dataclass
class Services:
    partnership: Partnership
    calendar: WorkingCalendar
    database: Database
    clock: Clock
    client: WebClient | None  # Slack's Web API client, for a partnership on Slack
    desk: Desk
    delivery: Delivery
    worker: DeliveryWorker
    activity: Activity

    @classmethod
    def assemble(cls, partnership: Partnership, database: Database, clock: Clock, client: WebClient) -> Services:
        """On Slack, through its Web API."""
        bot_user: list[str] = []

        def bot_user_id() -> str:
            if not bot_user:
                bot_user.append(client.auth_test()["user_id"])
            return bot_user[0]

        return cls._around(partnership, database, clock, SlackMessenger(without_waiting(client), bot_user_id), client)

    @classmethod
    def on_teams(cls, partnership: Partnership, database: Database, clock: Clock, microsoft: Microsoft) -> Services:
        """On Teams, through the Bot Connector and Graph."""
        from bot.platforms.teams.messenger import TeamsMessenger

        return cls._around(partnership, database, clock, TeamsMessenger(microsoft, database, partnership), None)

    @classmethod
    def _around(
        cls, partnership: Partnership, database: Database, clock: Clock, messenger: Messenger, client: WebClient | None
    ) -> Services:
        calendar = WorkingCalendar(partnership.closure_days)
        delivery = Delivery(database, messenger, partnership, calendar)
        worker = DeliveryWorker(delivery, clock)
        desk = Desk(database, partnership, calendar, on_commit=worker.wake)
        return cls(partnership, calendar, database, clock, client, desk, delivery, worker, Activity())

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Every request handled and everything it queued attempted."""
        return self.activity.wait_idle(timeout) and self.worker.wait_idle(timeout)
