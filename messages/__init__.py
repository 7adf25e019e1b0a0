"""Messages, forms and home views for Slack and Teams: Jinja2 templates rendered as JSON."""

from messages.renderer import MessageError, render

__all__ = ["MessageError", "render"]
