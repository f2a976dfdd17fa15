"""Console channel: JSON lines to a file or stderr, never stdout."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from notifiers.base import DeliveryError, Message
from notifiers.console import ConsoleChannel


def test_appends_one_json_line_per_message(tmp_path: Path, notice: Callable[..., Message]) -> None:
    outbox = tmp_path / "outbox.jsonl"
    channel = ConsoleChannel(outbox)

    receipt = channel.send(notice(recipient="13800138000"))
    channel.send(notice(idempotency_key="evt-42/notice-2", html="<p>演练</p>"))

    assert receipt.channel == "console"
    text = outbox.read_text(encoding="utf-8")
    assert "【演练】" in text  # readable, not \\u-escaped
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["subject"] == notice().subject
    assert first["body"] == notice().body
    assert first["recipient"] == "13800138000"
    assert first["idempotency_key"] == "evt-42/notice-1"
    assert first["html"] is None
    assert second["html"] == "<p>演练</p>"


def test_without_path_writes_to_stderr_only(
    capsys: pytest.CaptureFixture[str], notice: Callable[..., Message]
) -> None:
    ConsoleChannel(None).send(notice())

    captured = capsys.readouterr()
    assert captured.out == ""
    assert json.loads(captured.err)["subject"] == notice().subject


def test_missing_folder_is_created(tmp_path: Path, notice: Callable[..., Message]) -> None:
    path = tmp_path / "var" / "outbox.jsonl"
    ConsoleChannel(path).send(notice())
    assert json.loads(path.read_text(encoding="utf-8"))["subject"] == notice().subject


def test_unwritable_path_is_a_delivery_error(
    tmp_path: Path, notice: Callable[..., Message]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(DeliveryError) as caught:
        ConsoleChannel(blocker / "outbox.jsonl").send(notice())

    assert caught.value.code == "unreachable"
