"""Checks that a rendered message or view is what Slack's own models accept, unchanged."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View


def assert_valid_message(message: dict[str, Any]) -> None:
    assert set(message) <= {"text", "blocks"}, message.keys()
    assert message["text"] and len(message["text"]) <= 4000
    blocks = message["blocks"]
    assert 0 < len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        assert parsed.to_dict() == block


def assert_valid_view(view: dict[str, Any]) -> None:
    assert len(view["blocks"]) <= 100
    assert View(**view).to_dict() == view


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """Every piece of text Slack would parse as mrkdwn."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks", []))
    return found
