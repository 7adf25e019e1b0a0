"""Settings from the environment, checked once at start-up with a one-line answer for each mistake."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///cspr-bot.db"
DEFAULT_CONFIG = "partnership.yaml"
# Microsoft's endpoints, each a setting so that a deployment in another cloud, or a local
# stand-in, can take their place.
TEAMS_DEFAULTS = {
    "TEAMS_OPENID_METADATA_URL": "https://login.botframework.com/v1/.well-known/openidconfiguration",
    "TEAMS_TOKEN_ISSUER": "https://api.botframework.com",
    "TEAMS_LOGIN_URL": "https://login.microsoftonline.com",
    "GRAPH_API_URL": "https://graph.microsoft.com/v1.0",
    # Where the Bot Connector is reached for a conversation the bot has not yet heard from (a case
    # chat it has just made); each conversation's own service URL is kept once it speaks.
    "TEAMS_SERVICE_URL": "https://smba.trafficmanager.net/teams",
}

HOW_TO_FIX = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "copy the Signing Secret from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "create an app-level token (xapp-...) with connections:write on the Basic Information page",
    "TEAMS_APP_ID": "copy the Application (client) ID of the bot's app registration in Entra",
    "TEAMS_APP_PASSWORD": "create a client secret under the app registration's Certificates & secrets",
    "TEAMS_CATALOG_APP_ID": "copy the App ID Teams gave the uploaded app (Teams admin center, Manage apps)",
}
_PREFIXES = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


class SettingError(Exception):
    """A setting is missing or invalid; the message is one line that says how to fix it."""


@dataclass(frozen=True)
class TeamsEndpoints:
    """How the bot reaches Microsoft, for a partnership on Teams."""

    app_id: str | None  # the bot's app registration in Entra
    app_password: str | None
    catalog_app_id: str | None  # the app in the organisation's catalog, installed into each case chat
    openid_metadata_url: str
    token_issuer: str
    login_url: str
    graph_api_url: str
    service_url: str


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    api_url: str
    database_url: str
    config_path: Path
    teams: TeamsEndpoints

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        api_url = env.get("SLACK_API_URL") or DEFAULT_API_URL
        parsed = urlparse(api_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SettingError(
                f"SLACK_API_URL {api_url!r} is not an http(s) URL; leave it unset to use {DEFAULT_API_URL}"
            )
        database_url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        try:
            backend = make_url(database_url).get_backend_name()
        except ArgumentError:
            raise SettingError(
                "DATABASE_URL is not a database URL; use sqlite:///path/to/file.db or postgresql+psycopg://user:pass@host/db"
            ) from None
        if backend not in ("sqlite", "postgresql"):
            raise SettingError(f"DATABASE_URL uses {backend!r}; cspr-bot supports sqlite and postgresql+psycopg")
        settings = cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            api_url=api_url if api_url.endswith("/") else api_url + "/",
            database_url=database_url,
            config_path=Path(env.get("CSPR_CONFIG") or DEFAULT_CONFIG),
            teams=TeamsEndpoints(
                app_id=env.get("TEAMS_APP_ID") or None,
                app_password=env.get("TEAMS_APP_PASSWORD") or None,
                catalog_app_id=env.get("TEAMS_CATALOG_APP_ID") or None,
                **{name.lower().removeprefix("teams_"): _url(env, name) for name in TEAMS_DEFAULTS},
            ),
        )
        for name, prefix in _PREFIXES.items():
            value = settings.value_of(name)
            if value is not None and not value.startswith(prefix):
                raise SettingError(f"{name} should start with {prefix!r}: {HOW_TO_FIX[name]}")
        return settings

    def value_of(self, name: str) -> str | None:
        return {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_APP_TOKEN": self.app_token,
            "TEAMS_APP_ID": self.teams.app_id,
            "TEAMS_APP_PASSWORD": self.teams.app_password,
            "TEAMS_CATALOG_APP_ID": self.teams.catalog_app_id,
        }[name]

    def require(self, *names: str) -> None:
        for name in names:
            if not self.value_of(name):
                raise SettingError(f"{name} is not set: {HOW_TO_FIX[name]}")


def _url(env: Mapping[str, str], name: str) -> str:
    value = env.get(name) or TEAMS_DEFAULTS[name]
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingError(f"{name} {value!r} is not an http(s) URL; leave it unset to use {TEAMS_DEFAULTS[name]}")
    return value.rstrip("/")
