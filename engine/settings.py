"""Runtime settings from the environment (FANGAN_*) with safe defaults for a fresh machine."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.contacts import DEFAULT_CONTACTS_PATH
from engine.plan import DEFAULT_PLAN_PATH


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FANGAN_", extra="ignore")

    db_url: str = "sqlite:///./fangan.db"
    plan: Path = DEFAULT_PLAN_PATH
    log_file: Path | None = None
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    # How often `serve` re-reads the timers from the database (picks up changes made by the CLI).
    resync_seconds: float = 5.0
    # How often `serve` drains the outbox.
    deliver_seconds: float = 1.0
    # Where people reach the console (acknowledgement links in notices point here); unset, the
    # address `serve` listens on (`console_url`).
    public_url: str | None = None
    # The one secret (sessions, acknowledgement links, the timeline's audit chain); never kept in
    # the database. Unset: read from `key_file`, which is created on first use (`engine.keys`).
    secret_key: str | None = None
    key_file: Path | None = None
    contacts: Path = DEFAULT_CONTACTS_PATH
    # Among several `serve`s on one database the scheduler's leader holds a lease this long,
    # renewed every third of it; a standby takes over within about 4/3 of it (engine.leader).
    leader_lease_seconds: float = 3.0
    # The health endpoint turns unhealthy when the scheduler has not woken for this long.
    watchdog_seconds: float = 60.0

    @property
    def console_url(self) -> str:
        """Where acknowledgement links point: FANGAN_PUBLIC_URL, else where `serve` listens (a
        wildcard host is not an address a recipient can open: loopback stands in for it)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"
