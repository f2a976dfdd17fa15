"""飞书/Lark custom bot webhook channel with signature verification.

Feishu signs differently from DingTalk: the timestamp is in *seconds*, the string
``f"{timestamp}\\n{secret}"`` is the HMAC-SHA256 *key* and the message is empty, and
``timestamp``/``sign`` travel in the JSON body rather than the URL. The service answers
``{"code": 0, "msg": "success", "data": {}}`` (older deployments:
``{"StatusCode": 0, "StatusMessage": "success"}``); 19021 is a signature or timestamp
failure, 11232 the frequency limit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Final

from notifiers._http import SignedWebhook, check_result_code, post_json
from notifiers.base import Message, Receipt

_MEANINGS: Final = {
    19021: "bad_signature",  # "sign match fail or timestamp is not within one hour ..."
    11232: "rate_limited",  # "frequency limited"
}


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """The base64 signature for ``timestamp_s`` (seconds)."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class FeishuBotChannel(SignedWebhook):
    """Posts a text message to one Feishu group; ``Message.recipient`` is ignored."""

    name = "feishu"

    def send(self, message: Message) -> Receipt:
        reply = post_json(
            self.name,
            self.webhook_url,
            self.payload(message),
            timeout=self.timeout,
            idempotency_key=message.idempotency_key,
        )
        check_result_code(
            self.name,
            reply,
            code_keys=("code", "StatusCode"),
            message_keys=("msg", "StatusMessage"),
            meanings=_MEANINGS,
        )
        return Receipt(channel=self.name, provider_id=None)  # the bot returns no id

    def payload(self, message: Message) -> dict[str, Any]:
        """The signed request body; a new timestamp and signature on every call."""
        timestamp = int(self._clock())
        return {
            "timestamp": str(timestamp),
            "sign": feishu_sign(self.secret, timestamp),
            "msg_type": "text",
            "content": {"text": f"{message.subject}\n{message.body}"},
        }
