"""The upload flow slack_sdk's `files_upload_v2` uses: ask for an upload URL, send the bytes there
(see `server.py`), then complete the upload, sharing the file in a conversation."""

from __future__ import annotations

import secrets

from ..errors import SlackError
from ..shapes import file_json
from ..state import File, Workspace
from .params import text, writable_conversation

MAX_BYTES = 1024**3  # Slack's limit for one file


def get_upload_url(ws: Workspace, p: dict) -> dict:
    name = text(p.get("filename")).strip()
    if not name:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: filename"])
    try:
        length = int(text(p.get("length")))
    except ValueError:
        raise SlackError("invalid_arguments", messages=["[ERROR] length must be a whole number of bytes"]) from None
    if length < 1:
        raise SlackError("invalid_arguments", messages=["[ERROR] length must be at least 1"])
    if length > MAX_BYTES:
        raise SlackError("file_too_large")
    file = File(ws.new_id("F"), name, length, alt_txt=text(p.get("alt_txt")))
    ws.files[file.id] = file
    secret = secrets.token_hex(12)
    ws.uploads[secret] = file.id
    return {"upload_url": f"{ws.base_url}upload/v1/{secret}", "file_id": file.id}


def receive_upload(ws: Workspace, secret: str, body: bytes) -> tuple[int, str]:
    """The upload URL: the file's bytes, once, exactly as long as announced."""
    file_id = ws.uploads.pop(secret, None)
    if file_id is None:
        return 404, "unknown or used upload URL"
    file = ws.files[file_id]
    if len(body) != file.length:
        return 400, f"expected {file.length} bytes, received {len(body)}"
    file.content = body
    return 200, f"OK - {len(body)}"


def complete_upload(ws: Workspace, p: dict) -> dict:
    wanted = p.get("files")
    if not isinstance(wanted, list) or not wanted or not all(isinstance(f, dict) and f.get("id") for f in wanted):
        raise SlackError("invalid_arguments", messages=["[ERROR] files must be a JSON array of {id, title}"])
    files = []
    for item in wanted:
        file = ws.files.get(text(item["id"]))
        if file is None or file.content is None:
            raise SlackError("file_not_found")
        if file.shared_in is not None:
            raise SlackError("file_already_completed")
        files.append((file, text(item.get("title"))))
    channel = writable_conversation(ws, p.get("channel_id")) if p.get("channel_id") else None
    for file, title in files:
        file.title = title or file.name
        if channel is not None:
            file.shared_in = channel.id
    if channel is not None:
        message = ws.post(channel, text(p.get("initial_comment")), None)
        message.files = [file.id for file, _ in files]
        for file, _ in files:
            ws.record(
                "file", ws.display_channel(channel.id), ws.bot_name, f"{file.title} ({file.name}, {file.length} bytes)"
            )
    return {"files": [file_json(ws, file) for file, _ in files]}


METHODS = {"files.getUploadURLExternal": get_upload_url, "files.completeUploadExternal": complete_upload}
