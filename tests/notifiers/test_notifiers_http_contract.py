"""What every HTTP channel must do, checked against each loopback fake in turn.

Transport-level failures look the same whatever the service, so one parametrised suite
keeps the four channels honest without four copies of the same tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from notifiers.base import DeliveryError, Message

if TYPE_CHECKING:
    from conftest import FakeService


def test_success_returns_receipt_and_service_accepts(
    http_service: FakeService, notice: Callable[..., Message]
) -> None:
    channel = http_service.channel()

    receipt = channel.send(notice(recipient=http_service.recipient))

    assert receipt.channel == channel.name
    assert len(http_service.accepted) == 1


@pytest.mark.parametrize(
    ("reply_status", "retry_after"),
    [(500, None), (502, None), (503, 30.0)],
)
def test_http_5xx_is_retryable_server_error(
    http_service: FakeService,
    notice: Callable[..., Message],
    reply_status: int,
    retry_after: float | None,
) -> None:
    headers = {"Retry-After": "30"} if retry_after else {}
    http_service.force_html(reply_status, "Service Unavailable", headers)

    with pytest.raises(DeliveryError) as caught:
        http_service.channel().send(notice(recipient=http_service.recipient))

    assert (caught.value.code, caught.value.retryable) == ("server_error", True)
    assert caught.value.retry_after == retry_after


def test_http_429_is_rate_limited_with_retry_after(
    http_service: FakeService, notice: Callable[..., Message]
) -> None:
    http_service.force_json({"error": "too many"}, 429, {"Retry-After": "12"})

    with pytest.raises(DeliveryError) as caught:
        http_service.channel().send(notice(recipient=http_service.recipient))

    assert (caught.value.code, caught.value.retryable) == ("rate_limited", True)
    assert caught.value.retry_after == 12.0


def test_slow_service_times_out(http_service: FakeService, notice: Callable[..., Message]) -> None:
    http_service.stall = True
    started = time.monotonic()

    with pytest.raises(DeliveryError) as caught:
        http_service.channel(timeout=0.2).send(notice(recipient=http_service.recipient))

    assert (caught.value.code, caught.value.retryable) == ("timeout", True)
    assert time.monotonic() - started < 2.0


def test_closed_port_is_unreachable(
    http_service: FakeService, closed_port: int, notice: Callable[..., Message]
) -> None:
    channel = http_service.channel(url=f"http://127.0.0.1:{closed_port}/hook")

    with pytest.raises(DeliveryError) as caught:
        channel.send(notice(recipient=http_service.recipient))

    assert (caught.value.code, caught.value.retryable) == ("unreachable", True)


def test_non_json_success_is_server_error(
    http_service: FakeService, notice: Callable[..., Message]
) -> None:
    """A 200 with HTML is what a proxy or captive portal sends: nothing was delivered."""
    http_service.force_html(200, "Welcome to the guest Wi-Fi")

    with pytest.raises(DeliveryError) as caught:
        http_service.channel().send(notice(recipient=http_service.recipient))

    assert (caught.value.code, caught.value.retryable) == ("server_error", True)


def test_client_error_page_is_rejected(
    http_service: FakeService, notice: Callable[..., Message]
) -> None:
    http_service.force_html(404, "Not Found")

    with pytest.raises(DeliveryError) as caught:
        http_service.channel().send(notice(recipient=http_service.recipient))

    assert (caught.value.code, caught.value.retryable) == ("rejected", False)
    assert "404" in str(caught.value)


def test_errors_do_not_leak_the_webhook_url(
    http_service: FakeService, notice: Callable[..., Message]
) -> None:
    """Webhook URLs carry the credential, and error messages end up in logs."""
    http_service.force_html(500, "boom")

    with pytest.raises(DeliveryError) as caught:
        http_service.channel().send(notice(recipient=http_service.recipient))

    assert http_service.url not in str(caught.value)
    assert http_service.base_url not in str(caught.value)


def test_idempotency_key_is_sent_and_a_resend_is_taken_once(
    http_service: FakeService, notice: Callable[..., Message]
) -> None:
    """A re-send after a crash between hand-over and commit carries the same key, so a receiver
    that deduplicates delivers the message once."""
    channel = http_service.channel()

    first = channel.send(notice(recipient=http_service.recipient))
    again = channel.send(notice(recipient=http_service.recipient))
    channel.send(notice(recipient=http_service.recipient, idempotency_key="evt-42/notice-2"))

    assert [
        r.headers["idempotency-key"] for r in http_service.requests_with("evt-42/notice-1")
    ] == ["evt-42/notice-1"] * 2
    assert first == again
    assert len(http_service.accepted) == 2
