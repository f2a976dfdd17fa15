"""Loopback stand-ins for the services the notifiers talk to.

Each fake answers like the real service and checks what the real service checks (the
signature with the service's documented algorithm, computed here independently of
``notifiers``), so the channel tests exercise real HTTP/SMTP on 127.0.0.1 only.

Failure injection shared by every HTTP fake:
- ``quota``: messages accepted before the service's own rate-limit answer;
- ``forced``: a canned answer for every request (an HTTP 500 page, a proxy's HTML, ...);
- ``stall``: hold the request until the test ends, so the client's timeout fires.

Every fake is also a receiver that deduplicates: it refuses a message without the idempotency
key (HTTP ``Idempotency-Key``; SMTP ``Message-ID`` and ``X-Idempotency-Key``) and takes a re-send
of a key it already accepted as that message again, answering as it did the first time.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from notifiers.base import Channel, Message
from notifiers.dingtalk import DingTalkRobotChannel
from notifiers.feishu import FeishuBotChannel
from notifiers.sms import HttpSmsGatewayChannel
from notifiers.wecom import WeComRobotChannel

SUBJECT = "【演练】房屋安全突发事件II级响应启动通知"
BODY = (
    "各成员单位:\n"
    "经研判,XX区XX街道XX小区3号楼出现结构性裂缝,现启动房屋安全突发事件II级响应。\n"
    "请各单位负责人于30分钟内到指挥部报到。\n"
    "—— 市房屋安全应急指挥部"
)
ONE_HOUR = 3600
STALL_LIMIT = 5.0  # a stalled handler gives up on its own even if teardown never comes


# --------------------------------------------------------------------------- HTTP fakes


@dataclass(frozen=True)
class Recorded:
    """One request as the fake service saw it."""

    path: str
    query: dict[str, list[str]]  # already percent-decoded, as a real server sees it
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    payload = json.dumps(data, ensure_ascii=False).encode()
    return Reply(status, payload, {"Content-Type": "application/json", **(headers or {})})


def html_reply(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    page = f"<html><body><h1>{status} {text}</h1></body></html>".encode()
    return Reply(status, page, {"Content-Type": "text/html", **(headers or {})})


class FakeService:
    """Base of the HTTP fakes: records requests and applies the shared failure injection."""

    recipient = ""  # what Message.recipient holds for this kind of channel

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.accepted: list[Any] = []  # request bodies the service took on
        self.quota: int | None = None
        self.forced: Reply | None = None
        self.stall = False
        self.release = threading.Event()
        self.base_url = ""  # set once served
        self.replies_by_key: dict[str, Reply] = {}  # what each accepted message was answered

    @property
    def url(self) -> str:
        """The address a correctly configured channel posts to."""
        raise NotImplementedError

    def connect(self, url: str, timeout: float) -> Channel:
        """A channel configured with this service's credentials."""
        raise NotImplementedError

    def channel(self, *, timeout: float = 2.0, url: str | None = None) -> Channel:
        return self.connect(self.url if url is None else url, timeout)

    def respond(self, request: Recorded) -> Reply | None:
        self.requests.append(request)
        if self.stall:
            self.release.wait(STALL_LIMIT)
            return None
        if self.forced is not None:
            return self.forced
        key = request.headers.get("idempotency-key", "")
        if not key:
            return json_reply({"error": "Idempotency-Key header required"}, status=400)
        if key in self.replies_by_key:  # a re-send of a message already taken on
            return self.replies_by_key[key]
        taken = len(self.accepted)
        reply = self.handle(request)
        if len(self.accepted) > taken:
            self.replies_by_key[key] = reply
        return reply

    def requests_with(self, key: str) -> list[Recorded]:
        """Every request that carried idempotency key `key` (re-sends included)."""
        return [r for r in self.requests if r.headers.get("idempotency-key") == key]

    def handle(self, request: Recorded) -> Reply:
        raise NotImplementedError

    def force_html(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        """From now on answer every request with an HTML page (proxy, crash page, ...)."""
        self.forced = html_reply(status, text, headers)

    def force_json(
        self, data: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        """From now on answer every request with this JSON document."""
        self.forced = json_reply(data, status, headers)

    def within_quota(self) -> bool:
        return self.quota is None or len(self.accepted) < self.quota


class WeComService(FakeService):
    """企业微信群机器人: credential is the ``key`` query parameter; no signing."""

    LIMITS: ClassVar[dict[str, int]] = {"markdown": 4096, "text": 2048}

    def __init__(self, key: str = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa") -> None:
        super().__init__()
        self.key = key

    @property
    def url(self) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key={self.key}"

    def connect(self, url: str, timeout: float) -> Channel:
        return WeComRobotChannel(url, timeout=timeout)

    def handle(self, request: Recorded) -> Reply:
        if request.path != "/cgi-bin/webhook/send" or request.query.get("key") != [self.key]:
            return json_reply({"errcode": 93000, "errmsg": "invalid webhook url, hint: [x]"})
        body = request.json()
        msgtype = body.get("msgtype")
        content = body.get(msgtype, {}).get("content") if msgtype in self.LIMITS else None
        if not isinstance(content, str) or not content:
            return json_reply({"errcode": 40008, "errmsg": "invalid message type"})
        if len(content.encode()) > self.LIMITS[msgtype]:
            limit = self.LIMITS[msgtype]
            return json_reply(
                {"errcode": 40058, "errmsg": f"{msgtype}.content exceed max length {limit}"}
            )
        if not self.within_quota():
            return json_reply({"errcode": 45009, "errmsg": "api freq out of limit"})
        self.accepted.append(body)
        return json_reply({"errcode": 0, "errmsg": "ok"})


def dingtalk_expected_sign(secret: str, timestamp: str) -> str:
    """DingTalk's documented algorithm, written out independently of the channel code."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


class DingTalkService(FakeService):
    """钉钉自定义机器人 with 加签: ``timestamp`` (ms) and ``sign`` in the query string."""

    def __init__(self, access_token: str = "a1b2c3d4", secret: str = "SEC0123456789abcdef") -> None:
        super().__init__()
        self.access_token = access_token
        self.secret = secret

    @property
    def url(self) -> str:
        return f"{self.base_url}/robot/send?access_token={self.access_token}"

    def connect(self, url: str, timeout: float) -> Channel:
        return DingTalkRobotChannel(url, self.secret, timeout=timeout)

    def handle(self, request: Recorded) -> Reply:
        if request.query.get("access_token") != [self.access_token]:
            return json_reply({"errcode": 300001, "errmsg": "token is not exist"})
        timestamp = request.query.get("timestamp", [""])[0]
        sign = request.query.get("sign", [""])[0]
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > ONE_HOUR * 1000:
            return json_reply({"errcode": 310000, "errmsg": "invalid timestamp"})
        if not hmac.compare_digest(sign, dingtalk_expected_sign(self.secret, timestamp)):
            return json_reply({"errcode": 310000, "errmsg": "sign not match, more: [x]"})
        body = request.json()
        markdown = body.get("markdown", {})
        if (
            body.get("msgtype") != "markdown"
            or not markdown.get("title")
            or not markdown.get("text")
        ):
            return json_reply({"errcode": 40035, "errmsg": "缺少参数 json"})
        if not self.within_quota():
            return json_reply(
                {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
            )
        self.accepted.append(body)
        return json_reply({"errcode": 0, "errmsg": "ok"})


def feishu_expected_sign(secret: str, timestamp: str) -> str:
    """Feishu's documented algorithm: ``timestamp\\nsecret`` is the key, the message empty."""
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


class FeishuService(FakeService):
    """飞书 custom bot with 签名校验: ``timestamp`` (s) and ``sign`` in the JSON body."""

    def __init__(self, hook: str = "0f8e7d6c-5b4a", secret: str = "qU3vZ2fS0nR8tY") -> None:
        super().__init__()
        self.hook = hook
        self.secret = secret

    @property
    def url(self) -> str:
        return f"{self.base_url}/open-apis/bot/v2/hook/{self.hook}"

    def connect(self, url: str, timeout: float) -> Channel:
        return FeishuBotChannel(url, self.secret, timeout=timeout)

    def handle(self, request: Recorded) -> Reply:
        if request.path != f"/open-apis/bot/v2/hook/{self.hook}":
            return json_reply(
                {"code": 19001, "data": {}, "msg": "param invalid: incoming webhook access token"}
            )
        body = request.json()
        timestamp = str(body.get("timestamp", ""))
        sign = str(body.get("sign", ""))
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= ONE_HOUR
        if not fresh or not hmac.compare_digest(sign, feishu_expected_sign(self.secret, timestamp)):
            return json_reply(
                {
                    "code": 19021,
                    "data": {},
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                }
            )
        text = body.get("content", {}).get("text")
        if body.get("msg_type") != "text" or not isinstance(text, str) or not text:
            return json_reply({"code": 9499, "data": {}, "msg": "Bad Request"})
        if not self.within_quota():
            return json_reply({"code": 11232, "data": {}, "msg": "frequency limited psm[x]"})
        self.accepted.append(body)
        return json_reply({"code": 0, "data": {}, "msg": "success"})


class SmsGatewayService(FakeService):
    """Generic SMS gateway: bearer auth, Idempotency-Key de-duplication (the base class),
    429 + Retry-After."""

    PHONE = re.compile(r"\+?\d{6,15}")
    RETRY_AFTER = "7"
    SENDER_ID = "FANGAN"
    recipient = "+8613800138000"

    def __init__(self, api_key: str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc") -> None:
        super().__init__()
        self.api_key = api_key

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1/messages"

    def connect(self, url: str, timeout: float) -> Channel:
        return HttpSmsGatewayChannel(url, self.api_key, self.SENDER_ID, timeout=timeout)

    def handle(self, request: Recorded) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return json_reply({"error": "invalid api key"}, status=401)
        body = request.json()
        if not self.PHONE.fullmatch(str(body.get("to", ""))):
            return json_reply({"error": "invalid phone number"}, status=422)
        if not self.within_quota():
            return json_reply(
                {"error": "rate limit exceeded"},
                status=429,
                headers={"Retry-After": self.RETRY_AFTER},
            )
        self.accepted.append(body)
        return json_reply({"id": f"SM{len(self.accepted):06d}", "status": "queued"}, status=202)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, service: FakeService) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.service = service

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stalled requests end with the client gone; that is expected, not noise."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Recorded(
            path=parts.path,
            query=urllib.parse.parse_qs(parts.query),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length),
        )
        reply = self.server.service.respond(request)
        if reply is None:
            return
        self.send_response(reply.status)
        for name, value in {**reply.headers, "Content-Length": str(len(reply.body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@pytest.fixture
def serve() -> Iterator[Callable[[FakeService], None]]:
    """Start fakes on 127.0.0.1 (ephemeral port); stop them, stalled ones included."""
    running: list[tuple[_Server, threading.Thread, FakeService]] = []

    def start(service: FakeService) -> None:
        server = _Server(service)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        service.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        running.append((server, thread, service))

    yield start
    for server, thread, service in running:
        service.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=STALL_LIMIT)


def _served(name: str, factory: Callable[[], FakeService]) -> Any:
    """A fixture named ``name`` that serves a fresh ``factory()`` for one test."""

    @pytest.fixture(name=name)
    def fixture(serve: Callable[[FakeService], None]) -> FakeService:
        service = factory()
        serve(service)
        return service

    return fixture


wecom = _served("wecom", WeComService)
dingtalk = _served("dingtalk", DingTalkService)
feishu = _served("feishu", FeishuService)
sms_gateway = _served("sms_gateway", SmsGatewayService)


@pytest.fixture(params=["wecom", "dingtalk", "feishu", "sms_gateway"])
def http_service(request: pytest.FixtureRequest) -> FakeService:
    """Each HTTP fake in turn, for the contract every HTTP channel shares."""
    service: FakeService = request.getfixturevalue(request.param)
    return service


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused."""
    return _free_port()


@pytest.fixture
def mute_server() -> Iterator[int]:
    """A loopback port that completes TCP handshakes but never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield listener.getsockname()[1]


@pytest.fixture
def notice() -> Callable[..., Message]:
    """Build the drill notice used throughout, overriding any field."""

    def make(**overrides: Any) -> Message:
        fields: dict[str, Any] = {
            "subject": SUBJECT,
            "body": BODY,
            "recipient": "",
            "idempotency_key": "evt-42/notice-1",
            **overrides,
        }
        return Message(**fields)

    return make


# --------------------------------------------------------------------------- SMTP fake


class SmtpRecorder:
    """aiosmtpd handler: keeps parsed messages; answers RCPT/DATA as the test sets. Refuses a
    message without Message-ID or X-Idempotency-Key; `by_key` holds the first copy of each key
    (what a deduplicating mail system delivers), `messages` every copy received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.by_key: dict[str, EmailMessage] = {}
        self.envelopes: list[tuple[str, list[str]]] = []
        self.rcpt_reply = "250 2.1.5 Ok"
        self.data_reply = "250 2.0.0 Ok: queued as 4QXk3b1zKWz9"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply.startswith("250"):
            raw = envelope.original_content or b""
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            key = parsed.get("X-Idempotency-Key")
            if not key or not parsed.get("Message-ID"):
                return "550 5.7.1 Message-ID and X-Idempotency-Key required"
            self.messages.append(parsed)
            self.by_key.setdefault(str(key), parsed)
            self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return self.data_reply


SMTP_USER = "duty-officer"
SMTP_PASSWORD = "correct horse battery staple"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == SMTP_USER.encode()
        and data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # False: aiosmtpd sends the 535


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: SmtpRecorder
    username: str = SMTP_USER  # the one account AUTH accepts
    password: str = SMTP_PASSWORD


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1; AUTH offered (without TLS, loopback only) but optional."""
    recorder = SmtpRecorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield SmtpServer(controller.hostname, controller.port, recorder)
    finally:
        controller.stop()
