"""build_channel: the right channel for each kind, and clear errors for bad config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from notifiers import build_channel
from notifiers.base import Message
from notifiers.console import ConsoleChannel
from notifiers.dingtalk import DingTalkRobotChannel
from notifiers.feishu import FeishuBotChannel
from notifiers.sms import HttpSmsGatewayChannel
from notifiers.smtp import SmtpChannel
from notifiers.wecom import WeComRobotChannel

HOOK = "https://hooks.example.cn/robot/send?access_token=t"
VALID: dict[str, tuple[dict[str, Any], type]] = {
    "smtp": (
        {
            "host": "smtp.example.cn",
            "port": 587,
            "sender": "房安 <noreply@example.cn>",
            "username": "noreply",
            "password": "pw",
            "starttls": True,
            "timeout": 5,
        },
        SmtpChannel,
    ),
    "wecom": ({"webhook_url": HOOK, "msgtype": "text"}, WeComRobotChannel),
    "dingtalk": ({"webhook_url": HOOK, "secret": "SECabc"}, DingTalkRobotChannel),
    "feishu": ({"webhook_url": HOOK, "secret": "abc", "timeout": 2.5}, FeishuBotChannel),
    "sms": (
        {"url": HOOK, "api_key": "k", "sender_id": "FANGAN", "max_length": 140},
        HttpSmsGatewayChannel,
    ),
    "console": ({}, ConsoleChannel),
}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_builds_each_kind(kind: str) -> None:
    settings, expected = VALID[kind]

    channel = build_channel(kind, settings)

    assert isinstance(channel, expected)
    assert channel.name == kind


def test_settings_reach_the_channel() -> None:
    channel = build_channel("smtp", VALID["smtp"][0])

    assert isinstance(channel, SmtpChannel)
    assert (channel.port, channel.starttls, channel.timeout) == (587, True, 5.0)


def test_console_from_config_writes_to_path(tmp_path: Path, notice: Callable[..., Message]) -> None:
    outbox = tmp_path / "outbox.jsonl"

    build_channel("console", {"path": str(outbox)}).send(notice())

    assert outbox.read_text(encoding="utf-8").count("\n") == 1


def _without(kind: str, key: str) -> dict[str, Any]:
    return {k: v for k, v in VALID[kind][0].items() if k != key}


def _with(kind: str, **changes: Any) -> dict[str, Any]:
    return {**VALID[kind][0], **changes}


@pytest.mark.parametrize(
    ("kind", "settings", "key"),
    [
        ("smtp", _without("smtp", "host"), "host"),
        ("smtp", _without("smtp", "port"), "port"),
        ("smtp", _without("smtp", "sender"), "sender"),
        ("smtp", _without("smtp", "password"), "password"),
        ("smtp", _with("smtp", port="587"), "port"),
        ("smtp", _with("smtp", port=70000), "port"),
        ("smtp", _with("smtp", starttls="yes"), "starttls"),
        ("smtp", _with("smtp", timeout=0), "timeout"),
        ("wecom", {}, "webhook_url"),
        ("wecom", {"webhook_url": "qyapi.weixin.qq.com/cgi-bin/webhook"}, "webhook_url"),
        ("wecom", _with("wecom", msgtype="news"), "msgtype"),
        ("dingtalk", _without("dingtalk", "secret"), "secret"),
        ("dingtalk", _with("dingtalk", secret=""), "secret"),
        ("feishu", _without("feishu", "webhook_url"), "webhook_url"),
        ("feishu", _with("feishu", timeout=True), "timeout"),
        ("sms", _without("sms", "api_key"), "api_key"),
        ("sms", _without("sms", "sender_id"), "sender_id"),
        ("sms", _with("sms", url="ftp://gw.example.cn/send"), "url"),
        ("sms", _with("sms", max_length=1), "max_length"),
        ("console", {"path": 42}, "path"),
        ("dingtalk", _with("dingtalk", webhook="typo"), "webhook"),
    ],
)
def test_bad_settings_name_the_key(kind: str, settings: dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=f"'{key}'"):
        build_channel(kind, settings)


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match=r"'telegram'.*smtp, wecom, dingtalk, feishu, sms, console"
    ):
        build_channel("telegram", {})
