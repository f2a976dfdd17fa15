"""Channel for a generic HTTP SMS gateway (bearer token, JSON in, JSON out).

Contract: ``POST {"to", "text", "sender"}`` with ``Authorization: Bearer <api_key>`` and
``Idempotency-Key``; 2xx with ``{"id": ...}`` means accepted; 401/403 a bad key; 429 a
rate limit (``Retry-After`` honoured); 5xx a gateway failure. Most commercial gateways can
be fronted by this contract with a thin adapter, which keeps vendor specifics out of the
engine.
"""

from __future__ import annotations

from typing import Any, Final

from notifiers._http import DEFAULT_TIMEOUT, post_json
from notifiers.base import Message, Receipt, delivery_error

#: Long-SMS concatenation tops out around here on Chinese carriers (70 chars per segment).
DEFAULT_MAX_LENGTH: Final = 500
_ELLIPSIS: Final = "…"


class HttpSmsGatewayChannel:
    """Sends ``subject`` + ``body`` as one SMS to ``Message.recipient`` (a phone number)."""

    name = "sms"

    def __init__(
        self,
        url: str,
        api_key: str,
        sender_id: str,
        *,
        max_length: int = DEFAULT_MAX_LENGTH,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if max_length < 2:
            raise ValueError("max_length must be at least 2")
        self.url = url
        self.api_key = api_key
        self.sender_id = sender_id
        self.max_length = max_length
        self.timeout = timeout

    def send(self, message: Message) -> Receipt:
        if not message.recipient.strip():
            raise delivery_error(self.name, "rejected", "no phone number in recipient")
        reply = post_json(
            self.name,
            self.url,
            self.payload(message),
            timeout=self.timeout,
            idempotency_key=message.idempotency_key,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
        if not reply.ok:
            error = reply.body.get("error") or reply.body.get("message") or ""
            detail = f"HTTP {reply.status}" + (f": {error}" if error else "")
            raise delivery_error(self.name, "rejected", detail)
        provider_id = reply.body.get("id")
        if provider_id is None or provider_id == "":
            raise delivery_error(self.name, "server_error", "accepted without a message id")
        return Receipt(channel=self.name, provider_id=str(provider_id))

    def payload(self, message: Message) -> dict[str, Any]:
        """The request body; the text is cut to ``max_length`` characters."""
        return {
            "to": message.recipient.strip(),
            "text": self.sms_text(message),
            "sender": self.sender_id,
        }

    def sms_text(self, message: Message) -> str:
        text = f"{message.subject}\n{message.body}".strip()
        if len(text) <= self.max_length:
            return text
        return text[: self.max_length - len(_ELLIPSIS)].rstrip() + _ELLIPSIS
