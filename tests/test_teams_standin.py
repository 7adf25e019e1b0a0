"""The Teams stand-in behaves like Microsoft, seen through the real Teams SDK: its API client
calling the Bot Connector, its token validator checking the issuer's tokens, and its App on the
FastAPI adapter receiving what the people do."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest

pytest.importorskip("microsoft_teams.apps")

import jwt  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from microsoft_teams.api import (  # noqa: E402
    Account,
    AdaptiveCardInvokeActivity,
    ApiClient,
    MessageActivity,
    MessageActivityInput,
    TaskFetchInvokeActivity,
    TaskSubmitInvokeActivity,
)
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides  # noqa: E402
from microsoft_teams.api.clients.conversation import CreateConversationParams  # noqa: E402
from microsoft_teams.apps import ActivityContext, App  # noqa: E402
from microsoft_teams.apps.auth import TokenValidator  # noqa: E402
from microsoft_teams.apps.http import FastAPIAdapter  # noqa: E402
from microsoft_teams.common import ClientOptions  # noqa: E402

from bot.standin.teams import (  # noqa: E402
    ADAPTIVE_CARD_SCHEMA,
    FORGERIES,
    MANIFEST_SCHEMA,
    SchemaError,
    TeamsStandIn,
    check_card,
    check_manifest,
    flatten,
)

# The SDK warns about its own deprecated bot client whenever an ApiClient is made.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:microsoft_teams")
ALICE, BOB, CAROL, DAVE = (str(uuid.UUID(int=n, version=4)) for n in (1, 2, 3, 4))
TEAM = str(uuid.UUID(int=99, version=4))
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def card(*body: dict, actions: list[dict] | None = None) -> dict:
    content: dict = {"type": "AdaptiveCard", "version": "1.5", "body": list(body)}
    if actions:
        content["actions"] = actions
    return content


def text(value: str) -> dict:
    return {"type": "TextBlock", "text": value, "wrap": True}


CASE_CARD = card(
    text("Case **RR-2026-001**"),
    {"type": "FactSet", "facts": [{"title": "Stage", "value": "Triage"}]},
    actions=[
        {"type": "Action.Execute", "title": "Sign off", "verb": "sign_off", "data": {"case": "RR-2026-001"}},
        {"type": "Action.Submit", "title": "Refer", "data": {"msteams": {"type": "task/fetch"}, "form": "referral"}},
    ],
)
REFERRAL_FORM = card(
    text("Refer a case"),
    {"type": "Input.Text", "id": "summary", "label": "What happened", "isRequired": True, "maxLength": 200},
    {"type": "Input.Date", "id": "when", "label": "When"},
    {
        "type": "Input.ChoiceSet",
        "id": "agency",
        "label": "Agency",
        "choices": [{"title": "Police", "value": "police"}, {"title": "Health", "value": "health"}],
        "value": "police",
    },
    actions=[{"type": "Action.Submit", "title": "Send", "data": {"form": "referral"}}],
)


def attachment(content: dict) -> dict:
    return {"contentType": ADAPTIVE, "content": content}


@pytest.fixture
def teams() -> Iterator[TeamsStandIn]:
    with TeamsStandIn() as standin:
        for object_id, name in ((ALICE, "alice"), (BOB, "bob"), (CAROL, "carol"), (DAVE, "dave")):
            standin.add_user(object_id, name)
        yield standin


def token_for(
    teams: TeamsStandIn, scope: str, changes: dict[str, str] | None = None, *, tenant: str | None = None
) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": teams.app_id,
        "client_secret": teams.issuer.client_secret,
        "scope": scope,
        **(changes or {}),
    }
    return httpx.post(teams.token_url(tenant), data=form)


BOT_SCOPE = "https://api.botframework.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def connector(teams: TeamsStandIn) -> httpx.Client:
    return httpx.Client(base_url=teams.service_url, headers={"Authorization": f"Bearer {teams.bot_token()}"})


def graph(teams: TeamsStandIn) -> httpx.Client:
    return httpx.Client(base_url=teams.graph_url + "/", headers={"Authorization": f"Bearer {teams.graph_token()}"})


def member(object_id: str) -> dict:
    return {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": ["owner"],
        "user@odata.bind": f"https://graph.microsoft.com/v1.0/users('{object_id}')",
    }


def make_chat(teams: TeamsStandIn, topic: str = "RR-2026-001", people: tuple[str, ...] = (ALICE, BOB, CAROL)) -> str:
    with graph(teams) as client:
        made = client.post("chats", json={"chatType": "group", "topic": topic, "members": [member(p) for p in people]})
        assert made.status_code == 201, made.text
        chat_id = made.json()["id"]
        bind = {
            "teamsApp@odata.bind": f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{teams.tenant.catalog_app_id}"
        }
        assert client.post(f"chats/{chat_id}/installedApps", json=bind).status_code == 201
    return chat_id


def send(teams: TeamsStandIn, conversation_id: str, activity: dict) -> httpx.Response:
    with connector(teams) as client:
        return client.post(f"v3/conversations/{conversation_id}/activities", json=activity)


def dm(teams: TeamsStandIn, object_id: str) -> str:
    with connector(teams) as client:
        made = client.post("v3/conversations", json={"members": [{"id": object_id}], "tenantId": teams.tenant_id})
        return made.json()["id"]


# the bot: the SDK's App on its FastAPI adapter


class EchoBot:
    """A bot made of the SDK's own pieces: it validates the stand-in's tokens with the SDK's
    validator, gets its tokens from the stand-in's token endpoint and answers through the SDK."""

    def __init__(self, teams: TeamsStandIn):
        cloud = with_overrides(
            PUBLIC,
            openid_metadata_url=teams.openid_metadata_url,
            token_issuer=teams.token_issuer,
            login_endpoint=teams.login_url,
        )
        fastapi = FastAPI()
        self.bodies: list[bytes] = []

        @fastapi.middleware("http")
        async def keep_body(request: Request, call_next):
            self.bodies.append(await request.body())
            return await call_next(request)

        def provider(scope: str | list[str], tenant_id: str | None = None) -> str:
            answer = token_for(teams, scope if isinstance(scope, str) else scope[0], tenant=tenant_id)
            answer.raise_for_status()
            return answer.json()["access_token"]

        self.app = App(client_id=teams.app_id, token=provider, cloud=cloud, http_server_adapter=FastAPIAdapter(fastapi))
        self._handlers()
        asyncio.run(self.app.initialize())
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/api/messages"
        self._server = uvicorn.Server(uvicorn.Config(fastapi, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def _handlers(self) -> None:
        app = self.app

        @app.on_message
        async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
            if "card" in (ctx.activity.text or ""):
                await ctx.send(MessageActivityInput(attachments=[attachment(CASE_CARD)]))
            else:
                await ctx.send(f"echo: {ctx.activity.strip_mentions_text().text}")

        @app.on_card_action
        async def on_card_action(ctx: ActivityContext[AdaptiveCardInvokeActivity]):
            who = ctx.activity.from_.name
            done = card(text(f"Signed off by {who} ({ctx.activity.value.action.data['case']})"))
            return {"statusCode": 200, "type": ADAPTIVE, "value": done}

        @app.on_dialog_open
        async def on_dialog_open(ctx: ActivityContext[TaskFetchInvokeActivity]):
            return {"task": {"type": "continue", "value": {"title": "Referral", "card": attachment(REFERRAL_FORM)}}}

        @app.on_dialog_submit
        async def on_dialog_submit(ctx: ActivityContext[TaskSubmitInvokeActivity]):
            data = ctx.activity.value.data
            if data.get("when", "") > "2026-12-31":
                shown = json.loads(json.dumps(REFERRAL_FORM))
                shown["body"].insert(0, text("When cannot be in the future"))
                return {"task": {"type": "continue", "value": {"title": "Referral", "card": attachment(shown)}}}
            return {"task": {"type": "message", "value": f"Referred: {data['summary']}"}}

    def __enter__(self) -> EchoBot:
        self._thread.start()
        while not self._server.started:  # not a timing assertion: the server says when it listens
            if not self._thread.is_alive():
                raise RuntimeError("the bot's server did not start")
            self._thread.join(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join()


@pytest.fixture
def bot(teams: TeamsStandIn) -> Iterator[EchoBot]:
    with EchoBot(teams) as running:
        teams.bot_url = running.url
        yield running


# the token issuer


def test_the_sdk_validator_accepts_the_issuers_tokens_and_the_sdk_reads_its_metadata(teams: TeamsStandIn) -> None:
    cloud = with_overrides(PUBLIC, openid_metadata_url=teams.openid_metadata_url, token_issuer=teams.token_issuer)
    validator = TokenValidator.for_service(teams.app_id, teams.service_url, cloud=cloud)
    claims = asyncio.run(validator.validate_token(teams.inbound_token()))
    assert claims["aud"] == teams.app_id and claims["serviceurl"] == teams.service_url
    metadata = httpx.get(teams.openid_metadata_url).json()
    assert metadata["issuer"] == teams.token_issuer and metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = httpx.get(metadata["jwks_uri"]).json()["keys"]
    assert [k["endorsements"] for k in keys] == [["msteams"]]


@pytest.mark.parametrize("forgery", [f for f in FORGERIES if f != "missing"])
def test_the_sdk_validator_rejects_every_forged_token(teams: TeamsStandIn, forgery: str) -> None:
    cloud = with_overrides(PUBLIC, openid_metadata_url=teams.openid_metadata_url, token_issuer=teams.token_issuer)
    validator = TokenValidator.for_service(teams.app_id, teams.service_url, cloud=cloud)
    with pytest.raises(jwt.PyJWTError):
        asyncio.run(validator.validate_token(teams.inbound_token(forgery)))


def test_the_token_issuer_is_a_setting(teams: TeamsStandIn) -> None:
    with TeamsStandIn(token_issuer="https://api.botframework.us") as gov:
        claims = jwt.decode(gov.inbound_token(), options={"verify_signature": False})
    assert claims["iss"] == "https://api.botframework.us"
    assert (
        jwt.decode(teams.inbound_token(), options={"verify_signature": False})["iss"] == "https://api.botframework.com"
    )


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({}, 200, None),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_secret": ""}, 401, "invalid_client"),
        ({"client_id": str(uuid.uuid4())}, 400, "unauthorized_client"),
        ({"scope": "https://graph.microsoft.com/User.Read"}, 400, "invalid_scope"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_the_token_endpoint_answers_as_entra(
    teams: TeamsStandIn, changes: dict, status: int, error: str | None
) -> None:
    answer = token_for(teams, BOT_SCOPE, changes)
    assert answer.status_code == status, answer.text
    if error is None:
        assert answer.json()["token_type"] == "Bearer" and answer.json()["expires_in"] > 0
    else:
        assert answer.json()["error"] == error and answer.json()["error_description"].startswith("AADSTS")


def test_the_bot_connector_wants_a_bot_framework_token_from_this_issuer(teams: TeamsStandIn) -> None:
    chat = dm(teams, ALICE)
    message = {"type": "message", "text": "hi"}
    refused = {
        "no token": {},
        "not a token": {"Authorization": "Bearer nonsense"},
        "a Graph token": {"Authorization": f"Bearer {teams.graph_token()}"},
        "an expired token": {
            "Authorization": f"Bearer {teams.issuer.access_token('https://api.botframework.com', lifetime=-3600)}"
        },
    }
    for why, headers in refused.items():
        answer = httpx.post(f"{teams.service_url}v3/conversations/{chat}/activities", json=message, headers=headers)
        assert answer.status_code == 401, why
    graph_with_bot_token = httpx.get(
        f"{teams.graph_url}/chats/x", headers={"Authorization": f"Bearer {teams.bot_token()}"}
    )
    assert graph_with_bot_token.status_code == 401
    assert graph_with_bot_token.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert teams.activities(chat) == []


# the Bot Connector through the SDK's client


def test_the_sdk_client_creates_a_chat_sends_updates_and_lists_members(teams: TeamsStandIn) -> None:
    async def story() -> None:
        token = token_for(teams, BOT_SCOPE).json()["access_token"]
        api = ApiClient(teams.service_url, ClientOptions(token=token))
        made = await api.conversations.create(
            CreateConversationParams(members=[Account(id=ALICE)], tenant_id=teams.tenant_id)
        )
        again = await api.conversations.create(
            CreateConversationParams(members=[Account(id=teams.user(ALICE).teams_id)], tenant_id=teams.tenant_id)
        )
        assert again.id == made.id  # one 1:1 chat per person, by object id or Teams id
        sent = await api.conversations.create_activity(
            made.id, MessageActivityInput(attachments=[attachment(CASE_CARD)])
        )
        signed = card(
            text("Case **RR-2026-001**"), {"type": "FactSet", "facts": [{"title": "Stage", "value": "Signed off"}]}
        )
        await api.conversations.update_activity(
            made.id, sent.id, MessageActivityInput(attachments=[attachment(signed)])
        )
        members = await api.conversations.get_members(made.id)
        assert [(m.name, m.aad_object_id) for m in members] == [("alice", ALICE)]

    asyncio.run(story())
    [activity] = teams.dms(ALICE)
    assert flatten(activity.attachments[0]["content"]) == "Case **RR-2026-001**\nStage: Signed off"
    assert [flatten(a[0]["content"]) for _, a in activity.edits] == [flatten(CASE_CARD)]
    assert [(e["kind"], e["channel"]) for e in teams.log] == [("dm", "DM @alice"), ("update", "DM @alice")]
    assert "[Sign off] [Refer]" in teams.log[0]["text"]


def test_updates_and_deletes_are_for_the_bots_own_existing_messages(teams: TeamsStandIn, bot: EchoBot) -> None:
    alice = teams.user(ALICE)
    alice.say("hello")
    chat = teams.personal_chat(ALICE).id
    mine, theirs = teams.dms(ALICE)[1], teams.dms(ALICE)[0]
    new = {"type": "message", "text": "edited"}
    with connector(teams) as client:
        assert client.put(f"v3/conversations/{chat}/activities/{theirs.id}", json=new).status_code == 403
        assert client.put(f"v3/conversations/{chat}/activities/999", json=new).status_code == 404
        assert client.put(f"v3/conversations/{chat}/activities/{mine.id}", json=new).status_code == 200
        assert client.delete(f"v3/conversations/{chat}/activities/{mine.id}").status_code == 200
        assert client.put(f"v3/conversations/{chat}/activities/{mine.id}", json=new).status_code == 404
    assert [e["kind"] for e in teams.log] == ["message", "dm", "update", "delete"]


def test_mentions_need_their_entity_and_a_member(teams: TeamsStandIn) -> None:
    chat = make_chat(teams)
    bob = {"id": teams.user(BOB).teams_id, "name": "bob"}
    dave = {"id": DAVE, "name": "dave"}
    bare = send(teams, chat, {"type": "message", "text": "<at>bob</at> please sign off"})
    assert bare.status_code == 400 and "no mention entity" in bare.json()["error"]["message"]
    outsider = {
        "type": "message",
        "text": "<at>dave</at> hi",
        "entities": [{"type": "mention", "text": "<at>dave</at>", "mentioned": dave}],
    }
    assert send(teams, chat, outsider).status_code == 400
    in_card = card(text("<at>dave</at> to sign off"))
    in_card["msteams"] = {"entities": [{"type": "mention", "text": "<at>dave</at>", "mentioned": dave}]}
    assert send(teams, chat, {"type": "message", "attachments": [attachment(in_card)]}).status_code == 400
    good = {
        "type": "message",
        "text": "<at>bob</at> please sign off",
        "entities": [{"type": "mention", "text": "<at>bob</at>", "mentioned": bob}],
    }
    assert send(teams, chat, good).status_code == 201
    assert teams.log[-1]["text"] == "@bob please sign off"


def test_cards_teams_would_not_render_are_refused(teams: TeamsStandIn) -> None:
    chat = dm(teams, ALICE)
    refused = [
        {"type": "message", "attachments": [attachment({**card(text("x")), "version": "1.6"})]},
        {
            "type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.hero", "content": {"title": "x"}}],
        },
        {"type": "message", "attachments": [{"contentType": ADAPTIVE, "content": json.dumps(card(text("x")))}]},
        {"type": "message"},
        {"type": "event", "text": "x"},
    ]
    for activity in refused:
        answer = send(teams, chat, activity)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "BadArgument", activity
    too_big = send(teams, chat, {"type": "message", "attachments": [attachment(card(*[text("x" * 1000)] * 30))]})
    assert too_big.status_code == 413
    assert teams.activities(chat) == []


@pytest.mark.skipif(not ADAPTIVE_CARD_SCHEMA.exists(), reason=f"{ADAPTIVE_CARD_SCHEMA} is not present")
def test_cards_outside_the_adaptive_card_schema_are_refused(teams: TeamsStandIn) -> None:
    chat = dm(teams, ALICE)
    for broken in (
        card({"type": "TextBlock"}),
        card({"type": "Bogus", "text": "x"}),
        card(text("x"), actions=[{"type": "Action.Execute", "title": "Go", "verbb": "go"}]),
    ):
        answer = send(teams, chat, {"type": "message", "attachments": [attachment(broken)]})
        assert answer.status_code == 400 and "Adaptive Card 1.5" in answer.json()["error"]["message"]
    assert send(teams, chat, {"type": "message", "attachments": [attachment(CASE_CARD)]}).status_code == 201
    with pytest.raises(SchemaError):
        check_card(card({"type": "Input.Text"}))


def test_the_bot_posts_only_where_it_is(teams: TeamsStandIn) -> None:
    chat = teams.add_group_chat("lunch", [ALICE, BOB, CAROL])
    message = {"type": "message", "text": "hi"}
    answer = send(teams, chat.id, message)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "BotNotInConversationRoster"
    assert send(teams, "19:nothing@thread.v2", message).status_code == 404
    teams.add_user(str(uuid.uuid4()), "eve", has_app=False)
    with connector(teams) as client:
        eve = next(u for u in teams.tenant.users.values() if u.name == "eve")
        assert (
            client.post(
                "v3/conversations", json={"members": [{"id": eve.object_id}], "tenantId": teams.tenant_id}
            ).status_code
            == 403
        )
        assert client.post("v3/conversations", json={"members": [{"id": ALICE}]}).status_code == 400


# Graph


def test_graph_makes_a_case_chat_installs_the_app_and_lists_its_messages(teams: TeamsStandIn) -> None:
    chat_id = make_chat(teams)
    with graph(teams) as client:
        chat = client.get(f"chats/{chat_id}", params={"$expand": "members"}).json()
        assert chat["topic"] == "RR-2026-001" and chat["chatType"] == "group"
        assert sorted(m["userId"] for m in chat["members"]) == sorted([ALICE, BOB, CAROL])
        for n in range(3):
            assert (
                send(
                    teams, chat_id, {"type": "message", "attachments": [attachment(card(text(f"card {n}")))]}
                ).status_code
                == 201
            )
        page = client.get(f"chats/{chat_id}/messages", params={"$top": "2"}).json()
        assert [json.loads(m["attachments"][0]["content"])["body"][0]["text"] for m in page["value"]] == [
            "card 2",
            "card 1",
        ]
        rest = client.get(page["@odata.nextLink"].removeprefix(teams.graph_url + "/")).json()
        assert [m["from"]["application"]["displayName"] for m in rest["value"]] == ["cspr-bot"]
        assert "@odata.nextLink" not in rest
        assert client.patch(f"chats/{chat_id}", json={"topic": "RR-2026-001 closed"}).status_code == 204
        assert client.post(f"chats/{chat_id}/members", json=member(DAVE)).status_code == 201
        assert client.post(f"chats/{chat_id}/members", json=member(DAVE)).status_code == 409
        names = [m["displayName"] for m in client.get(f"chats/{chat_id}/members").json()["value"]]
    assert sorted(names) == ["alice", "bob", "carol", "dave"]
    assert [e["kind"] for e in teams.log] == ["chat", "install", "post", "post", "post", "chat", "chat"]


def test_graph_refuses_chats_as_graph_does(teams: TeamsStandIn) -> None:
    with graph(teams) as client:

        def create(**body: object) -> httpx.Response:
            return client.post("chats", json={"chatType": "group", "topic": "RR-1", **body})

        assert create(members=[member(ALICE), member(BOB)]).json()["error"]["code"] == "BadRequest"
        assert create(members=[member(ALICE), member(BOB), member(str(uuid.uuid4()))]).status_code == 400
        assert create(members=[member(ALICE), member(BOB), {**member(CAROL), "roles": ["admin"]}]).status_code == 400
        assert client.post("chats", content=b"{not json").status_code == 400
        assert client.get("chats/19:unknown@thread.v2").status_code == 404
        teams.block_chat_creation()
        refused = create(members=[member(ALICE), member(BOB), member(CAROL)])
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "Forbidden"
        teams.block_chat_creation(False)
        teams.graph_roles.discard("Chat.Create")
    without_consent = graph(teams).post(
        "chats", json={"chatType": "group", "members": [member(p) for p in (ALICE, BOB, CAROL)]}
    )
    assert without_consent.status_code == 403 and "Chat.Create" in without_consent.json()["error"]["message"]
    assert teams.group_chats == []


def test_graph_makes_and_archives_a_private_channel(teams: TeamsStandIn) -> None:
    teams.add_team(TEAM, "Partnership", [ALICE, BOB, CAROL], owners=[ALICE])
    body = {
        "displayName": "rr-2026-001",
        "membershipType": "private",
        "members": [member(ALICE), {**member(BOB), "roles": []}],
    }
    with graph(teams) as client:
        assert (
            client.post(f"teams/{TEAM}/channels", json={**body, "members": [{**member(BOB), "roles": []}]}).status_code
            == 400
        )
        assert client.post(f"teams/{TEAM}/channels", json={**body, "members": [member(DAVE)]}).status_code == 400
        made = client.post(f"teams/{TEAM}/channels", json=body)
        assert made.status_code == 201, made.text
        channel = made.json()["id"]
        assert client.post(f"teams/{TEAM}/channels", json=body).status_code == 400  # the name is taken
        assert send(teams, channel, {"type": "message", "text": "Case RR-2026-001 opened"}).status_code == 201
        assert (
            client.get(f"teams/{TEAM}/channels/{channel}/messages").json()["value"][0]["body"]["content"]
            == "Case RR-2026-001 opened"
        )
        archived = client.post(f"teams/{TEAM}/channels/{channel}/archive")
        assert archived.status_code == 202 and archived.headers["Location"].startswith(f"/teams('{TEAM}')/operations")
        assert client.get(f"teams/{TEAM}/channels/{channel}").json()["isArchived"] is True
    assert send(teams, channel, {"type": "message", "text": "late"}).status_code == 403
    assert teams.log[0]["text"] == "created (private) with @alice, @bob"


# throttling and faults


def test_throttling_answers_429_with_retry_after() -> None:
    with TeamsStandIn(conversation_limit=(2, 60.0), app_limit=(5, 60.0)) as teams:
        for object_id, name in ((ALICE, "alice"), (BOB, "bob")):
            teams.add_user(object_id, name)
        alice, bob = dm(teams, ALICE), dm(teams, BOB)  # two requests for the app
        message = {"type": "message", "text": "hi"}
        assert [send(teams, alice, message).status_code for _ in range(2)] == [201, 201]
        throttled = send(teams, alice, message)
        assert throttled.status_code == 429 and 1 <= int(throttled.headers["Retry-After"]) <= 60
        assert send(teams, bob, message).status_code == 201  # another conversation has room
        app_wide = send(teams, bob, message)
        assert app_wide.status_code == 429 and int(app_wide.headers["Retry-After"]) >= 1
    assert len(teams.activities(alice)) == 2 and len(teams.activities(bob)) == 1


def test_injected_faults(teams: TeamsStandIn) -> None:
    chat = dm(teams, ALICE)
    message = {"type": "message", "text": "hi"}
    teams.fail("send_activity", status=503, retry_after=7)
    teams.fail("send_activity", status=412)
    unavailable, precondition = send(teams, chat, message), send(teams, chat, message)
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "7")
    assert precondition.status_code == 412 and teams.activities(chat) == []
    teams.drop("send_activity", after_processing=False)
    with pytest.raises(httpx.TransportError):
        send(teams, chat, message)
    assert teams.activities(chat) == []
    teams.drop("send_activity", after_processing=True)
    with pytest.raises(httpx.TransportError):
        send(teams, chat, message)
    assert len(teams.activities(chat)) == 1  # it was posted; only the answer was lost
    teams.hang("send_activity")
    outcome: list[BaseException] = []

    def held() -> None:
        try:
            send(teams, chat, message)
        except httpx.TransportError as error:
            outcome.append(error)

    waiting = threading.Thread(target=held)
    waiting.start()
    teams.wait_for(lambda t: len(t.activities(chat)) == 2, message="the held message to be posted")
    teams.release()
    waiting.join()
    assert len(outcome) == 1  # the answer never came
    assert [c.http_status for c in teams.calls if c.operation == "send_activity"] == [503, 412, None, None, None]


# the people, through the SDK's App


def test_people_talk_to_the_sdk_app_with_signed_activities(teams: TeamsStandIn, bot: EchoBot) -> None:
    alice = teams.user(ALICE)
    answer = alice.say("help")
    assert answer.status == 200
    assert [a.text for a in teams.dms(ALICE)] == ["help", "echo: help"]
    chat_id = make_chat(teams)
    assert teams.user(BOB).say("status", conversation_id=chat_id).status == 200
    assert teams.log[-1]["text"] == "echo: status"
    assert teams.log[-2] == {**teams.log[-2], "kind": "message", "author": "bob", "text": "@cspr-bot status"}
    with pytest.raises(LookupError):
        teams.user(DAVE).say("let me in", conversation_id=chat_id)


def test_in_a_channel_people_mention_the_bot_and_it_answers_in_the_thread(teams: TeamsStandIn, bot: EchoBot) -> None:
    teams.add_team(TEAM, "Partnership", [ALICE, BOB, CAROL], owners=[ALICE])
    pprg = teams.add_channel(TEAM, "pprg", membership_type="private", members=[ALICE, BOB])
    assert teams.user(BOB).say("status", conversation_id=pprg.id).status == 200
    asked, answered = teams.activities(pprg.id)
    assert (answered.text, answered.reply_to_id) == ("echo: status", asked.id)
    received = json.loads(bot.bodies[-1])
    assert received["conversation"]["id"] == f"{pprg.id};messageid={asked.id}"
    assert received["channelData"]["team"]["aadGroupId"] == TEAM
    assert [(e["kind"], e["channel"]) for e in teams.log] == [("message", "#pprg"), ("reply", "#pprg")]
    with graph(teams) as client:
        posts = client.get(f"teams/{TEAM}/channels/{pprg.id}/messages").json()["value"]
    assert [p["from"]["user"]["displayName"] for p in posts] == ["bob"]  # replies are not top-level posts
    with pytest.raises(LookupError):
        teams.user(CAROL).say("hello", conversation_id=pprg.id)  # carol is not in the private channel


def test_graph_reads_the_bots_one_on_one_chats(teams: TeamsStandIn, bot: EchoBot) -> None:
    teams.user(ALICE).say("help")
    chat = f"19:{ALICE}_{teams.app_id}@unq.gbl.spaces"
    with graph(teams) as client:
        assert client.get(f"chats/{chat}").json()["chatType"] == "oneOnOne"
        messages = client.get(f"chats/{chat}/messages").json()["value"]
        assert client.patch(f"chats/{chat}", json={"topic": "mine"}).status_code == 400
    assert [m["body"]["content"] for m in messages] == ["echo: help", "help"]
    assert messages[0]["from"]["application"]["id"] == teams.app_id and messages[1]["from"]["user"]["id"] == ALICE


@pytest.mark.parametrize("forgery", FORGERIES)
def test_the_sdk_app_refuses_forged_tokens(teams: TeamsStandIn, bot: EchoBot, forgery: str) -> None:
    teams.forge_next(forgery)
    assert teams.user(ALICE).say("help").status == 401
    assert teams.user(ALICE).say("help").status == 200  # the next one is signed properly


def test_a_press_on_a_card_replaces_it_for_that_person_only(teams: TeamsStandIn, bot: EchoBot) -> None:
    chat_id = make_chat(teams)
    bob = teams.user(BOB)
    bob.say("card please", conversation_id=chat_id)
    posted = teams.activities(chat_id)[-1]
    answer = bob.press("Sign off", conversation_id=chat_id)
    assert answer.status == 200 and answer.json["type"] == ADAPTIVE
    assert flatten(posted.cards_for(BOB)[0]) == "Signed off by bob (RR-2026-001)"
    assert flatten(posted.cards_for(CAROL)[0]) == flatten(CASE_CARD)  # carol still sees the original
    with pytest.raises(LookupError):
        bob.press("Sign off", conversation_id=chat_id)  # bob's card has no such button now
    with pytest.raises(LookupError):
        teams.user(DAVE).press("Sign off", conversation_id=chat_id)  # dave is not in the chat
    invoke = json.loads(bot.bodies[-1])
    assert invoke["name"] == "adaptiveCard/action" and invoke["replyToId"] == posted.id
    assert invoke["value"]["action"] == {"type": "Action.Execute", "verb": "sign_off", "data": {"case": "RR-2026-001"}}
    assert [e["kind"] for e in teams.log][-2:] == ["click", "card"]


def test_dialogs_open_and_take_only_the_inputs_really_in_them(teams: TeamsStandIn, bot: EchoBot) -> None:
    alice = teams.user(ALICE)
    alice.say("card")
    alice.press("Refer")
    dialog = alice.dialog
    assert dialog is not None and dialog.title == "Referral"
    fetch = json.loads(bot.bodies[-1])
    assert fetch["name"] == "task/fetch" and fetch["value"]["data"] == {
        "msteams": {"type": "task/fetch"},
        "form": "referral",
    }
    for values in (
        {"summary": "x", "colour": "red"},  # no such input
        {"when": "2026-01-05"},  # the summary is required
        {"summary": "x", "agency": "fire"},  # not a choice
        {"summary": "x", "when": "05/01/2026"},  # not YYYY-MM-DD
        {"summary": "x" * 201},  # over maxLength
    ):
        with pytest.raises(ValueError):
            alice.submit(values)
    assert len(bot.bodies) == 2  # none of them was sent
    alice.submit({"summary": "A fall", "when": "2027-02-01"})
    assert alice.dialog is not None and "When cannot be in the future" in flatten(alice.dialog.card)
    submitted = json.loads(bot.bodies[-1])["value"]["data"]
    assert submitted == {"form": "referral", "summary": "A fall", "when": "2027-02-01", "agency": "police"}
    alice.submit({"summary": "A fall", "when": "2026-01-02", "agency": "health"})
    assert alice.dialog is None
    assert teams.log[-1]["text"] == "@alice is shown: Referred: A fall"


def test_resend_last_redelivers_byte_for_byte(teams: TeamsStandIn, bot: EchoBot) -> None:
    alice = teams.user(ALICE)
    alice.say("card")
    alice.press("Sign off")
    alice.resend_last()
    assert bot.bodies[-1] == bot.bodies[-2]
    assert json.loads(bot.bodies[-1])["name"] == "adaptiveCard/action"


def test_installing_the_app_and_adding_people_tell_the_bot(teams: TeamsStandIn, bot: EchoBot) -> None:
    chat = teams.add_group_chat("planning", [ALICE, BOB, CAROL])
    alice = teams.user(ALICE)
    assert alice.add_to_chat(chat.id, DAVE) is None  # the bot is not there to be told
    assert [r.status for r in alice.install_app(chat.id)] == [200, 200]
    assert [json.loads(b)["type"] for b in bot.bodies] == ["conversationUpdate", "installationUpdate"]
    erin = teams.add_user(str(uuid.UUID(int=5, version=4)), "erin")
    assert alice.add_to_chat(chat.id, erin.object_id).status == 200
    assert json.loads(bot.bodies[-1])["membersAdded"][0]["aadObjectId"] == erin.object_id
    assert teams.log[-1]["text"] == "added @erin"


# the manifest


@pytest.mark.skipif(not MANIFEST_SCHEMA.exists(), reason=f"{MANIFEST_SCHEMA} is not present")
def test_the_manifest_validator_follows_the_v1_25_schema() -> None:
    manifest = {
        "$schema": "https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.schema.json",
        "manifestVersion": "1.25",
        "version": "1.0.0",
        "id": str(uuid.uuid4()),
        "developer": {
            "name": "Partnership",
            "websiteUrl": "https://example.org",
            "privacyUrl": "https://example.org/privacy",
            "termsOfUseUrl": "https://example.org/terms",
        },
        "name": {"short": "cspr-bot"},
        "description": {"short": "Case reviews", "full": "Runs a partnership's case reviews."},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#FFFFFF",
    }
    check_manifest(manifest)
    with pytest.raises(SchemaError, match="manifestVersion"):
        check_manifest({**manifest, "manifestVersion": "1.24"})
    with pytest.raises(SchemaError):
        check_manifest({k: v for k, v in manifest.items() if k != "icons"})
