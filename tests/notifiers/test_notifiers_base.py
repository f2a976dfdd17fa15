"""The shared interface: error classification and Retry-After parsing."""

from __future__ import annotations

import dataclasses
import email.utils
import pickle
import time

import pytest

from notifiers._http import parse_retry_after
from notifiers.base import ERROR_CODES, RETRYABLE_CODES, DeliveryError, Message, delivery_error


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_retryable_follows_the_code(code: str) -> None:
    error = delivery_error("wecom", code, "details", retry_after=3.0)

    assert error.retryable is (code in {"rate_limited", "server_error", "timeout", "unreachable"})
    assert (error.channel, error.code, error.retry_after) == ("wecom", code, 3.0)
    assert str(error) == f"[wecom] {code}: details"


def test_retryable_codes_are_error_codes() -> None:
    assert RETRYABLE_CODES < ERROR_CODES


def test_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="'oops'"):
        DeliveryError("sms", "oops", "x", retryable=False)


def test_delivery_error_survives_pickling() -> None:
    """Job queues pickle exceptions; keyword-only arguments would otherwise break that."""
    error = DeliveryError("sms", "rate_limited", "slow down", retryable=True, retry_after=7.0)

    copy = pickle.loads(pickle.dumps(error))

    assert repr(copy) == repr(error)


def test_message_is_immutable() -> None:
    message = Message(subject="s", body="b", recipient="", idempotency_key="k")

    with pytest.raises(dataclasses.FrozenInstanceError):
        message.subject = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, None), ("", None), ("120", 120.0), (" 1.5 ", 1.5), ("-4", 0.0), ("soon", None)],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_http_date() -> None:
    header = email.utils.formatdate(time.time() + 90, usegmt=True)

    seconds = parse_retry_after(header)

    assert seconds is not None
    assert 85 <= seconds <= 91
