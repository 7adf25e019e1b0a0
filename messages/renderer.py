"""One way to make a Slack message: a Jinja2 template that renders Block Kit JSON.

Every `{{ value }}` printed by a template is escaped for mrkdwn unless it is already markup
(a mention, a clipped text, or `tojson` output), so user text is safe by default. Templates put
values into JSON only through `tojson`.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from messages import slack_text, wording

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100


class MessageError(Exception):
    """A template produced something Slack would refuse."""


def _escape_printed(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return Markup(slack_text.escape(value))
    return value


_env = Environment(
    loader=PackageLoader("messages", "templates/slack"),
    autoescape=True,
    finalize=_escape_printed,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(
    clip=slack_text.clip,
    mention=slack_text.mention,
    channel=slack_text.channel_link,
    day=wording.day,
    iso_day=wording.iso_day,
    moment=wording.moment,
    days_left=wording.days_left,
    working_days=wording.working_days,
    published_label=wording.published_label,
)


def render(name: str, **values: Any) -> dict[str, Any]:
    """Render `templates/slack/<name>.json.j2` into a message (`text` + `blocks`) or a view."""
    source = _env.get_template(f"{name}.json.j2").render(**values)
    try:
        rendered = json.loads(source)
    except json.JSONDecodeError as exc:
        raise MessageError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if "blocks" in rendered and "text" in rendered:
        # The notification fallback is plain words: escaped here so a template cannot forget.
        rendered["text"] = slack_text.escape(rendered["text"])
    limit = VIEW_BLOCK_LIMIT if rendered.get("type") in ("modal", "home") else MESSAGE_BLOCK_LIMIT
    if len(rendered.get("blocks", [])) > limit:
        raise MessageError(f"{name}: {len(rendered['blocks'])} blocks, Slack allows {limit}")
    return rendered
