"""One way to make a message, a form or a home view: a Jinja2 template per platform that renders
Block Kit JSON for Slack (`templates/slack/`) or an Adaptive Card for Teams (`templates/teams/`),
both from the same values.

Every `{{ value }}` printed by a template is escaped for the platform's markup unless it is
already markup (a mention, a clipped text, or `tojson` output), so user text is safe by default.
Templates put values into JSON only through `tojson`.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from messages import slack_text, teams_text, wording

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
# Teams refuses an activity over about 28 KB; its card is most of it.
TEAMS_CARD_LIMIT = 27_000
# The cases one digest message lists, within those limits; a longer digest is sent in parts.
DIGEST_ROWS = {"slack": 400, "teams": 80}
PLATFORMS = ("slack", "teams")


class MessageError(Exception):
    """A template produced something the platform would refuse."""


def _environment(platform: str, markup: ModuleType) -> Environment:
    def escape_printed(value: Any) -> Any:
        if isinstance(value, Markup):
            return value
        if isinstance(value, str):
            return Markup(markup.escape(value))
        return value

    env = Environment(
        loader=PackageLoader("messages", f"templates/{platform}"),
        autoescape=True,
        finalize=escape_printed,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the package: no looking at each one's file again on every render.
        auto_reload=False,
    )
    env.filters.update(
        clip=markup.clip,
        mention=markup.mention,
        channel=markup.channel_link,
        day=wording.day,
        iso_day=wording.iso_day,
        moment=wording.moment,
        days_left=wording.days_left,
        working_days=wording.working_days,
        published_label=wording.published_label,
    )
    return env


_ENVIRONMENTS = {"slack": _environment("slack", slack_text), "teams": _environment("teams", teams_text)}


def _load(name: str, platform: str, source: str) -> dict[str, Any]:
    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:
        raise MessageError(f"{platform}/{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def render(name: str, /, *, platform: str = "slack", **values: Any) -> dict[str, Any]:
    """Render `templates/<platform>/<name>.json.j2`. On Slack: a message (`text` + `blocks`) or
    a view. On Teams: a message (`text` + `card`, with `mentions`, the people its card mentions)
    or a dialog (`title` + `card`)."""
    template = _ENVIRONMENTS[platform].get_template(f"{name}.json.j2")
    if platform == "teams":
        return _teams(name, template.render, values)
    rendered = _load(name, platform, template.render(**values))
    if "blocks" in rendered and "text" in rendered:
        # The notification fallback is plain words: escaped here so a template cannot forget.
        rendered["text"] = slack_text.escape(rendered["text"])
    limit = VIEW_BLOCK_LIMIT if rendered.get("type") in ("modal", "home") else MESSAGE_BLOCK_LIMIT
    if len(rendered.get("blocks", [])) > limit:
        raise MessageError(f"{name}: {len(rendered['blocks'])} blocks, Slack allows {limit}")
    return rendered


def _teams(name: str, render_source: Any, values: dict[str, Any]) -> dict[str, Any]:
    people: list[str] = []
    token = teams_text.mentioned.set(people)
    try:
        rendered = _load(name, "teams", render_source(**values))
    finally:
        teams_text.mentioned.reset(token)
    if "text" in rendered:
        # The notification preview is plain words.
        rendered["text"] = teams_text.plain(rendered["text"])
        rendered["mentions"] = people
    size = len(json.dumps(rendered.get("card", {})))
    if size > TEAMS_CARD_LIMIT:
        raise MessageError(f"teams/{name}: the card is {size} bytes, Teams allows about {TEAMS_CARD_LIMIT}")
    return rendered
