"""The stand-in's file upload, as slack_sdk's `files_upload_v2` drives it: an upload URL, the bytes
sent there, the upload completed into a conversation, and the file shown there."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.standin import SlackStandIn
from tests.conftest import METHODS_FILE

TOKEN = "xoxb-files"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def standin():
    # Slack's method list when it is beside the repository, so unknown parameters are refused.
    with SlackStandIn(bot_token=TOKEN, methods_file=METHODS_FILE if METHODS_FILE.exists() else None) as running:
        running.add_user("U1", "alice")
        running.add_channel("C0PUB", "partnership", members=["U1", "U0BOT"])
        yield running


@pytest.fixture
def client(standin):
    return WebClient(token=TOKEN, base_url=standin.api_url)


def _download(url: str, token: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_a_file_uploaded_to_a_direct_message_shows_there(standin, client):
    dm = client.conversations_open(users="U1")["channel"]["id"]
    uploaded = client.files_upload_v2(
        channel=dm, file=PNG, filename="charts.png", title="Charts", alt_txt="Four charts"
    )
    shared = uploaded["file"]
    assert (shared["name"], shared["title"], shared["mimetype"], shared["size"], shared["ims"]) == (
        "charts.png", "Charts", "image/png", len(PNG), [dm]
    )  # fmt: skip
    [message] = standin.dms("U1")
    assert message.files == [shared["id"]]
    assert standin.file(shared["id"]).content == PNG
    assert standin.log[-1] == {"seq": 1, "kind": "file", "channel": "DM @alice", "author": "cspr-bot", "text": f"Charts (charts.png, {len(PNG)} bytes)"}  # fmt: skip
    history = client.conversations_history(channel=dm)["messages"]
    assert [f["name"] for f in history[0]["files"]] == ["charts.png"]
    assert _download(shared["url_private"], TOKEN) == (200, PNG)
    assert _download(shared["url_private"], None)[0] == 403
    assert [c.method for c in standin.calls] == [
        "conversations.open", "files.getUploadURLExternal", "upload", "files.completeUploadExternal", "conversations.history"
    ]  # fmt: skip


def test_an_upload_must_send_what_it_announced_and_be_completed_once(standin, client):
    announced = client.files_getUploadURLExternal(filename="charts.png", length=10)
    short = urllib.request.Request(announced["upload_url"], data=b"12345", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(short)
    assert refused.value.code == 400
    with pytest.raises(SlackApiError) as unfinished:
        client.files_completeUploadExternal(files=[{"id": announced["file_id"]}], channel_id="C0PUB")
    assert unfinished.value.response["error"] == "file_not_found"

    uploaded = client.files_upload_v2(channel="C0PUB", content="a,b\n", filename="figures.csv", title="Figures")
    with pytest.raises(SlackApiError) as again:
        client.files_completeUploadExternal(files=[{"id": uploaded["file"]["id"]}], channel_id="C0PUB")
    assert again.value.response["error"] == "file_already_completed"
    assert len(standin.messages("C0PUB")) == 1


def test_upload_mistakes_are_refused_as_slack_refuses_them(standin, client):
    with pytest.raises(SlackApiError) as nameless:
        client.api_call("files.getUploadURLExternal", params={"length": 3})
    assert nameless.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as unknown:
        client.files_completeUploadExternal(files=[{"id": "F0NOPE"}], channel_id="C0PUB")
    assert unknown.value.response["error"] == "file_not_found"
    standin.add_channel("C0SECRET", "secret", is_private=True, members=["U1"])
    with pytest.raises(SlackApiError) as outside:
        client.files_upload_v2(channel="C0SECRET", file=PNG, filename="charts.png")
    assert outside.value.response["error"] == "not_in_channel"
    # An upload URL works once.
    announced = client.files_getUploadURLExternal(filename="x.png", length=len(PNG))
    post = urllib.request.Request(announced["upload_url"], data=PNG, method="POST")
    assert urllib.request.urlopen(post).status == 200
    with pytest.raises(urllib.error.HTTPError) as used:
        urllib.request.urlopen(urllib.request.Request(announced["upload_url"], data=PNG, method="POST"))
    assert used.value.code == 404
    with pytest.raises(SlackRequestError):
        client.files_upload_v2(channel="C0PUB")  # slack_sdk's own check: nothing to upload


def test_unknown_upload_parameters_are_refused_with_the_methods_file(standin, client):
    if not METHODS_FILE.exists():
        pytest.skip(f"{METHODS_FILE} is not present")
    with pytest.raises(SlackApiError) as refused:
        client.api_call("files.getUploadURLExternal", params={"filename": "x.png", "length": 3, "colour": "red"})
    assert refused.value.response["response_metadata"]["messages"] == ["[ERROR] unknown parameter 'colour'"]
