"""Delivery channels (e-mail, WeCom, DingTalk, Feishu, SMS, console) behind one interface.

Usage::

    channel = build_channel("dingtalk", {"webhook_url": ..., "secret": ...})
    try:
        receipt = channel.send(Message(subject=..., body=..., recipient="", idempotency_key=k))
    except DeliveryError as exc:
        if exc.retryable: ...  # schedule again after exc.retry_after or a backoff
"""

from notifiers.base import (
    ERROR_CODES,
    RETRYABLE_CODES,
    Channel,
    DeliveryError,
    Message,
    Receipt,
)
from notifiers.registry import KINDS, build_channel

__all__ = [
    "ERROR_CODES",
    "KINDS",
    "RETRYABLE_CODES",
    "Channel",
    "DeliveryError",
    "Message",
    "Receipt",
    "build_channel",
]
