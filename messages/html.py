"""Pages rendered as HTML (the yearly report): an environment of their own that escapes for HTML,
where the messages' environment escapes for Slack's mrkdwn."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from messages import wording


def shown(value: Any) -> str:
    """A figure as printed: a dash for nothing to show, numbers as they are, words as they are."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_env = Environment(
    loader=PackageLoader("messages", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(shown=shown, iso_day=wording.iso_day)


def render_page(name: str, **values: Any) -> str:
    """Render `templates/<name>` into a page."""
    return _env.get_template(name).render(**values)
