"""WeCom group robot: payload shape and the service's own errcode answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from notifiers.base import DeliveryError, Message
from notifiers.wecom import WeComRobotChannel

if TYPE_CHECKING:
    from conftest import WeComService


def test_markdown_message_reaches_the_group(
    wecom: WeComService, notice: Callable[..., Message]
) -> None:
    receipt = WeComRobotChannel(wecom.url).send(notice())

    assert receipt.channel == "wecom"
    assert receipt.provider_id is None
    [body] = wecom.accepted
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["content"].startswith("**【演练】房屋安全突发事件II级响应启动通知**\n")
    assert "各成员单位" in body["markdown"]["content"]


def test_text_msgtype(wecom: WeComService, notice: Callable[..., Message]) -> None:
    WeComRobotChannel(wecom.url, msgtype="text").send(notice())

    [body] = wecom.accepted
    assert body == {"msgtype": "text", "text": {"content": f"{notice().subject}\n{notice().body}"}}


@pytest.mark.parametrize(("msgtype", "limit"), [("markdown", 4096), ("text", 2048)])
def test_overlong_content_is_cut_to_the_byte_limit_and_accepted(
    wecom: WeComService, notice: Callable[..., Message], msgtype: str, limit: int
) -> None:
    channel = WeComRobotChannel(wecom.url, msgtype="text" if msgtype == "text" else "markdown")

    channel.send(notice(body="险情" * 3000))

    content = wecom.accepted[0][msgtype]["content"]
    assert len(content.encode()) <= limit
    assert content.endswith("…")


def test_wrong_key_is_rejected(wecom: WeComService, notice: Callable[..., Message]) -> None:
    channel = WeComRobotChannel(wecom.url.replace(wecom.key, "revoked-key"))

    with pytest.raises(DeliveryError) as caught:
        channel.send(notice())

    assert (caught.value.code, caught.value.retryable) == ("rejected", False)
    assert "93000" in str(caught.value)


def test_frequency_limit_errcode_is_rate_limited(
    wecom: WeComService, notice: Callable[..., Message]
) -> None:
    wecom.quota = 1
    channel = WeComRobotChannel(wecom.url)
    channel.send(notice())

    with pytest.raises(DeliveryError) as caught:
        channel.send(notice(idempotency_key="evt-42/notice-2"))

    assert (caught.value.code, caught.value.retryable) == ("rate_limited", True)
    assert "45009" in str(caught.value)


def test_system_busy_is_retryable(wecom: WeComService, notice: Callable[..., Message]) -> None:
    wecom.force_json({"errcode": -1, "errmsg": "system busy"})

    with pytest.raises(DeliveryError) as caught:
        WeComRobotChannel(wecom.url).send(notice())

    assert (caught.value.code, caught.value.retryable) == ("server_error", True)


def test_json_without_errcode_is_server_error(
    wecom: WeComService, notice: Callable[..., Message]
) -> None:
    wecom.force_json({"hello": "world"})

    with pytest.raises(DeliveryError) as caught:
        WeComRobotChannel(wecom.url).send(notice())

    assert caught.value.code == "server_error"
