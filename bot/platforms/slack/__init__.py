"""Slack: the Web API behind the platform port."""
