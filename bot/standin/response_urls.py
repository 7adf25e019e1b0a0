"""What happens to a message the app sends to a response_url (or as a slash command's answer)."""

from __future__ import annotations

import copy

from .state import Ephemeral, ResponsePost, Workspace
from .validation import Invalid, check_blocks
from .webapi.params import flag


def deliver(ws: Workspace, url_id: str, payload: object) -> tuple[int, str]:
    """Apply a response payload; answers (HTTP status, body) as Slack's endpoint does."""
    with ws.cond:
        url = ws.response_urls.get(url_id)
        if url is None:
            return 404, "no_service"
        if not isinstance(payload, dict):
            return 400, "invalid_payload"
        blocks = payload.get("blocks")
        text = str(payload.get("text") or "")
        deleting = flag(payload.get("delete_original"))
        if blocks is not None:
            try:
                check_blocks(blocks)
            except Invalid:
                return 400, "invalid_blocks"
        if not deleting and not text and not blocks:
            return 400, "no_text"
        ws.responses.append(ResponsePost(url_id, url.user, copy.deepcopy(payload)))
        original = ws.find_message(url.channel, url.message_ts) if url.channel and url.message_ts else None
        ephemeral = next((e for e in ws.ephemerals if url.message_ts and e.ts == url.message_ts), None)
        where = ws.display_channel(url.channel)
        if deleting and original is not None:
            ws.channels[original.channel].messages.remove(original)
            ws.record("response", where, ws.bot_name, "(deleted the message)")
        elif flag(payload.get("replace_original")) and original is not None:
            original.replace(text, ws.stored_blocks(blocks), ws.next_ts())
            ws.record(
                "response", where, ws.bot_name, "(replaced the message) " + ws.readable(original.blocks, original.text)
            )
        elif flag(payload.get("replace_original")) and ephemeral is not None and ephemeral.user == url.user:
            ephemeral.text, ephemeral.blocks = text, ws.stored_blocks(blocks)
            ws.record(
                "response",
                where,
                ws.bot_name,
                f"(replaced what only @{ws.user_name(url.user)} sees) " + ws.readable(ephemeral.blocks, text),
            )
        elif payload.get("response_type") == "in_channel" and url.channel in ws.channels:
            posted = ws.post(ws.channels[url.channel], text, blocks)
            ws.record("response", where, ws.bot_name, ws.readable(posted.blocks, posted.text))
        else:
            ws.ephemerals.append(Ephemeral(url.channel or "", url.user, text, ws.stored_blocks(blocks), ws.next_ts()))
            ws.record(
                "response",
                where,
                ws.bot_name,
                f"(only @{ws.user_name(url.user)} sees this) " + ws.readable(blocks, text),
            )
        ws.changed()
        return 200, "ok"
