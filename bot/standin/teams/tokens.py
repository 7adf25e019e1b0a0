"""The token issuer: the keys Teams signs its requests to the bot with, published as OpenID
metadata and a JWKS, and an Entra token endpoint that gives the bot its own access tokens.

Inbound tokens (Teams to the bot) carry `iss` = the token issuer, `aud` = the bot's app id and
the `serviceurl` the activity came from. Access tokens (the bot to the Bot Connector or Graph)
carry `aud` = the resource, `appid` = the bot and, for Graph, `roles` = the application
permissions an administrator consented to. Both are RS256 JWTs signed with the issuer's key.
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Literal, get_args

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .errors import ServiceError

BOT_RESOURCE = "https://api.botframework.com"
GRAPH_RESOURCE = "https://graph.microsoft.com"
SCOPES = {f"{BOT_RESOURCE}/.default": BOT_RESOURCE, f"{GRAPH_RESOURCE}/.default": GRAPH_RESOURCE}
# The tenant multi-tenant bots ask for Bot Framework tokens in.
BOT_FRAMEWORK_TENANT = "botframework.com"
# The leeway the SDK allows on inbound tokens; forged times fall well outside it.
LEEWAY = 300

Forgery = Literal[
    "missing",  # no Authorization header at all
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "wrong_issuer",
    "other_key",  # signed with a key the JWKS does not hold, under the real key's kid
    "unknown_kid",
    "no_serviceurl",
    "wrong_serviceurl",
    "alg_none",  # unsigned
]
FORGERIES: tuple[Forgery, ...] = get_args(Forgery)


class Issuer:
    def __init__(
        self,
        *,
        app_id: str,
        client_secret: str,
        tenant_id: str,
        token_issuer: str,
        graph_roles: set[str],
        token_lifetime: int = 3599,
    ):
        self.app_id = app_id
        self.client_secret = client_secret
        self.tenant_id = tenant_id
        self.token_issuer = token_issuer
        self.graph_roles = graph_roles  # live: revoking consent affects tokens issued afterwards
        self.token_lifetime = token_lifetime
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_urlsafe(12)

    @functools.cached_property
    def _other_key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    # what Teams publishes

    def openid_metadata(self, jwks_uri: str) -> dict:
        return {
            "issuer": self.token_issuer,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": jwks_uri,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def jwks(self) -> dict:
        key = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {
            "keys": [
                {"kty": "RSA", "use": "sig", "kid": self.kid, "n": key["n"], "e": key["e"], "endorsements": ["msteams"]}
            ]
        }

    # tokens on Teams' requests to the bot

    def inbound_token(self, service_url: str, forgery: Forgery | None = None) -> str | None:
        """A token as Teams signs its requests to the bot, or a forged one (None for "missing")."""
        now = int(time.time())
        claims: dict = {
            "serviceurl": service_url,
            "nbf": now - 5,
            "iat": now - 5,
            "exp": now + 3600,
            "iss": self.token_issuer,
            "aud": self.app_id,
        }
        key, kid = self._key, self.kid
        if forgery == "missing":
            return None
        if forgery == "expired":
            claims.update(iat=now - 7200, nbf=now - 7200, exp=now - 2 * LEEWAY)
        elif forgery == "not_yet_valid":
            claims.update(iat=now + 2 * LEEWAY, nbf=now + 2 * LEEWAY, exp=now + 7200)
        elif forgery == "wrong_audience":
            claims["aud"] = str(uuid.uuid4())
        elif forgery == "wrong_issuer":
            claims["iss"] = "https://api.botframework.invalid"
        elif forgery == "other_key":
            key = self._other_key
        elif forgery == "unknown_kid":
            kid = secrets.token_urlsafe(12)
        elif forgery == "no_serviceurl":
            del claims["serviceurl"]
        elif forgery == "wrong_serviceurl":
            claims["serviceurl"] = "https://smba.trafficmanager.net/emea/"
        elif forgery == "alg_none":
            return _unsigned(claims, kid)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})

    # the bot's own tokens

    def grant(self, tenant: str, form: dict[str, str]) -> dict:
        """The token endpoint's client-credentials grant; raises `ServiceError` as Entra answers."""
        for name in ("grant_type", "client_id"):
            if not form.get(name):
                raise _oauth_error(
                    400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
                )
        if form["grant_type"] != "client_credentials":
            raise _oauth_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if tenant not in (self.tenant_id, BOT_FRAMEWORK_TENANT):
            raise _oauth_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form["client_id"] != self.app_id:
            raise _oauth_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form['client_id']}' was not found in the directory '{tenant}'.",
            )
        if not form.get("client_secret"):
            raise _oauth_error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
        if not secrets.compare_digest(form["client_secret"], self.client_secret):
            raise _oauth_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
            )
        resource = SCOPES.get(form.get("scope", ""))
        if resource is None:
            raise _oauth_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {form.get('scope', '')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            )
        # Assumption: a Graph token only comes from the bot's own tenant; botframework.com is for the Bot Framework.
        if resource == GRAPH_RESOURCE and tenant != self.tenant_id:
            raise _oauth_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{self.app_id}' was not found in the directory '{tenant}'.",
            )
        return {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": self.access_token(resource),
        }

    def access_token(self, resource: str, *, lifetime: int | None = None) -> str:
        """An access token for `resource` as the token endpoint issues it; a negative `lifetime` makes an expired one."""
        now = int(time.time())
        claims: dict = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + (self.token_lifetime if lifetime is None else lifetime),
            "appid": self.app_id,
            "tid": self.tenant_id,
            "idtyp": "app",
        }
        if resource == GRAPH_RESOURCE:
            claims["roles"] = sorted(self.graph_roles)
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    def check_access(self, bearer: str | None, resource: str) -> dict:
        """The claims of a valid access token for `resource`; else `ServiceError(401)`."""
        if not bearer:
            raise ServiceError(401, "Unauthorized", "No bearer token.")
        try:
            claims = jwt.decode(bearer, self._key.public_key(), algorithms=["RS256"], audience=resource, leeway=LEEWAY)
        except jwt.InvalidTokenError as error:
            raise ServiceError(401, "Unauthorized", f"Invalid bearer token: {error}") from error
        if claims.get("appid") != self.app_id or claims.get("tid") != self.tenant_id:
            raise ServiceError(401, "Unauthorized", "The token was not issued to this app in this tenant.")
        return claims


def _unsigned(claims: dict, kid: str) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{part(claims)}."


def _oauth_error(status: int, error: str, aadsts: int, description: str) -> ServiceError:
    now = datetime.now(UTC)
    trace = str(uuid.uuid4())
    body = {
        "error": error,
        "error_description": f"AADSTS{aadsts}: {description} Trace ID: {trace} Timestamp: {now:%Y-%m-%d %H:%M:%SZ}",
        "error_codes": [aadsts],
        "timestamp": f"{now:%Y-%m-%d %H:%M:%SZ}",
        "trace_id": trace,
        "correlation_id": str(uuid.uuid4()),
    }
    return ServiceError(status, error, description, body=body)
