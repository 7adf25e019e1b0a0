"""The long-lived parts a running bot is made of, handed to every listener and the clockwork."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.activity import Activity
from bot.clock import Clock
from bot.delivery.outbox import Delivery
from bot.delivery.worker import DeliveryWorker
from bot.desk import Desk
from bot.partnership import Partnership
from bot.platforms.slack.messenger import SlackMessenger
from bot.working_days import WorkingCalendar
from storage.db import Database


@dataclass
class Services:
    partnership: Partnership
    calendar: WorkingCalendar
    database: Database
    clock: Clock
    client: WebClient
    desk: Desk
    delivery: Delivery
    worker: DeliveryWorker
    activity: Activity

    @classmethod
    def assemble(cls, partnership: Partnership, database: Database, clock: Clock, client: WebClient) -> Services:
        calendar = WorkingCalendar(partnership.closure_days)
        bot_user: list[str] = []

        def bot_user_id() -> str:
            if not bot_user:
                bot_user.append(client.auth_test()["user_id"])
            return bot_user[0]

        delivery = Delivery(database, SlackMessenger(client, bot_user_id), partnership, calendar)
        worker = DeliveryWorker(delivery, clock)
        desk = Desk(database, partnership, calendar, on_commit=worker.wake)
        return cls(partnership, calendar, database, clock, client, desk, delivery, worker, Activity())

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Every request handled and everything it queued attempted."""
        return self.activity.wait_idle(timeout) and self.worker.wait_idle(timeout)
