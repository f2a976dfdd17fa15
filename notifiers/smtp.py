"""E-mail channel over SMTP (smtplib), optionally with STARTTLS and AUTH.

Failures follow SMTP's own split: 4xx replies are transient (greylisting, full queues) and
worth a retry; 5xx replies are permanent. ``Message-ID`` is derived from the idempotency
key, and the key itself travels in ``X-Idempotency-Key``, so that a retried message can be
recognised as the same one by mail systems (which drop a repeated Message-ID) and by people
reading it.
"""

from __future__ import annotations

import contextlib
import email.policy
import email.utils
import hashlib
import re
import smtplib
import ssl
from email.message import EmailMessage
from typing import Final

from notifiers.base import DeliveryError, Message, Receipt, delivery_error

DEFAULT_TIMEOUT: Final = 10.0
# 7bit transfer encoding (base64 for Chinese text) so no relay needs 8BITMIME.
_POLICY: Final = email.policy.SMTP.clone(cte_type="7bit")
_QUEUE_ID: Final = re.compile(r"queued as\s+<?([^\s>]+)", re.IGNORECASE)
_FALLBACK_DOMAIN: Final = "fangan.invalid"
IDEMPOTENCY_HEADER: Final = "X-Idempotency-Key"


def message_id_for(idempotency_key: str, sender: str) -> str:
    """A ``Message-ID`` that is the same for every attempt of one logical message."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    address = email.utils.parseaddr(sender)[1]
    domain = address.rpartition("@")[2] or _FALLBACK_DOMAIN
    return f"<{digest}@{domain}>"


class SmtpChannel:
    """Sends ``Message`` as a text (+ optional HTML) e-mail to ``Message.recipient``."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if username is not None and password is None:
            raise ValueError("password is required when username is set")
        self.host = host
        self.port = port
        self.sender = sender  # may carry a display name: "房安应急平台 <noreply@example.cn>"
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout
        self.ssl_context = ssl_context

    def build(self, message: Message) -> EmailMessage:
        """The MIME message: text/plain, plus text/html as an alternative when given."""
        mail = EmailMessage(policy=_POLICY)
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Date"] = email.utils.formatdate(localtime=True)
        mail["Message-ID"] = message_id_for(message.idempotency_key, self.sender)
        mail[IDEMPOTENCY_HEADER] = message.idempotency_key
        mail.set_content(message.body)
        if message.html is not None:
            mail.add_alternative(message.html, subtype="html")
        return mail

    def send(self, message: Message) -> Receipt:
        envelope_from = email.utils.parseaddr(self.sender)[1]
        recipient = email.utils.parseaddr(message.recipient)[1]
        for role, address in (("recipient", recipient), ("sender", envelope_from)):
            if "@" not in address or not address.isascii():
                raise delivery_error(self.name, "rejected", f"unusable {role} address")
        payload = self.build(message).as_bytes()
        try:
            data_reply = self._deliver(envelope_from, recipient, payload)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise self._from_reply(code, text) from exc
        except smtplib.SMTPResponseException as exc:  # sender/data/greeting/auth refusals
            raise self._from_reply(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib reports a read timeout as a disconnect; the cause tells them apart.
            if isinstance(exc.__context__, TimeoutError):
                raise delivery_error(
                    self.name, "timeout", f"no answer within {self.timeout:g} s"
                ) from exc
            raise delivery_error(self.name, "server_error", f"server hung up: {exc}") from exc
        except smtplib.SMTPException as exc:  # STARTTLS/AUTH not offered, no usable mechanism
            raise delivery_error(self.name, "rejected", str(exc)) from exc
        except ssl.SSLError as exc:  # before OSError: a certificate problem is configuration
            raise delivery_error(self.name, "rejected", f"TLS failure: {exc}") from exc
        except TimeoutError as exc:
            raise delivery_error(
                self.name, "timeout", f"no answer within {self.timeout:g} s"
            ) from exc
        except OSError as exc:  # refused, DNS failure, network down
            raise delivery_error(self.name, "unreachable", f"cannot connect: {exc}") from exc
        match = _QUEUE_ID.search(data_reply)
        return Receipt(channel=self.name, provider_id=match.group(1) if match else None)

    def _deliver(self, envelope_from: str, recipient: str, payload: bytes) -> str:
        """Run one SMTP transaction; return the server's reply to the message data.

        Spelled out instead of ``sendmail`` because that discards the final reply, which
        is where servers report their queue id.
        """
        smtp = smtplib.SMTP(timeout=self.timeout)
        try:
            smtp.connect(self.host, self.port)
            smtp.ehlo_or_helo_if_needed()
            if self.starttls:
                smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if self.username is not None and self.password is not None:
                smtp.login(self.username, self.password)
            code, reply = smtp.mail(envelope_from)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, envelope_from)
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            code, reply = smtp.data(payload)
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
            # The message is already accepted; a sloppy QUIT must not turn that into a failure.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            return reply.decode("utf-8", errors="replace")
        finally:
            smtp.close()

    def _from_reply(self, code: int, text: bytes | str) -> DeliveryError:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        detail = f"SMTP {code} {text}".strip()
        if 500 <= code < 600:
            return delivery_error(self.name, "rejected", detail)
        return delivery_error(self.name, "server_error", detail)  # 4xx and anything odd
