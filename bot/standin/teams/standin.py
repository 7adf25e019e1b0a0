"""`TeamsStandIn`: Microsoft's side of a Teams bot in-process, for tests and for the offline demo."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable
from pathlib import Path

from ..served import ServedStandIn
from ..to_app import Response, post
from . import graph
from .login import METADATA_PATH
from .people import TeamsUser
from .ratelimit import Limit, Window
from .schemas import ADAPTIVE_CARD_SCHEMA
from .server import TeamsServer
from .state import CHANNEL, GROUP_CHAT, Activity, Call, Conversation, Dialog, Team, Tenant
from .tokens import BOT_RESOURCE, GRAPH_RESOURCE, Forgery, Issuer


class TeamsStandIn(ServedStandIn):
    """Serves the token issuer, the Bot Connector and Graph on 127.0.0.1 and plays the people.

    The bot validates Teams' tokens with `openid_metadata_url` and `token_issuer`, gets its own
    tokens from `token_url`, and calls `service_url` and `graph_url`; people's messages, presses
    and dialog submissions arrive at `bot_url` signed by the issuer, exactly as from Teams.
    Limits are (requests, per seconds): Teams allows about 7 messages a second per conversation
    and 50 requests a second per app in a tenant. Faults are injected by operation name, as in
    `calls`: "send_activity", "update_activity", "create_conversation", "create_chat",
    "install_app", "list_chat_messages", "token", ...
    """

    thread_name = "teams-standin"

    def __init__(
        self,
        app_id: str = "00000000-0000-4000-8000-00000000b075",
        client_secret: str = "standin-client-secret",
        tenant_id: str = "00000000-0000-4000-8000-0000000c5b12",
        *,
        bot_name: str = "cspr-bot",
        token_issuer: str = "https://api.botframework.com",
        catalog_app_id: str | None = None,
        card_schema: Path | None = ADAPTIVE_CARD_SCHEMA,
        conversation_limit: tuple[int, float] = (7, 1.0),
        app_limit: tuple[int, float] = (50, 1.0),
        graph_roles: Iterable[str] = graph.ALL_ROLES,
        port: int = 0,
    ):
        self.tenant = Tenant(
            tenant_id=tenant_id,
            app_id=app_id,
            bot_name=bot_name,
            catalog_app_id=catalog_app_id or str(uuid.uuid4()),
            card_schema=card_schema,
        )
        self.issuer = Issuer(
            app_id=app_id,
            client_secret=client_secret,
            tenant_id=tenant_id,
            token_issuer=token_issuer,
            graph_roles=set(graph_roles),
        )
        self.bot_url: str | None = None
        self._limits = (Window(Limit(*conversation_limit)), Window(Limit(*app_limit)))
        self._forgeries: list[Forgery] = []
        super().__init__(self.tenant.cond, port)

    def new_server(self) -> TeamsServer:
        return TeamsServer(self.tenant, self.issuer, self._faults, self._limits, self.port)

    # where Microsoft answers

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("start() the stand-in first")
        return self._server.base_url

    @property
    def openid_metadata_url(self) -> str:
        return f"{self.base_url}botframework{METADATA_PATH}"

    @property
    def token_issuer(self) -> str:
        return self.issuer.token_issuer

    @property
    def login_url(self) -> str:
        """Where `/{tenant}/oauth2/v2.0/token` is: the cloud's login endpoint."""
        return f"{self.base_url}login"

    def token_url(self, tenant: str | None = None) -> str:
        """The token endpoint for the tenant (the bot's own by default; `botframework.com` for a multi-tenant bot)."""
        return f"{self.login_url}/{tenant or self.tenant.tenant_id}/oauth2/v2.0/token"

    @property
    def service_url(self) -> str:
        return f"{self.base_url}teams/"

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}graph/v1.0"

    @property
    def app_id(self) -> str:
        return self.tenant.app_id

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    def bot_environment(self) -> dict[str, str]:
        """The settings of a bot that talks to this stand-in instead of Microsoft."""
        return {
            "TEAMS_APP_ID": self.app_id,
            "TEAMS_APP_PASSWORD": self.issuer.client_secret,
            "TEAMS_CATALOG_APP_ID": self.tenant.catalog_app_id,
            "TEAMS_OPENID_METADATA_URL": self.openid_metadata_url,
            "TEAMS_TOKEN_ISSUER": self.token_issuer,
            "TEAMS_LOGIN_URL": self.login_url,
            "GRAPH_API_URL": self.graph_url,
            "TEAMS_SERVICE_URL": self.service_url,
        }

    # tokens

    def bot_token(self) -> str:
        """An access token for the Bot Connector, as the token endpoint gives the bot."""
        return self.issuer.access_token(BOT_RESOURCE)

    def graph_token(self) -> str:
        """An access token for Graph, with the roles currently consented to."""
        return self.issuer.access_token(GRAPH_RESOURCE)

    def inbound_token(self, forgery: Forgery | None = None) -> str | None:
        """A token as Teams signs its requests to the bot, or a forged one."""
        return self.issuer.inbound_token(self.service_url, forgery)

    def forge_next(self, forgery: Forgery, *, times: int = 1) -> None:
        """Sign the next `times` requests to the bot with a forged token (or none, for "missing")."""
        with self.tenant.cond:
            self._forgeries += [forgery] * times

    @property
    def graph_roles(self) -> set[str]:
        """The Graph application permissions consented to; change it to revoke or grant one."""
        return self.issuer.graph_roles

    # the tenant

    def add_user(
        self,
        object_id: str,
        name: str,
        *,
        email: str | None = None,
        is_guest: bool = False,
        has_app: bool = True,
    ) -> TeamsUser:
        """A person, by Entra object id; `has_app=False` when the app is not installed for them."""
        self.tenant.add_user(object_id, name, email=email, is_guest=is_guest, has_app=has_app)
        return TeamsUser(self, object_id)

    def user(self, object_id: str) -> TeamsUser:
        return TeamsUser(self, object_id)

    def add_team(
        self,
        group_id: str,
        name: str,
        members: Iterable[str],
        *,
        owners: Iterable[str] = (),
        app_installed: bool = True,
    ) -> Team:
        """A team with its General channel; `app_installed` puts the bot in its channels."""
        tenant = self.tenant
        with tenant.cond:
            members, owners = set(members), set(owners)
            unknown = sorted((members | owners) - set(tenant.users))
            if unknown:
                raise ValueError(f"unknown users {unknown}: add_user them first")
            general = tenant.thread_id("tacv2")
            team = tenant.teams[group_id] = Team(group_id, name, members | owners, app_installed, general, owners)
            roles = {oid: ["owner"] if oid in owners else [] for oid in team.members}
            tenant.new_conversation(CHANNEL, general, roles, topic="General", team_id=group_id)
            return team

    def add_channel(
        self,
        team_id: str,
        name: str,
        *,
        membership_type: str = "standard",
        members: Iterable[str] | None = None,
    ) -> Conversation:
        """A channel people made in a team: a private one has `members`, a standard one the team's."""
        tenant = self.tenant
        with tenant.cond:
            team = tenant.teams[team_id]
            chosen = set(team.members if members is None else members)
            if not chosen <= team.members:
                raise ValueError(f"{sorted(chosen - team.members)} are not members of the team")
            roles = {oid: ["owner"] if oid in team.owners else [] for oid in chosen}
            return tenant.new_conversation(
                CHANNEL, tenant.thread_id("tacv2"), roles, topic=name, team_id=team_id, membership_type=membership_type
            )

    def add_group_chat(self, topic: str, members: Iterable[str], *, app_installed: bool = False) -> Conversation:
        """A group chat people made themselves."""
        tenant = self.tenant
        with tenant.cond:
            members = list(members)
            unknown = sorted(set(members) - set(tenant.users))
            if unknown:
                raise ValueError(f"unknown users {unknown}: add_user them first")
            chat = tenant.new_conversation(
                GROUP_CHAT, tenant.thread_id("v2"), {oid: ["owner"] for oid in members}, topic=topic
            )
            if app_installed:
                chat.bot_member = True
                chat.installed_apps.append(tenant.catalog_app_id)
            return chat

    def block_chat_creation(self, blocked: bool = True) -> None:
        """The tenant's policy refuses (or, with False, allows again) the app creating group chats."""
        with self.tenant.cond:
            self.tenant.chat_creation_allowed = not blocked

    # views of the state

    @property
    def conversations(self) -> dict[str, Conversation]:
        with self.tenant.cond:
            return dict(self.tenant.conversations)

    def conversation(self, conversation_id: str) -> Conversation | None:
        with self.tenant.cond:
            return self.tenant.conversation(conversation_id)

    def activities(self, conversation_id: str) -> list[Activity]:
        """Every message in the conversation, oldest first (deleted ones too, marked)."""
        with self.tenant.cond:
            conversation = self.tenant.conversation(conversation_id)
            return list(conversation.activities) if conversation else []

    def personal_chat(self, object_id: str) -> Conversation | None:
        with self.tenant.cond:
            return self.tenant.personal_chat(object_id)

    def dms(self, object_id: str) -> list[Activity]:
        chat = self.personal_chat(object_id)
        return self.activities(chat.id) if chat else []

    @property
    def group_chats(self) -> list[Conversation]:
        with self.tenant.cond:
            return [c for c in self.tenant.conversations.values() if c.kind == GROUP_CHAT]

    def chat_by_topic(self, topic: str) -> Conversation | None:
        return next((c for c in self.group_chats if c.topic == topic), None)

    @property
    def dialogs(self) -> dict[str, Dialog]:
        with self.tenant.cond:
            return dict(self.tenant.dialogs)

    @property
    def calls(self) -> list[Call]:
        with self.tenant.cond:
            return list(self.tenant.calls)

    @property
    def log(self) -> list[dict]:
        with self.tenant.cond:
            return list(self.tenant.log)

    def transcript(self) -> list[dict]:
        with self.tenant.cond:
            return copy.deepcopy(self.tenant.log)

    def recent_calls(self) -> list[str]:
        return [f"  {c.method} {c.path} -> http {c.http_status} {c.error or ''}" for c in self.tenant.calls[-10:]]

    # to the bot

    def post_to_bot(self, body: bytes) -> Response:
        """POST an activity to `bot_url` as Teams does, with a token from the issuer (or the next forgery)."""
        if not self.bot_url:
            raise RuntimeError("set standin.bot_url to where the bot receives Teams' activities (…/api/messages)")
        with self.tenant.cond:
            forgery = self._forgeries.pop(0) if self._forgeries else None
        token = self.inbound_token(forgery)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return post(self.bot_url, body, headers)
