"""钉钉自定义机器人 (DingTalk custom robot) webhook channel with 加签 (signing).

Signing, as documented by DingTalk: ``timestamp`` in milliseconds and
``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``,
both appended to the webhook URL as query parameters. The service answers HTTP 200 with
``{"errcode": 0, "errmsg": "ok"}``; 310000 is a security-setting failure (signature,
timestamp older than one hour, keyword or IP whitelist), 130101 the frequency limit
(20 messages/minute per robot).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from typing import Any, Final

from notifiers._http import SignedWebhook, post_errcode_robot
from notifiers.base import Message, Receipt

_MEANINGS: Final = {
    -1: "server_error",  # "系统繁忙"
    310000: "bad_signature",
    130101: "rate_limited",  # "send too fast, exceed 20 times per minute"
}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The base64 signature (before URL encoding) for ``timestamp_ms``."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


class DingTalkRobotChannel(SignedWebhook):
    """Posts markdown to one DingTalk group; ``Message.recipient`` is ignored."""

    name = "dingtalk"

    def send(self, message: Message) -> Receipt:
        return post_errcode_robot(
            self.name,
            self.signed_url(),
            self.payload(message),
            timeout=self.timeout,
            meanings=_MEANINGS,
            idempotency_key=message.idempotency_key,
        )

    def signed_url(self) -> str:
        """The webhook URL with ``timestamp`` and ``sign`` appended to its query.

        Built by hand: passing ``params=`` to httpx would replace the ``access_token``
        already in the query instead of adding to it.
        """
        timestamp = int(self._clock() * 1000)
        sign = urllib.parse.quote_plus(dingtalk_sign(self.secret, timestamp))
        separator = "&" if urllib.parse.urlsplit(self.webhook_url).query else "?"
        base = self.webhook_url.rstrip("?&")
        return f"{base}{separator}timestamp={timestamp}&sign={sign}"

    @staticmethod
    def payload(message: Message) -> dict[str, Any]:
        """The request body; the title is what the phone notification shows."""
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": message.subject,
                "text": f"#### {message.subject}\n\n{message.body}",
            },
        }
