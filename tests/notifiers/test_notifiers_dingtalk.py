"""DingTalk custom robot with 加签: the fake verifies the signature DingTalk's way."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from notifiers.base import DeliveryError, Message
from notifiers.dingtalk import DingTalkRobotChannel, dingtalk_sign

if TYPE_CHECKING:
    from conftest import DingTalkService


def test_signed_markdown_message_is_accepted(
    dingtalk: DingTalkService, notice: Callable[..., Message]
) -> None:
    receipt = DingTalkRobotChannel(dingtalk.url, dingtalk.secret).send(notice())

    assert receipt.channel == "dingtalk"
    [request] = dingtalk.requests
    assert request.query["access_token"] == [dingtalk.access_token]  # kept, not replaced
    assert abs(int(request.query["timestamp"][0]) - time.time() * 1000) < 60_000
    [body] = dingtalk.accepted
    assert body["markdown"]["title"] == notice().subject
    assert body["markdown"]["text"].startswith(f"#### {notice().subject}\n\n各成员单位")


def test_signature_with_url_special_characters_survives(
    dingtalk: DingTalkService, notice: Callable[..., Message]
) -> None:
    """'+', '/' and '=' in the base64 signature must be percent-encoded in the query."""
    now_ms = int(time.time() * 1000)
    stamp = next(
        t for t in range(now_ms, now_ms + 10_000) if "+" in dingtalk_sign(dingtalk.secret, t)
    )
    channel = DingTalkRobotChannel(dingtalk.url, dingtalk.secret, clock=lambda: stamp / 1000)

    channel.send(notice())

    assert len(dingtalk.accepted) == 1
    assert "%2B" in channel.signed_url()


def test_wrong_secret_is_bad_signature(
    dingtalk: DingTalkService, notice: Callable[..., Message]
) -> None:
    channel = DingTalkRobotChannel(dingtalk.url, "SECnot-the-right-one")

    with pytest.raises(DeliveryError) as caught:
        channel.send(notice())

    assert (caught.value.code, caught.value.retryable) == ("bad_signature", False)
    assert "310000" in str(caught.value)
    assert dingtalk.accepted == []


def test_stale_timestamp_is_bad_signature(
    dingtalk: DingTalkService, notice: Callable[..., Message]
) -> None:
    """DingTalk refuses signatures older than one hour (e.g. a drifting server clock)."""
    two_hours_ago = time.time() - 7200
    channel = DingTalkRobotChannel(dingtalk.url, dingtalk.secret, clock=lambda: two_hours_ago)

    with pytest.raises(DeliveryError) as caught:
        channel.send(notice())

    assert caught.value.code == "bad_signature"


def test_frequency_limit_errcode_is_rate_limited(
    dingtalk: DingTalkService, notice: Callable[..., Message]
) -> None:
    dingtalk.quota = 0

    with pytest.raises(DeliveryError) as caught:
        DingTalkRobotChannel(dingtalk.url, dingtalk.secret).send(notice())

    assert (caught.value.code, caught.value.retryable) == ("rate_limited", True)
    assert "130101" in str(caught.value)


def test_unknown_token_is_rejected(
    dingtalk: DingTalkService, notice: Callable[..., Message]
) -> None:
    url = dingtalk.url.replace(dingtalk.access_token, "deleted-robot")

    with pytest.raises(DeliveryError) as caught:
        DingTalkRobotChannel(url, dingtalk.secret).send(notice())

    assert (caught.value.code, caught.value.retryable) == ("rejected", False)


@pytest.mark.parametrize(
    "webhook",
    ["http://h/robot/send?access_token=t", "http://h/robot/send?access_token=t&", "http://h/s"],
)
def test_signed_url_appends_to_any_query(webhook: str) -> None:
    url = DingTalkRobotChannel(webhook, "s", clock=lambda: 1.5).signed_url()

    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["timestamp"] == ["1500"]
    assert query["sign"] == [dingtalk_sign("s", 1500)]
    assert "&&" not in url
