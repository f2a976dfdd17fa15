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


def test_a_key_already_written_writes_nothing(
    tmp_path: Path, notice: Callable[..., Message]
) -> None:
    """Two senders on one file (two processes after a crash) write each key once."""
    outbox = tmp_path / "outbox.jsonl"
    first, second = ConsoleChannel(outbox), ConsoleChannel(outbox)

    first.send(notice())
    second.send(notice())
    first.send(notice())
    second.send(notice(idempotency_key="evt-42/notice-2"))
    first.send(notice(idempotency_key="evt-42/notice-2"))

    keys = [
        json.loads(line)["idempotency_key"]
        for line in outbox.read_text(encoding="utf-8").splitlines()
    ]
    assert keys == ["evt-42/notice-1", "evt-42/notice-2"]


def test_a_torn_last_line_is_not_extended(tmp_path: Path, notice: Callable[..., Message]) -> None:
    outbox = tmp_path / "outbox.jsonl"
    outbox.write_text('{"idempotency_key": "evt-42/notice-1", "subj', encoding="utf-8")

    ConsoleChannel(outbox).send(notice())

    _torn, written = outbox.read_text(encoding="utf-8").splitlines()
    assert json.loads(written)["idempotency_key"] == "evt-42/notice-1"


def test_stderr_without_a_file_deduplicates_within_the_process(
    capsys: pytest.CaptureFixture[str], notice: Callable[..., Message]
) -> None:
    channel = ConsoleChannel(None)
    channel.send(notice())
    channel.send(notice())
    assert len(capsys.readouterr().err.splitlines()) == 1
