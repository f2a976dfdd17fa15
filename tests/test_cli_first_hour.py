"""What a newcomer meets first on the command line: help that describes every command and shows
no `<bool>` noise, `codes` listing what the commands accept, a password prompt on a terminal,
and `serve` saying where it listens with acknowledgement links that follow its port."""

from __future__ import annotations

import os
import pty
import select
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from engine.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = [
    ["classify"],
    ["codes"],
    ["tick"],
    ["notice"],
    ["report"],
    ["deliver"],
    ["serve"],
    ["incident", "report"],
    ["incident", "show"],
    ["incident", "list"],
    ["incident", "act"],
    ["incident", "duplicates"],
    ["contacts", "stale"],
    ["user", "create-admin"],
    ["stats"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_a_description_and_clean_help(command: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    help_text = proc.stdout
    assert "<bool>" not in help_text, help_text
    usage, _, rest = help_text.partition("\n\n")
    assert usage.startswith("Usage:")
    assert not rest.lstrip().startswith(("Arguments:", "Options:")), (
        f"`{' '.join(command)}` has no description:\n{help_text}"
    )


def test_codes_lists_what_the_commands_accept(cli: Any, plan: Any) -> None:
    code, codes, _ = cli("codes")
    assert code == 0
    assert codes["streets"]["yingwu"] == "鹦鹉街" and set(codes["streets"]) == set(
        plan.streets.items
    )
    assert codes["actors"]["district_hq"] == "区指挥部"
    assert "reported" in codes["states"] and "closed" in codes["states"]
    record = codes["actions"]["record_report"]
    assert record["fields"]["to"] == "string, required"
    assert "reported" in record["from"]
    assert codes["actions"]["activate"] == {"from": ["reported"], "fields": {}}
    # The fields listed are the ones the engine checks: leaving out a required one is refused.
    code, incident, _ = cli(
        "incident",
        "report",
        stdin={
            "address": "鹦鹉花园3栋",
            "street": "yingwu",
            "condition": "hidden_danger",
            "discovered_at": "2026-03-02T08:30:00+08:00",
        },
    )
    assert code == 0
    code, _, err = cli(
        "incident",
        "act",
        str(incident["id"]),
        "record_report",
        "--actor",
        "duty_officer",
        "--data",
        "{}",
    )
    assert code == 2 and "data.to" in cli.error(err)["message"]


def test_password_stdin_on_a_terminal_prompts(tmp_path: Path) -> None:
    """`--password-stdin` typed at a terminal asks (hidden, twice) instead of waiting silently."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGAN_")}
    env["FANGAN_DB_URL"] = f"sqlite:///{tmp_path / 'u.db'}"
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes the CLI
        os.execve(
            sys.executable,
            [
                sys.executable,
                str(ROOT / "main.py"),
                "user",
                "create-admin",
                "--username",
                "admin",
                "--name",
                "值班长",
                "--unit",
                "district_housing_bureau",
                "--password-stdin",
            ],
            env,
        )
    seen = b""
    try:
        for prompt in (b"Password", b"confirmation"):  # click's hidden prompt, asked twice
            seen += _read_until(fd, prompt)
            time.sleep(1.0)  # getpass turns echo off and flushes typed-ahead input after it
            os.write(fd, b"a-long-enough-pass-1\n")
        seen += _read_until(fd, b"}", timeout=120)
    finally:
        status = _wait(pid)
    assert b"Password" in seen, seen
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert b'"username": "admin"' in seen


def _wait(pid: int, timeout: float = 60.0) -> int:
    """The child's exit status; killed (and failing the test) if it does not end in time."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.1)
    os.kill(pid, 9)
    return os.waitpid(pid, 0)[1]


def _read_until(fd: int, marker: bytes, timeout: float = 60.0) -> bytes:
    got = b""
    end = time.monotonic() + timeout
    while marker not in got and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    return got


def test_acknowledgement_links_follow_the_port() -> None:
    assert Settings(port=8123).console_url == "http://127.0.0.1:8123"
    assert Settings(host="0.0.0.0", port=9000).console_url == "http://127.0.0.1:9000"
    assert (
        Settings(public_url="https://fangan.example/", port=9000).console_url
        == "https://fangan.example"
    )


def test_serve_says_where_it_listens(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGAN_")}
    env |= {"FANGAN_DB_URL": f"sqlite:///{tmp_path / 's.db'}", "FANGAN_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "serve"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        assert proc.stderr is not None
        line = b""
        end = time.monotonic() + 60
        while b"listening" not in line and time.monotonic() < end:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
        text = line.decode()
        assert f"listening on http://127.0.0.1:{port}" in text, text
        assert f"acknowledgement links point at http://127.0.0.1:{port}" in text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_list_refuses_an_unknown_state(cli: Any) -> None:
    """`incident list --state bogus` names the field and the states there are (it printed [])."""
    code, _, err = cli("incident", "list", "--state", "bogus")
    error = cli.error(err)
    assert code == 2 and error["error"] == "invalid_input"
    assert error["message"].startswith("--state: unknown state 'bogus'")
    assert "reported" in error["message"] and "closed" in error["message"]
    code, listed, _ = cli("incident", "list", "--state", "reported")
    assert code == 0 and listed == []
