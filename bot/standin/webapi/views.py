"""views.* methods: modals opened with a person's trigger, and Home tabs."""

from __future__ import annotations

import time

from ..errors import SlackError
from ..modals import checked, open_modal, publish_home, push_modal, replace_view
from ..state import Trigger, View, Workspace
from .params import text


def open_(ws: Workspace, p: dict) -> dict:
    trigger = _usable_trigger(ws, p.get("trigger_id"))
    view = checked(p.get("view"), "modal")
    external_id = view.get("external_id")
    if external_id and any(v.view.get("external_id") == external_id for v in ws.views.values()):
        raise SlackError("duplicate_external_id")
    trigger.used = True
    return {"view": open_modal(ws, trigger.user, view).view}


def push(ws: Workspace, p: dict) -> dict:
    trigger = _usable_trigger(ws, p.get("trigger_id"))
    view = checked(p.get("view"), "modal")
    pushed = push_modal(ws, trigger.user, view)
    trigger.used = True
    return {"view": pushed.view}


def update(ws: Workspace, p: dict) -> dict:
    target = _target(ws, text(p.get("view_id")), text(p.get("external_id")))
    if p.get("hash") and p["hash"] != target.view["hash"]:
        raise SlackError("hash_conflict")
    view = checked(p.get("view"), target.view["type"])
    return {"view": replace_view(ws, target, view)}


def publish(ws: Workspace, p: dict) -> dict:
    user_id = text(p.get("user_id"))
    if user_id not in ws.users:
        raise SlackError("user_not_found")
    view = checked(p.get("view"), "home")
    home = ws.home_views.get(user_id)
    if p.get("hash") and home is not None and p["hash"] != home.view["hash"]:
        raise SlackError("hash_conflict")
    return {"view": publish_home(ws, user_id, view).view}


def _usable_trigger(ws: Workspace, trigger_id: object) -> Trigger:
    """Triggers come only from people's interactions, work once, and go stale quickly."""
    trigger = ws.triggers.get(text(trigger_id))
    if trigger is None:
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if time.monotonic() - trigger.issued_at > ws.trigger_ttl:
        raise SlackError("expired_trigger_id")
    return trigger


def _target(ws: Workspace, view_id: str, external_id: str) -> View:
    if not view_id and not external_id:
        raise SlackError("invalid_arguments", messages=["[ERROR] either view_id or external_id is required"])
    candidates = [v for v in ws.views.values() if v.is_open] + list(ws.home_views.values())
    for view in candidates:
        if (view_id and view.id == view_id) or (not view_id and view.view.get("external_id") == external_id):
            return view
    raise SlackError("not_found")


METHODS = {
    "views.open": open_,
    "views.push": push,
    "views.update": update,
    "views.publish": publish,
}
