"""Errors the engine reports to its callers: a stable code and a message that names the cause.

The CLI prints them as `{"error": code, "message": text}` with exit code 2; the API maps them to
HTTP statuses. Nothing is changed when one is raised.
"""

from __future__ import annotations


class FanganError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class InvalidInput(FanganError):
    """The input is malformed or out of range; the message names the field."""

    code = "invalid_input"


class NotFound(FanganError):
    code = "not_found"


class Forbidden(FanganError):
    """The actor may not take this action; the message names who may."""

    code = "forbidden"


class InvalidState(FanganError):
    """The action does not apply in the incident's current state (or steps are out of order)."""

    code = "invalid_state"


class PreconditionFailed(FanganError):
    """A rule of the plan is not yet satisfied (e.g. experts not named, report part missing)."""

    code = "precondition_failed"


class Conflict(FanganError):
    """Somebody else changed the incident meanwhile, or a duplicate request was detected."""

    code = "conflict"


class ConfigError(FanganError):
    """The engine's configuration (settings, key file) is missing or wrong; nothing ran."""

    code = "invalid_config"


class Tampered(FanganError):
    """The record was changed behind the engine's back: a timeline chain does not verify."""

    code = "tampered"
