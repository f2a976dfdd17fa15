"""Generic HTTP SMS gateway: auth, idempotency, Retry-After, trimming."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from notifiers.base import DeliveryError, Message
from notifiers.sms import HttpSmsGatewayChannel

if TYPE_CHECKING:
    from conftest import SmsGatewayService

PHONE = "+8613800138000"


def _channel(gateway: SmsGatewayService, **options: int) -> HttpSmsGatewayChannel:
    return HttpSmsGatewayChannel(gateway.url, gateway.api_key, "FANGAN", **options)


def test_success_returns_gateway_id(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    receipt = _channel(sms_gateway).send(notice(recipient=PHONE))

    assert (receipt.channel, receipt.provider_id) == ("sms", "SM000001")
    [request] = sms_gateway.requests
    assert request.headers["authorization"] == f"Bearer {sms_gateway.api_key}"
    assert request.headers["idempotency-key"] == "evt-42/notice-1"
    assert request.json() == {
        "to": PHONE,
        "text": f"{notice().subject}\n{notice().body}",
        "sender": "FANGAN",
    }


def test_retry_with_same_key_is_not_sent_twice(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    channel = _channel(sms_gateway)

    first = channel.send(notice(recipient=PHONE))
    again = channel.send(notice(recipient=PHONE))
    other = channel.send(notice(recipient=PHONE, idempotency_key="evt-42/notice-2"))

    assert first.provider_id == again.provider_id != other.provider_id
    assert len(sms_gateway.accepted) == 2


def test_text_is_trimmed_to_max_length(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    _channel(sms_gateway, max_length=70).send(notice(recipient=PHONE))

    [body] = sms_gateway.accepted
    assert len(body["text"]) == 70
    assert body["text"].startswith(notice().subject)
    assert body["text"].endswith("…")


def test_bad_api_key_is_rejected(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    channel = HttpSmsGatewayChannel(sms_gateway.url, "sk_revoked", "FANGAN")

    with pytest.raises(DeliveryError) as caught:
        channel.send(notice(recipient=PHONE))

    assert (caught.value.code, caught.value.retryable) == ("rejected", False)
    assert "401" in str(caught.value)
    assert "invalid api key" in str(caught.value)


def test_rate_limit_honours_retry_after(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    sms_gateway.quota = 0

    with pytest.raises(DeliveryError) as caught:
        _channel(sms_gateway).send(notice(recipient=PHONE))

    assert (caught.value.code, caught.value.retryable) == ("rate_limited", True)
    assert caught.value.retry_after == 7.0


def test_unavailable_gateway_is_server_error(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    sms_gateway.force_json({"error": "maintenance"}, 503)

    with pytest.raises(DeliveryError) as caught:
        _channel(sms_gateway).send(notice(recipient=PHONE))

    assert (caught.value.code, caught.value.retryable) == ("server_error", True)


def test_forbidden_is_rejected(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    sms_gateway.force_json({"error": "sender id FANGAN not approved"}, 403)

    with pytest.raises(DeliveryError) as caught:
        _channel(sms_gateway).send(notice(recipient=PHONE))

    assert (caught.value.code, caught.value.retryable) == ("rejected", False)
    assert "not approved" in str(caught.value)


def test_invalid_number_is_rejected(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    with pytest.raises(DeliveryError) as caught:
        _channel(sms_gateway).send(notice(recipient="值班室"))

    assert (caught.value.code, caught.value.retryable) == ("rejected", False)
    assert "422" in str(caught.value)


def test_missing_number_is_rejected_without_calling_the_gateway(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    with pytest.raises(DeliveryError) as caught:
        _channel(sms_gateway).send(notice(recipient="  "))

    assert caught.value.code == "rejected"
    assert sms_gateway.requests == []


def test_accepted_without_id_is_server_error(
    sms_gateway: SmsGatewayService, notice: Callable[..., Message]
) -> None:
    sms_gateway.force_json({"status": "queued"}, 202)

    with pytest.raises(DeliveryError) as caught:
        _channel(sms_gateway).send(notice(recipient=PHONE))

    assert caught.value.code == "server_error"
