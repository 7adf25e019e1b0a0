"""`cspr-bot serve --platform teams`: Teams' activities at POST /api/messages, checked with the
Teams SDK's token validator against Microsoft's published keys (or a stand-in's), handled on a
worker thread by the same listeners as Slack's requests, on FastAPI under uvicorn.

A request without a valid token (issuer, audience, signature, times, and the `serviceurl` claim
matching the activity's) gets 401 and one short log line; nothing of its body is logged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import warnings
from datetime import UTC, datetime
from typing import Any

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from microsoft_teams.api.auth.cloud_environment import PUBLIC

from bot.platforms.teams.messenger import TeamsMessenger
from bot.refusals import RefusalLog
from bot.services import Services
from bot.settings import TeamsEndpoints
from handlers.teams import dispatch
from storage import conversations

with warnings.catch_warnings():
    # Importing the SDK's apps package announces preview features this bot does not use.
    warnings.simplefilter("ignore")
    from microsoft_teams.apps.auth.token_validator import TokenValidator

log = logging.getLogger("cspr-bot")

MAX_BODY = 256 * 1024
# The SDK logs every refused token at ERROR, with its reasons; ours is one rate-limited line.
logging.getLogger("microsoft_teams.apps.auth.token_validator").disabled = True


def validator(endpoints: TeamsEndpoints) -> TokenValidator:
    assert endpoints.app_id
    cloud = dataclasses.replace(
        PUBLIC,
        login_endpoint=endpoints.login_url,
        openid_metadata_url=endpoints.openid_metadata_url,
        token_issuer=endpoints.token_issuer,
    )
    return TokenValidator.for_service(endpoints.app_id, cloud=cloud)


def teams_app(services: Services, endpoints: TeamsEndpoints, health: Any) -> FastAPI:
    """The web app. `health()` is None when ready, else why not (answered with 503)."""
    messenger = services.delivery.messenger
    assert isinstance(messenger, TeamsMessenger)
    check = validator(endpoints)
    refusals = RefusalLog()
    # Conversations this process has already stored as they are: no write for each request.
    remembered: set[tuple[str, str, str | None]] = set()
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> Response:
        problem = health()
        if problem:
            return JSONResponse({"ok": False, "reason": problem}, status_code=503)
        return JSONResponse({"ok": True})

    @app.post("/api/messages")
    async def messages(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            status = 413 if declared.isdigit() else 400
            refusals.note(status, "body too large" if status == 413 else "bad Content-Length", 0)
            return Response(status_code=status)
        body = await request.body()
        if len(body) > MAX_BODY:
            refusals.note(413, "body too large", len(body))
            return Response(status_code=413)
        try:
            activity = json.loads(body)
        except ValueError:
            activity = None
        if not isinstance(activity, dict) or not isinstance(activity.get("serviceUrl"), str):
            refusals.note(400, "not an activity", len(body))
            return Response(status_code=400)
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            await check.validate_token(token, activity["serviceUrl"])
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as refused:
            refusals.note(401, f"token not valid ({type(refused).__name__})", len(body))
            return Response(status_code=401)
        if health():
            return Response(status_code=503)
        await asyncio.to_thread(_remember, services, activity, remembered)
        answer = await asyncio.to_thread(dispatch, services, messenger, activity)
        if activity.get("type") == "invoke":
            return JSONResponse(answer or {}, status_code=200)
        return Response(status_code=200)

    return app


def _remember(services: Services, activity: dict[str, Any], remembered: set[tuple[str, str, str | None]]) -> None:
    """The conversation's service URL, kept for later sends; and whose a 1:1 chat is."""
    conversation = activity.get("conversation") or {}
    conversation_id = str(conversation.get("id") or "").partition(";")[0]
    if not conversation_id or len(conversation_id) > 128 or len(activity["serviceUrl"]) > 300:
        return
    personal = conversation.get("conversationType") == "personal"
    sender = str((activity.get("from") or {}).get("aadObjectId") or "")[:64]
    user = sender if personal and sender else None
    seen = (conversation_id, activity["serviceUrl"], user)
    if seen in remembered:
        return
    with services.database.transaction() as session:
        conversations.remember(session, conversation_id, activity["serviceUrl"], datetime.now(UTC), user)
    remembered.add(seen)
