"""Reading Web API arguments the way Slack does, whichever encoding slack_sdk chose."""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import SlackError
from ..state import Channel, Workspace
from ..validation import MAX_TEXT, Invalid, check_blocks, check_metadata

# Arguments that arrive as JSON strings in form bodies but as objects in JSON bodies.
JSON_ARGUMENTS = ("blocks", "view", "metadata", "attachments", "files")


def flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def text(value: Any) -> str:
    return "" if value is None else str(value)


def user_ids(value: Any) -> list[str]:
    """A comma-separated list, de-duplicated in order."""
    ids = [part.strip() for part in text(value).split(",") if part.strip()]
    return list(dict.fromkeys(ids))


def timestamp(value: Any, error: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise SlackError(error) from exc


def paginate(items: list, p: dict, *, default_limit: int = 100, max_limit: int = 1000) -> tuple[list, str]:
    """Slice one page; the cursor is opaque to callers, as Slack's is."""
    try:
        limit = int(p.get("limit") or default_limit)
    except ValueError as exc:
        raise SlackError("invalid_limit") from exc
    limit = min(max(limit, 1), max_limit)
    offset = 0
    if p.get("cursor"):
        try:
            prefix, _, number = base64.b64decode(str(p["cursor"])).decode().partition(":")
            offset = int(number)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise SlackError("invalid_cursor") from exc
        if prefix != "offset" or offset < 0:
            raise SlackError("invalid_cursor")
    end = offset + limit
    cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[offset:end], cursor


def content(p: dict, *, required: bool = True) -> tuple[str | None, list[dict] | None]:
    """The message text and blocks, checked against Slack's limits."""
    body = p.get("text")
    blocks = p.get("blocks")
    if isinstance(blocks, str):
        raise SlackError("invalid_blocks_format", messages=["[ERROR] blocks must be a JSON array"])
    if blocks is not None:
        try:
            check_blocks(blocks)
        except Invalid as error:
            raise SlackError("invalid_blocks", messages=[f"[ERROR] {error}"]) from error
    if body is not None and len(str(body)) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if required and not body and not blocks and not p.get("attachments"):
        raise SlackError("no_text")
    return (None if body is None else str(body)), blocks


def metadata(p: dict) -> dict | None:
    value = p.get("metadata")
    if value is None:
        return None
    try:
        check_metadata(value)
    except Invalid as error:
        raise SlackError("invalid_metadata", messages=[f"[ERROR] {error}"]) from error
    return value


def parse_json_arguments(params: dict) -> dict:
    """Decode JSON-string arguments; anything undecodable is left for the method to reject."""
    for key in JSON_ARGUMENTS:
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
    return params


def conversation(ws: Workspace, channel_id: Any) -> Channel:
    channel = ws.channels.get(text(channel_id))
    if channel is None:
        raise SlackError("channel_not_found")
    return channel


def visible_conversation(ws: Workspace, channel_id: Any) -> Channel:
    """Private channels the bot is not in do not exist as far as the bot can tell."""
    channel = conversation(ws, channel_id)
    if channel.is_private and ws.bot_user_id not in channel.members:
        raise SlackError("channel_not_found")
    return channel


def writable_conversation(ws: Workspace, channel_id: Any) -> Channel:
    channel = conversation(ws, channel_id)
    if channel.is_archived:
        raise SlackError("is_archived")
    require_bot_member(ws, channel)
    return channel


def require_bot_member(ws: Workspace, channel: Channel) -> None:
    if not channel.is_im and ws.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
