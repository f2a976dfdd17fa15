"""Feishu custom bot: seconds, key=timestamp+secret, signature in the body."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from notifiers.base import DeliveryError, Message
from notifiers.feishu import FeishuBotChannel

if TYPE_CHECKING:
    from conftest import FeishuService


def test_signed_text_message_is_accepted(
    feishu: FeishuService, notice: Callable[..., Message]
) -> None:
    receipt = FeishuBotChannel(feishu.url, feishu.secret).send(notice())

    assert receipt.channel == "feishu"
    [body] = feishu.accepted
    assert body["msg_type"] == "text"
    assert body["content"] == {"text": f"{notice().subject}\n{notice().body}"}
    assert isinstance(body["timestamp"], str)
    assert abs(int(body["timestamp"]) - time.time()) < 60  # seconds, not milliseconds


def test_wrong_secret_is_bad_signature(
    feishu: FeishuService, notice: Callable[..., Message]
) -> None:
    with pytest.raises(DeliveryError) as caught:
        FeishuBotChannel(feishu.url, "not-the-secret").send(notice())

    assert (caught.value.code, caught.value.retryable) == ("bad_signature", False)
    assert "19021" in str(caught.value)
    assert feishu.accepted == []


def test_stale_timestamp_is_bad_signature(
    feishu: FeishuService, notice: Callable[..., Message]
) -> None:
    two_hours_ago = time.time() - 7200
    channel = FeishuBotChannel(feishu.url, feishu.secret, clock=lambda: two_hours_ago)

    with pytest.raises(DeliveryError) as caught:
        channel.send(notice())

    assert caught.value.code == "bad_signature"


def test_frequency_limit_code_is_rate_limited(
    feishu: FeishuService, notice: Callable[..., Message]
) -> None:
    feishu.quota = 0

    with pytest.raises(DeliveryError) as caught:
        FeishuBotChannel(feishu.url, feishu.secret).send(notice())

    assert (caught.value.code, caught.value.retryable) == ("rate_limited", True)
    assert "11232" in str(caught.value)


def test_legacy_status_code_answer_is_understood(
    feishu: FeishuService, notice: Callable[..., Message]
) -> None:
    """Older Feishu deployments answer with StatusCode/StatusMessage instead of code/msg."""
    feishu.force_json({"Extra": None, "StatusCode": 0, "StatusMessage": "success"})

    receipt = FeishuBotChannel(feishu.url, feishu.secret).send(notice())

    assert receipt.channel == "feishu"


def test_unknown_hook_is_rejected(feishu: FeishuService, notice: Callable[..., Message]) -> None:
    url = feishu.url.replace(feishu.hook, "deleted-bot")

    with pytest.raises(DeliveryError) as caught:
        FeishuBotChannel(url, feishu.secret).send(notice())

    assert (caught.value.code, caught.value.retryable) == ("rejected", False)
