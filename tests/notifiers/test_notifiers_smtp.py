"""SMTP against aiosmtpd on 127.0.0.1, including its refusals."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from notifiers.base import DeliveryError, Message
from notifiers.smtp import SmtpChannel

if TYPE_CHECKING:
    from conftest import SmtpServer

SENDER = "房安应急平台 <noreply@fangan.example.cn>"
TO = "duty@jianshe.example.cn"


def _channel(
    server: SmtpServer,
    *,
    username: str | None = None,
    password: str | None = None,
    starttls: bool = False,
) -> SmtpChannel:
    return SmtpChannel(server.host, server.port, SENDER, username, password, starttls)


def _send(
    server: SmtpServer,
    message: Message,
    *,
    username: str | None = None,
    password: str | None = None,
    starttls: bool = False,
) -> DeliveryError:
    """Send expecting failure; return the error."""
    channel = _channel(server, username=username, password=password, starttls=starttls)
    with pytest.raises(DeliveryError) as caught:
        channel.send(message)
    return caught.value


def test_multipart_message_with_chinese_subject(
    smtp_server: SmtpServer, notice: Callable[..., Message]
) -> None:
    html = "<p><strong>各成员单位</strong>:立即启动II级响应。</p>"

    receipt = _channel(smtp_server).send(notice(recipient=TO, html=html))

    assert (receipt.channel, receipt.provider_id) == ("smtp", "4QXk3b1zKWz9")
    [mail] = smtp_server.recorder.messages
    assert mail["Subject"] == "【演练】房屋安全突发事件II级响应启动通知"
    assert mail["To"] == TO
    assert mail["From"].addresses[0].display_name == "房安应急平台"
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",))
    rich = mail.get_body(("html",))
    assert plain is not None and rich is not None
    assert "各成员单位" in plain.get_content()
    assert rich.get_content().strip() == html
    assert smtp_server.recorder.envelopes == [("noreply@fangan.example.cn", [TO])]


def test_raw_subject_is_mime_encoded(
    smtp_server: SmtpServer, notice: Callable[..., Message]
) -> None:
    """Headers on the wire stay ASCII so that no relay mangles them."""
    mail = _channel(smtp_server).build(notice(recipient=TO))

    raw = mail.as_bytes()
    assert raw.isascii()
    assert b"=?utf-8?" in raw


def test_message_id_is_stable_per_idempotency_key(
    smtp_server: SmtpServer, notice: Callable[..., Message]
) -> None:
    channel = _channel(smtp_server)

    channel.send(notice(recipient=TO))
    channel.send(notice(recipient=TO))
    channel.send(notice(recipient=TO, idempotency_key="evt-42/notice-2"))

    first, retry, other = (m["Message-ID"] for m in smtp_server.recorder.messages)
    assert first == retry != other
    assert first.endswith("@fangan.example.cn>")


def test_text_only_when_no_html(smtp_server: SmtpServer, notice: Callable[..., Message]) -> None:
    _channel(smtp_server).send(notice(recipient=TO))

    [mail] = smtp_server.recorder.messages
    assert mail.get_content_type() == "text/plain"


@pytest.mark.parametrize(
    ("reply", "code", "retryable"),
    [
        ("451 4.3.0 Mail server temporarily rejected message", "server_error", True),
        ("550 5.7.1 Message rejected as spam", "rejected", False),
    ],
)
def test_data_refusal(
    smtp_server: SmtpServer,
    notice: Callable[..., Message],
    reply: str,
    code: str,
    retryable: bool,
) -> None:
    smtp_server.recorder.data_reply = reply

    error = _send(smtp_server, notice(recipient=TO))

    assert (error.code, error.retryable) == (code, retryable)
    assert reply[:3] in str(error)


def test_unknown_mailbox_is_rejected(
    smtp_server: SmtpServer, notice: Callable[..., Message]
) -> None:
    smtp_server.recorder.rcpt_reply = "550 5.1.1 <nobody@example.cn>: Recipient address rejected"

    error = _send(smtp_server, notice(recipient="nobody@example.cn"))

    assert (error.code, error.retryable) == ("rejected", False)


def test_login_then_send(smtp_server: SmtpServer, notice: Callable[..., Message]) -> None:
    channel = _channel(smtp_server, username=smtp_server.username, password=smtp_server.password)

    channel.send(notice(recipient=TO))

    assert len(smtp_server.recorder.messages) == 1


def test_wrong_password_is_rejected(
    smtp_server: SmtpServer, notice: Callable[..., Message]
) -> None:
    error = _send(
        smtp_server, notice(recipient=TO), username=smtp_server.username, password="guess"
    )

    assert (error.code, error.retryable) == ("rejected", False)
    assert "535" in str(error)
    assert smtp_server.recorder.messages == []


def test_starttls_required_but_not_offered_is_rejected(
    smtp_server: SmtpServer, notice: Callable[..., Message]
) -> None:
    """Never fall back to plain text when TLS was asked for."""
    error = _send(smtp_server, notice(recipient=TO), starttls=True)

    assert (error.code, error.retryable) == ("rejected", False)
    assert smtp_server.recorder.messages == []


def test_closed_port_is_unreachable(closed_port: int, notice: Callable[..., Message]) -> None:
    with pytest.raises(DeliveryError) as caught:
        SmtpChannel("127.0.0.1", closed_port, SENDER).send(notice(recipient=TO))

    assert (caught.value.code, caught.value.retryable) == ("unreachable", True)


def test_silent_server_times_out(mute_server: int, notice: Callable[..., Message]) -> None:
    started = time.monotonic()

    with pytest.raises(DeliveryError) as caught:
        SmtpChannel("127.0.0.1", mute_server, SENDER, timeout=0.2).send(notice(recipient=TO))

    assert (caught.value.code, caught.value.retryable) == ("timeout", True)
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("recipient", ["", "not-an-address", "值班@例子.中国"])
def test_unusable_recipient_is_rejected_locally(
    closed_port: int, notice: Callable[..., Message], recipient: str
) -> None:
    with pytest.raises(DeliveryError) as caught:
        SmtpChannel("127.0.0.1", closed_port, SENDER).send(notice(recipient=recipient))

    assert caught.value.code == "rejected"


def test_idempotency_key_travels_in_a_header_and_a_resend_is_one_mail(
    smtp_server: SmtpServer, notice: Callable[..., Message]
) -> None:
    channel = _channel(smtp_server)

    channel.send(notice(recipient=TO))
    channel.send(notice(recipient=TO))

    assert [m["X-Idempotency-Key"] for m in smtp_server.recorder.messages] == [
        "evt-42/notice-1"
    ] * 2
    assert list(smtp_server.recorder.by_key) == ["evt-42/notice-1"]
