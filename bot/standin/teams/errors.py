"""An error answered by one of Microsoft's services, in that service's shape."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ServiceError(Exception):
    """An HTTP error answer. Bot Connector and Graph both answer `{"error": {"code", "message"}}`;
    the token endpoint answers OAuth2's `{"error", "error_description"}` (see `tokens.py`)."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    body: dict | None = None  # a body in another shape, when the service answers one

    def __post_init__(self) -> None:
        super().__init__(f"{self.status} {self.code}: {self.message}")

    def payload(self) -> dict:
        return self.body if self.body is not None else {"error": {"code": self.code, "message": self.message}}


def bad_request(message: str, code: str = "BadRequest") -> ServiceError:
    return ServiceError(400, code, message)


def not_found(message: str, code: str = "NotFound") -> ServiceError:
    return ServiceError(404, code, message)


def forbidden(message: str, code: str = "Forbidden") -> ServiceError:
    return ServiceError(403, code, message)
