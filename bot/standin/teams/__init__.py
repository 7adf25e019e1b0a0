"""An in-process stand-in for Microsoft Teams: the token issuer, the Bot Connector and Graph the
bot calls, and the people who use the bot through the Teams client.

with TeamsStandIn() as teams:
    alice = teams.add_user("6c0f…-…", "alice")
    # the bot: TokenValidator with openid_metadata_url / token_issuer, tokens from token_url(),
    # replies to service_url, chats through graph_url
    teams.bot_url = "http://127.0.0.1:3978/api/messages"
    alice.say("help")
    teams.wait_for(lambda t: t.dms(alice.object_id)[1:], message="the bot's answer")

Needs the `teams` extra (PyJWT, cryptography); `bot.standin` does not import it.
"""

from .card_text import flatten
from .people import TeamsUser
from .schemas import ADAPTIVE_CARD_SCHEMA, MANIFEST_SCHEMA, SchemaError, check_card, check_manifest
from .standin import TeamsStandIn
from .state import Activity, Call, Conversation, Dialog, Team
from .tokens import FORGERIES, Forgery

__all__ = [
    "TeamsStandIn",
    "TeamsUser",
    "flatten",
    "check_card",
    "check_manifest",
    "SchemaError",
    "ADAPTIVE_CARD_SCHEMA",
    "MANIFEST_SCHEMA",
    "FORGERIES",
    "Forgery",
    "Activity",
    "Call",
    "Conversation",
    "Dialog",
    "Team",
]
