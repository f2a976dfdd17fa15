"""HTTP plumbing shared by the webhook and SMS channels.

All HTTP services fail alike at the transport level (timeouts, refused connections, 429,
5xx, HTML error pages from proxies). Classifying that once here leaves each channel with
only what really differs: its payload and the service's own result codes.

Error messages never include the URL: webhook URLs carry the credential (WeCom ``key``,
DingTalk ``access_token``) and errors end up in logs.

Every request carries the message's idempotency key in an ``Idempotency-Key`` header, the same
on every retry, so a receiver that deduplicates (an SMS gateway, a relay in front of a robot)
takes a re-send after a crash as the message it already has. The public robot services ignore
unknown headers; for them a re-send after a crash between hand-over and commit can still show
twice, which is the price of never losing one.
"""

from __future__ import annotations

import email.utils
import functools
import math
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import httpx

from notifiers.base import Receipt, delivery_error

DEFAULT_TIMEOUT: Final = 10.0
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
_SNIPPET_CHARS: Final = 200


@dataclass(frozen=True)
class JsonReply:
    """A service answer that passed the transport-level checks."""

    status: int
    body: dict[str, Any]  # {} when a non-2xx answer carried no JSON object

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def post_json(
    channel: str,
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float,
    idempotency_key: str,
    headers: Mapping[str, str] | None = None,
) -> JsonReply:
    """POST ``payload`` as JSON; raise :class:`DeliveryError` for transport-level failures.

    A fresh client per call: notifications are rare, and it spares callers a lifecycle
    (``close()``) that the :class:`~notifiers.base.Channel` interface does not have.
    """
    try:
        with httpx.Client(
            timeout=httpx.Timeout(timeout), verify=_tls_context(), follow_redirects=False
        ) as client:
            response = client.post(
                url,
                json=dict(payload),
                headers={**(headers or {}), IDEMPOTENCY_HEADER: idempotency_key},
            )
    except httpx.TimeoutException as exc:
        raise delivery_error(channel, "timeout", f"no answer within {timeout:g} s") from exc
    except httpx.ConnectError as exc:
        raise delivery_error(channel, "unreachable", f"cannot connect: {exc}") from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise delivery_error(channel, "rejected", f"unusable URL: {exc}") from exc
    except httpx.TransportError as exc:  # reset mid-answer, protocol violation, ...
        raise delivery_error(channel, "server_error", f"transport failure: {exc}") from exc
    return classify_response(channel, response)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs ~20 ms, and contexts are safe to share."""
    return httpx.create_ssl_context()


def classify_response(channel: str, response: httpx.Response) -> JsonReply:
    """Map status codes every HTTP service shares; return the JSON object otherwise."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status == 429:
        raise delivery_error(
            channel, "rate_limited", f"HTTP 429: {_snippet(response)}", retry_after=retry_after
        )
    if status == 408:
        raise delivery_error(channel, "timeout", "HTTP 408 from the service")
    if status >= 500:
        raise delivery_error(
            channel,
            "server_error",
            f"HTTP {status}: {_snippet(response)}",
            retry_after=retry_after,
        )
    try:
        data: object = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        return JsonReply(status, data)
    if 200 <= status < 300:
        # Typically a proxy or captive portal answering instead of the service.
        raise delivery_error(
            channel, "server_error", f"HTTP {status} without a JSON object: {_snippet(response)}"
        )
    return JsonReply(status, {})


def check_result_code(
    channel: str,
    reply: JsonReply,
    *,
    code_keys: Sequence[str],
    message_keys: Sequence[str],
    meanings: Mapping[int, str],
) -> None:
    """Raise unless the service's own result code says success (0).

    Robot webhooks answer HTTP 200 even for failures and put the verdict in a numeric
    field; ``meanings`` maps the codes that are not plain rejections.
    """
    code = next((reply.body[key] for key in code_keys if key in reply.body), None)
    text = next(
        (str(reply.body[key]) for key in message_keys if reply.body.get(key) is not None), ""
    )
    if not isinstance(code, int) or isinstance(code, bool):
        if reply.ok:
            raise delivery_error(
                channel, "server_error", f"HTTP {reply.status} without a result code"
            )
        raise delivery_error(channel, "rejected", f"HTTP {reply.status}")
    if code == 0:
        if reply.ok:
            return
        raise delivery_error(channel, "rejected", f"HTTP {reply.status}")
    kind = meanings.get(code, "rejected")
    detail = f"{code_keys[0]} {code}" + (f": {text}" if text else "")
    raise delivery_error(channel, kind, detail)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date), else None."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _snippet(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    return text[:_SNIPPET_CHARS] or "(empty body)"


__all__ = [
    "DEFAULT_TIMEOUT",
    "IDEMPOTENCY_HEADER",
    "JsonReply",
    "check_result_code",
    "classify_response",
    "parse_retry_after",
    "post_json",
]


class SignedWebhook:
    """What the signed robot webhooks (DingTalk, Feishu) hold: the URL, the signing secret, a
    timeout, and a clock for the timestamp they sign (injectable for the one-hour window)."""

    def __init__(
        self,
        webhook_url: str,
        secret: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.webhook_url = webhook_url
        self.secret = secret
        self.timeout = timeout
        self._clock = clock


def post_errcode_robot(
    channel: str,
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float,
    idempotency_key: str,
    meanings: Mapping[int, str],
) -> Receipt:
    """Post to a robot that answers ``{"errcode": 0, "errmsg": "ok"}`` (WeCom, DingTalk) and
    raise unless errcode is 0; these robots return no message id."""
    reply = post_json(channel, url, payload, timeout=timeout, idempotency_key=idempotency_key)
    check_result_code(
        channel, reply, code_keys=("errcode",), message_keys=("errmsg",), meanings=meanings
    )
    return Receipt(channel=channel, provider_id=None)
