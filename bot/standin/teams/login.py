"""The token issuer's endpoints: OpenID metadata and signing keys (read by the bot to check
Teams' requests), and Entra's token endpoint (where the bot gets its own access tokens)."""

from __future__ import annotations

from collections.abc import Callable

from .routes import Answer, Request, Route, route
from .tokens import Issuer

METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"


def routes(issuer: Issuer, keys_url: Callable[[], str]) -> tuple[list[Route], list[Route]]:
    """The Bot Framework's published metadata and keys, and the login service's token endpoint."""

    def metadata(request: Request) -> Answer:
        return Answer(200, issuer.openid_metadata(keys_url()))

    def keys(request: Request) -> Answer:
        return Answer(200, issuer.jwks())

    def token(request: Request) -> Answer:
        return Answer(200, issuer.grant(request.params["tenant"], request.body))

    published = [route("GET", METADATA_PATH, "openid_metadata", metadata), route("GET", KEYS_PATH, "keys", keys)]
    return published, [route("POST", "/{tenant}/oauth2/v2.0/token", "token", token)]
