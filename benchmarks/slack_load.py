"""Slack's requests to an app, signed as Slack signs them, sent by concurrent clients over loopback
HTTP and timed from the request's first byte to the answer's last."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from slack_sdk.signature import SignatureVerifier

from benchmarks.population import channel, ref
from bot.partnership import load
from bot.standin import SlackStandIn
from bot.standin.people import http_body

PARTNERSHIP_FILE = Path(__file__).resolve().parents[1] / "tests" / "data" / "partnership.yaml"
SIGNING_SECRET = "benchmark-signing-secret"
BOT_TOKEN = "xoxb-benchmark"
CHAIR = "U01CHAIR"
CSC_LEAD = "U01CSC"  # leads Children's Social Care, which has not signed off yet
PPRG = "C0123PPRG"
# What a person sends, by the name the tables give it.
REQUESTS = ("help", "list", "status", "sign off")


def standin() -> SlackStandIn:
    """A Slack stand-in (not started) holding the partnership's people and the open cases' channels."""
    # Forms open after the acknowledgement, behind a burst of them: their triggers last 10 s here.
    slack = SlackStandIn(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, trigger_ttl=10.0)
    partnership = load(PARTNERSHIP_FILE)
    people = {*partnership.chairs, *partnership.business_managers, *partnership.scrutineers}
    people |= {lead for agency in partnership.agencies for lead in agency.leads}
    for user_id in sorted(people):
        slack.add_user(user_id, user_id.lower())
    slack.add_channel(PPRG, "pprg", is_private=True, members=[*people, "U0BOT"])
    return slack


def body(slack: SlackStandIn, request: str, number: int) -> tuple[bytes, str]:
    """The body Slack sends for `request` about open case `number`, and its content type."""
    ws = slack.workspace
    user = CSC_LEAD if request == "sign off" else CHAIR
    common = {"token": slack.verification_token, "api_app_id": ws.app_id, "trigger_id": ws.issue_trigger(user)}
    if request == "sign off":
        card = {"type": "message", "message_ts": f"{number}.0001", "channel_id": channel(number), "is_ephemeral": False}
        button = {
            "type": "button",
            "action_id": "signoff",
            "block_id": "signoff_csc",
            "text": {"type": "plain_text", "text": "Sign off"},
            "value": f"{ref(number)}|csc",
            "action_ts": f"{time.time():.6f}",
        }
        return http_body(
            "interactive",
            {
                "type": "block_actions",
                "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": ws.team_id},
                "team": {"id": ws.team_id, "domain": ws.team_domain},
                "enterprise": None,
                "is_enterprise_install": False,
                "container": card,
                "channel": {"id": channel(number), "name": f"rr-{ref(number)}"},
                "state": {"values": {}},
                "actions": [button],
                **common,
            },
        )
    text = {"help": "help", "list": "list", "status": f"status {ref(number)}"}[request]
    return http_body(
        "slash_commands",
        {
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "channel_id": PPRG,
            "channel_name": "privategroup",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/cspr",
            "text": text,
            "is_enterprise_install": "false",
            "response_url": slack.response_url(ws.issue_response_url(user, PPRG)),
            **common,
        },
    )


@dataclass
class Timings:
    seconds: list[float] = field(default_factory=list)
    errors: int = 0


def send(
    url: str, slack: SlackStandIn, request: str, *, clients: int, each: int, cases: int, timings: Timings | None = None
) -> Timings:
    """`clients` threads at once, each sending `each` requests one after another on its own
    connection, about the open cases in turn. An answer other than 200 is an error."""
    timings = timings or Timings()
    lock = threading.Lock()
    start = threading.Barrier(clients)
    signer = SignatureVerifier(SIGNING_SECRET)
    parts = urlsplit(url)

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        seconds, errors = [], 0
        start.wait()
        for sent in range(each):
            content, content_type = body(slack, request, (offset + sent) % cases + 1)
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=content),
            }
            began = time.perf_counter()
            try:
                connection.request("POST", parts.path, content, headers)
                answer = connection.getresponse()
                answer.read()
                seconds.append(time.perf_counter() - began)
                errors += answer.status != 200
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
        connection.close()
        with lock:
            timings.seconds.extend(seconds)
            timings.errors += errors

    threads = [threading.Thread(target=client, args=(number * each,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings
