"""auth.test and users.info: who the bot is and who the people are."""

from __future__ import annotations

from ..errors import SlackError
from ..shapes import user_json
from ..state import Workspace
from .params import text


def auth_test(ws: Workspace, p: dict) -> dict:
    return {
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_domain,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, p: dict) -> dict:
    user = ws.users.get(text(p.get("user")))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user_json(ws, user)}


METHODS = {"auth.test": auth_test, "users.info": users_info}
