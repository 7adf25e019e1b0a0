"""Slack messages and views: Jinja2 templates that render Block Kit JSON."""

from messages.renderer import MessageError, render

__all__ = ["MessageError", "render"]
