"""The one interface every delivery channel implements.

The engine only ever sees ``Message`` in, ``Receipt`` out, or ``DeliveryError``: that keeps
retry policy (which needs ``code``/``retryable``/``retry_after``) in the engine and out of
the channels, and lets channels be swapped by configuration alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

__all__ = [
    "ERROR_CODES",
    "RETRYABLE_CODES",
    "Channel",
    "DeliveryError",
    "Message",
    "Receipt",
    "delivery_error",
]

#: Every failure is reduced to one of these so the engine can decide about retries
#: without knowing which service answered.
ERROR_CODES: Final = frozenset(
    {"rate_limited", "bad_signature", "server_error", "timeout", "rejected", "unreachable"}
)
#: Codes where the same message may succeed later without any change on our side.
RETRYABLE_CODES: Final = frozenset({"rate_limited", "server_error", "timeout", "unreachable"})


@dataclass(frozen=True)
class Message:
    """One logical notification; the same ``idempotency_key`` is reused on every retry."""

    subject: str  # e.g. "【演练】房屋安全突发事件II级响应启动通知"
    body: str  # plain text body (markdown acceptable for robot channels)
    # channel-specific address: e-mail address, phone number, or "" for a robot webhook
    # configured per channel
    recipient: str
    # stable per logical message; sent where the service allows (Idempotency-Key header,
    # Message-ID, ...) so that retries do not produce duplicates
    idempotency_key: str
    html: str | None = None  # optional HTML alternative for e-mail


@dataclass(frozen=True)
class Receipt:
    """Proof of hand-over to the service; ``provider_id`` is kept for audits and support."""

    channel: str
    provider_id: str | None  # id the service returned, if any


class DeliveryError(Exception):
    """A failed delivery, classified so the caller can decide whether and when to retry.

    ``code`` is one of :data:`ERROR_CODES`. ``retryable`` is True for ``rate_limited``,
    ``server_error``, ``timeout`` and ``unreachable``; False for ``bad_signature`` and
    ``rejected`` (retrying cannot help until configuration or content changes).
    ``retry_after`` is the delay in seconds the service asked for, if it said so.
    """

    def __init__(
        self,
        channel: str,
        code: str,
        message: str,
        *,
        retryable: bool,
        retry_after: float | None = None,
    ) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown delivery error code {code!r}")
        super().__init__(f"[{channel}] {code}: {message}")
        self.channel = channel
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"DeliveryError(channel={self.channel!r}, code={self.code!r}, "
            f"message={self.message!r}, retryable={self.retryable!r}, "
            f"retry_after={self.retry_after!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments break the default exception pickling; job queues need it.
        return (
            _rebuild_delivery_error,
            (self.channel, self.code, self.message, self.retryable, self.retry_after),
        )


def _rebuild_delivery_error(
    channel: str, code: str, message: str, retryable: bool, retry_after: float | None
) -> DeliveryError:
    return DeliveryError(channel, code, message, retryable=retryable, retry_after=retry_after)


class Channel(Protocol):
    """A delivery channel. ``send`` raises :class:`DeliveryError` on any failure."""

    name: str

    def send(self, message: Message) -> Receipt: ...


def delivery_error(
    channel: str, code: str, message: str, *, retry_after: float | None = None
) -> DeliveryError:
    """Build a :class:`DeliveryError` whose ``retryable`` follows from ``code``.

    Channels use this so the retry classification lives in one table, not in every module.
    """
    return DeliveryError(
        channel, code, message, retryable=code in RETRYABLE_CODES, retry_after=retry_after
    )
