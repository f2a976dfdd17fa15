"""Development channel: one JSON line per message, to a file or to stderr.

Never stdout, which belongs to the CLI's own output (and may be piped into other tools).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from pathlib import Path

from notifiers.base import Message, Receipt, delivery_error


class ConsoleChannel:
    """Appends each message as a JSON object on its own line; Chinese stays readable."""

    name = "console"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()  # one line per message even with threaded senders

    def send(self, message: Message) -> Receipt:
        record = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "recipient": message.recipient,
            "subject": message.subject,
            "body": message.body,
            "html": message.html,
            "idempotency_key": message.idempotency_key,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            with self._lock:
                if self.path is None:
                    sys.stderr.write(line)
                    sys.stderr.flush()
                else:
                    self.path.parent.mkdir(parents=True, exist_ok=True)  # a fresh checkout
                    with self.path.open("a", encoding="utf-8") as handle:
                        handle.write(line)
        except OSError as exc:
            raise delivery_error(self.name, "unreachable", f"cannot write: {exc}") from exc
        return Receipt(channel=self.name, provider_id=None)
