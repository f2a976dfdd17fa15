"""企业微信群机器人 (WeCom group robot) webhook channel.

The robot has no signing: the ``key`` query parameter in the webhook URL is the credential.
The service answers HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}`` on success and a
non-zero ``errcode`` otherwise (45009: frequency limit, 20 messages/minute per robot).
"""

from __future__ import annotations

from typing import Any, Final, Literal

from notifiers._http import DEFAULT_TIMEOUT, post_errcode_robot
from notifiers.base import Message, Receipt

# The service caps content in UTF-8 bytes; over-long content is refused outright, and a
# shortened emergency notice beats none at all.
MAX_CONTENT_BYTES: Final = {"markdown": 4096, "text": 2048}
_MEANINGS: Final = {
    -1: "server_error",  # "system busy"
    45009: "rate_limited",  # "api freq out of limit"
    45033: "rate_limited",  # "api concurrent out of limit"
}
_ELLIPSIS: Final = "…"


class WeComRobotChannel:
    """Posts to one WeCom group; ``Message.recipient`` is ignored (the URL picks the group)."""

    name = "wecom"

    def __init__(
        self,
        webhook_url: str,
        *,
        msgtype: Literal["markdown", "text"] = "markdown",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.webhook_url = webhook_url
        self.msgtype = msgtype
        self.timeout = timeout

    def send(self, message: Message) -> Receipt:
        return post_errcode_robot(
            self.name,
            self.webhook_url,
            self.payload(message),
            timeout=self.timeout,
            meanings=_MEANINGS,
            idempotency_key=message.idempotency_key,
        )

    def payload(self, message: Message) -> dict[str, Any]:
        """The request body; public so previews can show exactly what will be sent."""
        if self.msgtype == "markdown":
            content = f"**{message.subject}**\n{message.body}"
        else:
            content = f"{message.subject}\n{message.body}"
        content = truncate_utf8(content, MAX_CONTENT_BYTES[self.msgtype])
        return {"msgtype": self.msgtype, self.msgtype: {"content": content}}


def truncate_utf8(text: str, max_bytes: int) -> str:
    """Cut ``text`` to at most ``max_bytes`` UTF-8 bytes without splitting a character."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    budget = max_bytes - len(_ELLIPSIS.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + _ELLIPSIS
