"""Modal stacks and Home tabs: how Slack stores, stacks and replaces views.

Shared by the views.* Web API methods and by `response_action`s in answers to submissions.
Callers hold `Workspace.cond`.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import SlackError
from .state import View, Workspace
from .validation import Invalid, check_view

MAX_STACK = 3


def checked(view: Any, kind: str) -> dict:
    try:
        check_view(view, kind=kind)
    except Invalid as error:
        raise SlackError("invalid_arguments", messages=[f"[ERROR] {error}"]) from error
    return view


def open_modal(ws: Workspace, user_id: str, view: dict) -> View:
    """A new modal replaces whatever stack the person had open."""
    ws.close_stack(user_id)
    opened = _new(ws, user_id, view, root_view_id=None, previous_view_id=None)
    ws.modal_stacks[user_id] = [opened.id]
    _record(ws, "opened", opened)
    return opened


def push_modal(ws: Workspace, user_id: str, view: dict) -> View:
    stack = ws.modal_stacks.get(user_id)
    if not stack:
        raise SlackError("not_found", messages=["[ERROR] no open modal to push onto"])
    if len(stack) >= MAX_STACK:
        raise SlackError("push_limit_reached")
    pushed = _new(ws, user_id, view, root_view_id=stack[0], previous_view_id=stack[-1])
    stack.append(pushed.id)
    _record(ws, "pushed", pushed)
    return pushed


def replace_view(ws: Workspace, target: View, view: dict) -> dict:
    """Swap a view's content in place: same id, new hash, as views.update does."""
    kept = target.view
    target.view = _stored(
        ws,
        view,
        view_id=kept["id"],
        root_view_id=kept.get("root_view_id"),
        previous_view_id=kept.get("previous_view_id"),
    )
    if target.view["type"] == "modal":
        _record(ws, "updated", target)
    ws.changed()
    return target.view


def publish_home(ws: Workspace, user_id: str, view: dict) -> View:
    home = ws.home_views.get(user_id)
    if home is not None:
        replace_view(ws, home, view)
        return home
    view_id = ws.new_id("V")
    home = ws.home_views[user_id] = View(
        view_id, user_id, _stored(ws, view, view_id=view_id, root_view_id=view_id, previous_view_id=None)
    )
    ws.changed()
    return home


def _new(ws: Workspace, user_id: str, view: dict, *, root_view_id: str | None, previous_view_id: str | None) -> View:
    view_id = ws.new_id("V")
    stored = _stored(ws, view, view_id=view_id, root_view_id=root_view_id or view_id, previous_view_id=previous_view_id)
    opened = ws.views[view_id] = View(view_id, user_id, stored)
    ws.changed()
    return opened


def _stored(ws: Workspace, view: dict, *, view_id: str, root_view_id: str | None, previous_view_id: str | None) -> dict:
    stored = {
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        **copy.deepcopy(view),
    }
    stored.update(
        id=view_id,
        team_id=ws.team_id,
        app_id=ws.app_id,
        bot_id=ws.bot_id,
        app_installed_team_id=ws.team_id,
        blocks=ws.stored_blocks(view["blocks"]),
        state={"values": {}},
        hash=ws.new_hash(),
        root_view_id=root_view_id,
        previous_view_id=previous_view_id,
    )
    return stored


def _record(ws: Workspace, verb: str, view: View) -> None:
    title = (view.view.get("title") or {}).get("text", "")
    ws.record(
        "modal", "", ws.bot_name, f"{verb} '{title}' for @{ws.user_name(view.user)}\n{ws.readable(view.view['blocks'])}"
    )
