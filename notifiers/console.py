"""Development channel: one JSON line per message, to a file or to stderr.

Never stdout, which belongs to the CLI's own output (and may be piped into other tools).

The file is a receiver that deduplicates: a message whose idempotency key is already in it (a
worker killed between writing it and recording the delivery, then a re-send) writes nothing.
Writers in several processes (two `serve`s, the CLI's `deliver`) serialise on an exclusive
lock of the file, and each reads only what was appended since it last looked.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import sys
import threading
from pathlib import Path
from typing import BinaryIO

from notifiers.base import Message, Receipt, delivery_error


class ConsoleChannel:
    """Appends each message as a JSON object on its own line, once per idempotency key;
    Chinese stays readable."""

    name = "console"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()  # one line per message even with threaded senders
        self._keys: set[str] = set()  # keys already written (stderr: by this process only)
        self._scanned = 0  # bytes of the file already read into _keys

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
                    if message.idempotency_key not in self._keys:
                        sys.stderr.write(line)
                        sys.stderr.flush()
                else:
                    self.path.parent.mkdir(parents=True, exist_ok=True)  # a fresh checkout
                    with self.path.open("a+b") as handle:
                        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
                        self._append_once(handle, message.idempotency_key, line.encode())
                self._keys.add(message.idempotency_key)
        except OSError as exc:
            raise delivery_error(self.name, "unreachable", f"cannot write: {exc}") from exc
        return Receipt(channel=self.name, provider_id=None)

    def _append_once(self, handle: BinaryIO, key: str, line: bytes) -> None:
        """Learn the keys appended since the last look, then write `line` unless `key` is
        among them. A torn last line (a writer killed mid-write) is skipped, not extended."""
        end = handle.seek(0, 2)
        if end < self._scanned:  # truncated or replaced: read it again from the start
            self._keys.clear()
            self._scanned = 0
        handle.seek(self._scanned)
        tail = handle.read()
        complete = tail[: tail.rfind(b"\n") + 1]
        for raw in complete.splitlines():
            try:
                self._keys.add(str(json.loads(raw)["idempotency_key"]))
            except (ValueError, KeyError, TypeError):
                continue  # not one of ours, or torn
        if key in self._keys:
            self._scanned += len(complete)
            return
        handle.write((b"\n" if len(complete) < len(tail) else b"") + line)
        handle.flush()
        self._scanned = handle.tell()
