"""An in-process stand-in for Slack: the Web API the bot calls and the people who use the bot.

with SlackStandIn() as slack:
    slack.add_user("U1", "alice")
    slack.add_channel("C1", "partnership", members=["U1", "U0BOT"])
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    slack.app_url = "http://127.0.0.1:3000/slack/events"
    slack.user("U1").command("/cspr", "refer", channel_id="C1")
    slack.wait_for(lambda s: s.messages("C1"), message="the bot's answer")
"""

from .blocks_text import flatten
from .people import Response, SlackUser
from .standin import SlackStandIn
from .state import Call, Channel, Ephemeral, Message, ResponsePost, View

__all__ = [
    "SlackStandIn",
    "SlackUser",
    "Response",
    "flatten",
    "Call",
    "Channel",
    "Ephemeral",
    "Message",
    "ResponsePost",
    "View",
]
