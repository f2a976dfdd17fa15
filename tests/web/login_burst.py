"""One process of a login burst (run by the tests, not collected): waits for the go file, then
charges one attempt for officer at 203.0.113.1 at the given instant and prints the wait."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from engine.clock import fixed_clock
from engine.db import make_engine
from web.throttle import LoginThrottle

url, go, instant = sys.argv[1], Path(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
throttle = LoginThrottle(make_engine(url), fixed_clock(instant))
Path(f"{go}.ready.{sys.argv[4]}").touch()
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.005)
print(throttle.charge("officer", "203.0.113.1"))
