"""Build channels from configuration mappings (YAML, settings objects, ...).

Validation happens here, at start-up, so that a typo in a setting fails loudly with the
key's name instead of turning into a failed delivery during an emergency.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, cast

from notifiers.base import Channel
from notifiers.console import ConsoleChannel
from notifiers.dingtalk import DingTalkRobotChannel
from notifiers.feishu import FeishuBotChannel
from notifiers.sms import DEFAULT_MAX_LENGTH, HttpSmsGatewayChannel
from notifiers.smtp import SmtpChannel
from notifiers.wecom import WeComRobotChannel

_DEFAULT_TIMEOUT: Final = 10.0


class _Settings:
    """Typed reads from an untyped mapping; remembers which keys were consumed."""

    def __init__(self, kind: str, settings: Mapping[str, Any]) -> None:
        self.kind = kind
        self.values = settings
        self.read: set[str] = set()

    def _error(self, key: str, problem: str) -> ValueError:
        return ValueError(f"{self.kind} channel: setting {key!r} {problem}")

    def _get(self, key: str) -> Any:
        self.read.add(key)
        return self.values.get(key)

    def text(self, key: str) -> str:
        value = self.optional_text(key)
        if value is None:
            raise self._error(key, "is missing")
        return value

    def optional_text(self, key: str) -> str | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self._error(key, "must be a non-empty string")
        return value

    def url(self, key: str) -> str:
        value = self.text(key)
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self._error(key, "must be an http(s) URL")
        return value

    def integer(self, key: str, *, default: int | None, low: int, high: int) -> int:
        value = self._get(key)
        if value is None:
            if default is None:
                raise self._error(key, "is missing")
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self._error(key, f"must be an integer from {low} to {high}")
        return value

    def timeout(self, key: str = "timeout") -> float:
        value = self._get(key)
        if value is None:
            return _DEFAULT_TIMEOUT
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise self._error(key, "must be a positive number of seconds")
        return float(value)

    def flag(self, key: str, *, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._error(key, "must be true or false")
        return value

    def choice(self, key: str, *, default: str, options: tuple[str, ...]) -> str:
        value = self._get(key)
        if value is None:
            return default
        if value not in options:
            raise self._error(key, f"must be one of {', '.join(options)}")
        return cast(str, value)

    def path(self, key: str) -> Path | None:
        value = self._get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str | Path):
            raise self._error(key, "must be a file path")
        return Path(value)

    def reject_unknown(self) -> None:
        unknown = sorted(str(key) for key in self.values if key not in self.read)
        if unknown:
            names = ", ".join(repr(key) for key in unknown)
            raise ValueError(f"{self.kind} channel: unknown setting(s) {names}")


def _smtp(s: _Settings) -> Channel:
    username = s.optional_text("username")
    password = s.optional_text("password")
    if username is not None and password is None:
        raise ValueError(f"{s.kind} channel: setting 'password' is missing (username is set)")
    return SmtpChannel(
        host=s.text("host"),
        port=s.integer("port", default=None, low=1, high=65535),
        sender=s.text("sender"),
        username=username,
        password=password,
        starttls=s.flag("starttls", default=False),
        timeout=s.timeout(),
    )


def _wecom(s: _Settings) -> Channel:
    msgtype = s.choice("msgtype", default="markdown", options=("markdown", "text"))
    return WeComRobotChannel(
        s.url("webhook_url"),
        msgtype=cast(Literal["markdown", "text"], msgtype),
        timeout=s.timeout(),
    )


def _dingtalk(s: _Settings) -> Channel:
    return DingTalkRobotChannel(s.url("webhook_url"), s.text("secret"), timeout=s.timeout())


def _feishu(s: _Settings) -> Channel:
    return FeishuBotChannel(s.url("webhook_url"), s.text("secret"), timeout=s.timeout())


def _sms(s: _Settings) -> Channel:
    return HttpSmsGatewayChannel(
        s.url("url"),
        s.text("api_key"),
        s.text("sender_id"),
        max_length=s.integer("max_length", default=DEFAULT_MAX_LENGTH, low=2, high=10_000),
        timeout=s.timeout(),
    )


def _console(s: _Settings) -> Channel:
    return ConsoleChannel(s.path("path"))


_BUILDERS: Final[Mapping[str, Callable[[_Settings], Channel]]] = {
    "smtp": _smtp,
    "wecom": _wecom,
    "dingtalk": _dingtalk,
    "feishu": _feishu,
    "sms": _sms,
    "console": _console,
}
KINDS: Final = tuple(_BUILDERS)


def build_channel(kind: str, settings: Mapping[str, Any]) -> Channel:
    """Build the channel ``kind`` from ``settings``.

    Raises ``ValueError`` naming the offending key: missing, wrongly typed, or unknown
    (unknown keys are refused because they are usually misspelt required ones).
    """
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"unknown channel kind {kind!r}; expected one of {', '.join(KINDS)}")
    reader = _Settings(kind, settings)
    channel = builder(reader)
    reader.reject_unknown()
    return channel
