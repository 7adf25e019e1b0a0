"""Thin listeners, one module per kind of request (commands, buttons, forms), unaware of the
platform: each reads an `Incoming` (handlers/turn.py) and answers through it. handlers/slack and
handlers/teams wire them to each platform."""
