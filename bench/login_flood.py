"""A login flood against a real `python main.py serve`: how slow does `/api/me` get?

Starts `serve` on a temporary SQLite database with one administrator, measures `/api/me` (bearer
token) alone for a few seconds, then while `--clients` threads post random usernames and
passwords to the console's `POST /login` for `--seconds`, and prints p50/p99 of both and the
login answers by status. `--root DIR` runs another checkout's code (e.g. main) the same way;
`--env NAME=VALUE` passes settings to `serve` (e.g. a throttle that never delays, to measure the
hashing alone). Measures only; asserts nothing.

    .venv/bin/python bench/login_flood.py [--root DIR] [--clients 6] [--seconds 10]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

PASSWORD = "bench password 1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(base: str, token: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        while not stop.is_set():
            started = time.perf_counter()
            assert client.get("/api/me").status_code == 200
            out.append((time.perf_counter() - started) * 1000)
            time.sleep(0.05)


def flood(base: str, stop: threading.Event, codes: collections.Counter[int]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        found = CSRF.search(client.get("/login").text)
        assert found, "no CSRF token on /login"
        while not stop.is_set():
            response = client.post(
                "/login",
                data={
                    "username": "u" + secrets.token_hex(4),
                    "password": secrets.token_hex(8),
                    "csrf_token": found.group(1),
                },
            )
            codes[response.status_code] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--baseline-seconds", type=float, default=3.0)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    root = args.root.resolve()
    with tempfile.TemporaryDirectory(prefix="fangan-login-flood-") as work:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FANGAN_")},
            "FANGAN_DB_URL": f"sqlite:///{work}/fangan.db",
            "PYTHONPATH": str(root),
            **dict(item.split("=", 1) for item in args.env),
        }

        def users(*argv: str, stdin: str = "") -> str:
            return subprocess.run(
                [sys.executable, "-m", "web.cli_users", *argv],
                cwd=root,
                env=env,
                input=stdin,
                capture_output=True,
                text=True,
                check=True,
            ).stdout

        users(
            "create-admin",
            "--username",
            "admin",
            "--name",
            "管理员",
            "--unit",
            "district_housing_bureau",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        token = str(json.loads(users("token", "--username", "admin"))["token"])
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with open(f"{work}/serve.log", "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "main.py", "serve", "--port", str(port)],
                cwd=root,
                env=env,
                stdout=log,
                stderr=log,
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit(f"serve did not start:\n{Path(work, 'serve.log').read_text()}")
                time.sleep(0.2)
            alone: list[float] = []
            stop = threading.Event()
            watcher = threading.Thread(target=measure, args=(base, token, stop, alone))
            watcher.start()
            time.sleep(args.baseline_seconds)
            stop.set()
            watcher.join()

            flooded: list[float] = []
            codes: collections.Counter[int] = collections.Counter()
            stop = threading.Event()
            threads = [
                threading.Thread(target=flood, args=(base, stop, codes))
                for _ in range(args.clients)
            ]
            threads.append(threading.Thread(target=measure, args=(base, token, stop, flooded)))
            for thread in threads:
                thread.start()
            time.sleep(args.seconds)
            stop.set()
            for thread in threads:
                thread.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"code {root} @ {revision}; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; env {args.env or '-'}"
    )
    for name, values in (("alone", alone), (f"{args.clients} login clients", flooded)):
        print(
            f"/api/me {name:>16}: n={len(values):4d}  p50 {statistics.median(values):7.1f} ms"
            f"  p99 {percentile(values, 0.99):7.1f} ms"
        )
    print(f"login answers in {args.seconds:.0f} s: {dict(sorted(codes.items()))}")


if __name__ == "__main__":
    main()
